"""The annual report of a large synthetic ledger: how long, and how much of it is charts.

Writes the synthetic ledger of bench_check.py (10,000 構成員, 2,000 会議,
10,000 出欠 rows by default), then times in one run: reading and checking
it, computing the report's tables, drawing the charts, and rendering the
.docx plus the summary .xlsx. Prints each and the charts' share.

    python benchmarks/bench_annual.py [--members 10000] [--meetings 2000]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_check import write_synthetic  # noqa: E402

from generator.documents.annual import annual_context, annual_tables, make_charts, summary_workbook  # noqa: E402
from generator.ledger.check import load_and_check  # noqa: E402
from generator.documents.base import load_template  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--meetings", type=int, default=2_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench_ledger.xlsx"
        write_synthetic(path, args.members, args.meetings)
        t0 = time.perf_counter()
        ledger, report = load_and_check(path, 2026)
        t1 = time.perf_counter()
        data = annual_tables(ledger, report, 2026)
        context = annual_context(ledger, data, with_charts=False)
        t2 = time.perf_counter()
        context["charts"] = make_charts(data)
        t3 = time.perf_counter()
        template = load_template("annual_report.docx")
        docx = template.render(context)
        xlsx = summary_workbook(data)
        (Path(tmp) / "report.docx").write_bytes(docx)
        (Path(tmp) / "summary.xlsx").write_bytes(xlsx)
        t4 = time.perf_counter()
    build = t4 - t1
    print(f"ledger: {args.members} 構成員, {args.meetings} 会議, {len(ledger.attendance)} 出欠, "
          f"{len(ledger.councils)} 協議体")
    print(f"read + check:            {t1 - t0:7.2f} s")
    print(f"tables + context:        {t2 - t1:7.2f} s")
    print(f"charts (4, 200 dpi):     {t3 - t2:7.2f} s")
    print(f"render .docx + .xlsx:    {t4 - t3:7.2f} s  ({len(docx) / 1024:.0f} KiB report, {len(xlsx) / 1024:.0f} KiB summary)")
    print(f"build and render:        {build:7.2f} s  (charts {100 * (t3 - t2) / build:.0f}% of it)")
    print(f"whole run incl. reading: {t4 - t0:7.2f} s  (charts {100 * (t3 - t2) / (t4 - t0):.0f}% of it)")


if __name__ == "__main__":
    main()
