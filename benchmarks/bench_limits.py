"""What the hostile-input limits cost, measured in one run.

  templates: N letters rendered by the limited sandbox (loop steps, sizes,
             time) against the same compiled template in Jinja's plain sandbox
  ledger   : reading the sample ledger, against the size check of its zip
             parts (every part inflated once and counted)
  bomb     : refusing a 1 MB ledger that inflates to 1 GiB

    python benchmarks/bench_limits.py [--count 500]
"""
from __future__ import annotations

import argparse
import io
import tempfile
import time
import zipfile
from pathlib import Path

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from generator import safezip
from generator.documents.invitation import INVITATION_TEMPLATE
from generator.documents.templates import example_contexts
from generator.errors import LedgerError
from generator.ledger.reader import read_ledger, read_workbook_bytes
from generator.render.engine import CompiledTemplate, xml_safe

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "templates" / INVITATION_TEMPLATE.filename
SAMPLE = ROOT / "samples" / "aoba_ledger.xlsx"


def best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=500)
    args = parser.parse_args()

    context = example_contexts()["invitation"]
    limited = CompiledTemplate(TEMPLATE)
    plain_env = SandboxedEnvironment(autoescape=True, undefined=jinja2.StrictUndefined, finalize=xml_safe,
                                     keep_trailing_newline=True)
    plain = CompiledTemplate(TEMPLATE, env=plain_env)
    t_limited = best(lambda: [limited.render(context) for _ in range(args.count)])
    t_plain = best(lambda: [plain.render(context) for _ in range(args.count)])
    print(f"templates: {args.count} letters  limited {t_limited:.3f} s  plain sandbox {t_plain:.3f} s  "
          f"ratio {t_limited / t_plain:.2f}")

    data = SAMPLE.read_bytes()

    def check_only():
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            safezip.check_package(archive, safezip.LEDGER)

    t_read = best(lambda: read_ledger(SAMPLE))
    t_check = best(check_only)
    print(f"ledger   : read {t_read:.3f} s  size check {t_check:.4f} s  share {t_check / t_read:.1%}")

    with tempfile.TemporaryDirectory() as tmp:
        bomb = Path(tmp) / "bomb.xlsx"
        with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED,
                                                                       compresslevel=9) as out:
            for info in src.infolist():
                if info.filename == "xl/worksheets/sheet1.xml":
                    with out.open(info.filename, "w", force_zip64=True) as stream:
                        for _ in range(1024):
                            stream.write(b" " * safezip.MB)
                else:
                    out.writestr(info.filename, src.read(info.filename))

        def refuse():
            try:
                read_workbook_bytes(bomb)
            except LedgerError:
                return
            raise AssertionError("the bomb was read")

        t_bomb = best(refuse)
        print(f"bomb     : {bomb.stat().st_size / safezip.MB:.1f} MB file inflating to 1 GiB refused in "
              f"{t_bomb:.3f} s ({t_bomb / t_read:.2f} × reading the sample ledger)")


if __name__ == "__main__":
    main()
