"""The xlsx outputs of the monthly batch, per file: built and written (issue 13 target 5: at most 5 ms each).

Writes bench_check.py's synthetic ledger (2,500 構成員, 500 会議 by default), then, in
this one run, builds and atomically writes every 送付リスト.xlsx (one per meeting with
letters), every 謝礼支払一覧.xlsx (one per held meeting) and the 年次集計 workbook,
and prints ms per file for each kind: the median of --repeat passes (at least 100 files
built in all, so a kind of one file gets 100 passes), and the best; beside it, the cells
per file and how much of the time zlib alone takes to compress the XML a file must hold
(the floor for these bytes). Each pass writes
new files into a folder of its own, as the batch's first run does. For comparison it
builds the same files the way they were built before (openpyxl cell by cell,
tests/xlsx_reference.py), checks the bytes are identical, and prints the ratio.

    python benchmarks/bench_xlsx.py [--members 2500] [--meetings 500] [--repeat 3] [--ledger samples/aoba_ledger.xlsx]
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
from bench_check import write_synthetic  # noqa: E402

AS_OF = dt.date(2026, 12, 1)
TARGET_MS = 5.0


def kinds(path: Path):
    """(name, [argument tuples], new builder, old builder) for each xlsx kind of the monthly batch."""
    import xlsx_reference as before

    from generator.documents import honoraria
    from generator.documents.annual import annual_tables, summary_workbook
    from generator.documents.invitation import MeetingResult, plan_meeting, sendlist_bytes
    from generator.ledger.check import load_and_check

    ledger, report = load_and_check(path, 2026, as_of=AS_OF)
    sendlists = []
    for meeting in ledger.meetings:
        plan = plan_meeting(ledger, report, meeting)
        if not plan.skip_reason:
            result = MeetingResult(plan)
            result.letters = [Path(f"通知/{i:03d}_{m.member_id}.docx") for i, m in enumerate(plan.recipients, 1)]
            sendlists.append((ledger, plan, result))
    held = [m for m in ledger.meetings if m.held_as_of(AS_OF)]
    lists = [(ledger, data) for data in (honoraria.honoraria(ledger, m) for m in held) if not data.problem]
    annual = [(annual_tables(ledger, report, 2026, AS_OF),)]
    return [("送付リスト", sendlists, sendlist_bytes, before.sendlist_bytes),
            ("謝礼支払一覧", lists, honoraria.workbook, before.workbook),
            ("年次集計", annual, summary_workbook, before.summary_workbook)]


def per_file_ms(build, arguments: list[tuple], folder: Path, repeat: int) -> tuple[float, float, int, list[bytes]]:
    """(median, best) ms per file over the passes, the number of passes, and the files of the last one.

    A kind with few files (one 年次集計) is built in at least 100 passes, so one busy moment
    of the machine does not decide its figure.
    """
    from generator.render.output import atomic_write

    passes, made = max(repeat, -(-100 // len(arguments))), []
    seconds = []
    for number in range(passes):
        # New files, as a batch's first run writes them (a rerun leaves unchanged files alone).
        # Renaming over an existing file costs ext4 some 0.1 ms more: the filesystem, not the writer.
        (folder / str(number)).mkdir(parents=True)
        made = []
        t0 = time.perf_counter()
        for n, args in enumerate(arguments):
            data = build(*args)
            atomic_write(folder / str(number) / f"{n:05d}.xlsx", data)
            made.append(data)
        seconds.append(time.perf_counter() - t0)
    per_file = [s / len(arguments) * 1000 for s in seconds]
    return statistics.median(per_file), min(per_file), passes, made


def deflate_floor_ms(files: list[bytes], passes: int) -> tuple[float, int]:
    """(ms per file, cells per file): the median time zlib alone takes for the parts made anew per file.

    Those are the sheets and workbook.xml (the theme, relationships and styles are compressed
    once per process). Their XML is exactly openpyxl's and is compressed as zipfile does, so
    no writer of the same bytes that compresses with zlib takes less: the floor of the kind's figure.
    """
    import io
    import zipfile

    bodies = []
    for data in files:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            bodies.append([archive.read(name) for name in archive.namelist()
                           if name.startswith("xl/worksheets/") or name == "xl/workbook.xml"])
    seconds = []
    for _ in range(passes):
        t0 = time.perf_counter()
        for parts in bodies:
            for body in parts:
                compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
                compressor.compress(body)
                compressor.flush()
        seconds.append(time.perf_counter() - t0)
    cells = sum(body.count(b"<c r=") for parts in bodies for body in parts)
    return statistics.median(seconds) / len(files) * 1000, cells // len(files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2_500)
    parser.add_argument("--meetings", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--ledger", type=Path, help="a ledger to use instead of the synthetic one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        path = args.ledger or tmp / "ledger.xlsx"
        if not args.ledger:
            write_synthetic(path, args.members, args.meetings)
        measured = kinds(path)
        # This writer first for every kind, then openpyxl: the thousands of openpyxl objects
        # (reference cycles) the old way leaves behind would otherwise slow the kinds after it.
        nows = [per_file_ms(new, arguments, tmp / f"{name}-now", args.repeat) for name, arguments, new, _ in measured]
        for (name, arguments, _, old), (now_ms, now_best, passes, now) in zip(measured, nows):
            was_ms, _, _, was = per_file_ms(old, arguments, tmp / f"{name}-was", args.repeat)
            floor_ms, cells = deflate_floor_ms(now, passes)
            print(f"{name}: {len(arguments):,} files of {cells:,} cells on average, {now_ms:.2f} ms per file, "
                  f"the median of {passes} passes (best {now_best:.2f}; "
                  f"{'ok' if now_ms <= TARGET_MS else 'OVER'}, target <= {TARGET_MS:g}); "
                  f"of which zlib alone {floor_ms:.2f} ms; openpyxl cell by cell {was_ms:.2f} ms = "
                  f"{was_ms / now_ms:.1f}x; identical bytes: {'yes' if now == was else 'NO'}")


if __name__ == "__main__":
    main()
