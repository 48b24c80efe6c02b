"""The invitation engine against docxtpl and against copying files, in one run.

For N recipients (default 1,000) of one sample meeting, each with its own
context, writes N letters to a temporary folder three ways:
  engine : generator.render.compile_template once, then .write() per letter
  docxtpl: a fresh DocxTemplate(...).render(context, autoescape=True) + save per letter
  floor  : shutil.copyfile of the template N times (the cost of writing N files at all)
and prints the times and the ratios docxtpl / engine (target >= 30) and
engine / floor.

    python benchmarks/bench_invitations.py [--count 1000]
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from docxtpl import DocxTemplate

from generator.render.context import letter_context
from generator.ledger.reader import read_ledger
from generator.render.engine import compile_template

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "templates" / "invitation.docx"
SAMPLE = ROOT / "samples" / "aoba_ledger.xlsx"


def contexts(count: int) -> list[dict]:
    ledger, _ = read_ledger(SAMPLE)
    meeting = next(m for m in ledger.meetings if m.meeting_id == "C0-05")
    council = next(c for c in ledger.councils if c.council_id == meeting.council_id)
    members = [m for m in ledger.members if m.council_id == council.council_id]
    out = []
    for i in range(count):
        base = members[i % len(members)]
        member = replace(base, member_id=f"M{i:05d}", name=f"{base.name}{i}")
        out.append(letter_context(ledger, council, meeting, member))
    return out


def timed(func) -> float:
    t0 = time.perf_counter()
    func()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    ctxs = contexts(args.count)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name in ("engine", "docxtpl", "floor"):
            (tmp / name).mkdir()

        def engine():
            template = compile_template(TEMPLATE)          # preparation counted once
            for i, ctx in enumerate(ctxs):
                template.write(ctx, tmp / "engine" / f"{i:05d}.docx")

        def docxtpl():
            for i, ctx in enumerate(ctxs):
                tpl = DocxTemplate(TEMPLATE)
                tpl.render(ctx, autoescape=True)
                tpl.save(tmp / "docxtpl" / f"{i:05d}.docx")

        def floor():
            for i in range(len(ctxs)):
                shutil.copyfile(TEMPLATE, tmp / "floor" / f"{i:05d}.docx")

        t_floor = timed(floor)
        t_engine = timed(engine)
        t_docxtpl = timed(docxtpl)
        size = sum(p.stat().st_size for p in (tmp / "engine").iterdir()) / len(ctxs)
    print(f"letters: {args.count} (template {TEMPLATE.name}, {size / 1024:.1f} KiB per letter)")
    print(f"floor   (copy the template file): {t_floor:8.3f} s  {t_floor / args.count * 1000:7.3f} ms/letter")
    print(f"engine  (compile once, render):   {t_engine:8.3f} s  {t_engine / args.count * 1000:7.3f} ms/letter")
    print(f"docxtpl (render + save each):     {t_docxtpl:8.3f} s  {t_docxtpl / args.count * 1000:7.3f} ms/letter")
    print(f"ratio docxtpl / engine: {t_docxtpl / t_engine:.1f}x  (target >= 30)")
    print(f"ratio engine / floor:   {t_engine / t_floor:.1f}x")


if __name__ == "__main__":
    main()
