"""How much `check` costs over merely reading the workbook.

Writes a synthetic ledger (10,000 構成員 rows, 2,000 会議 rows by default),
then measures, in this one run:
  floor: openpyxl read-only mode iterating every cell of every sheet
         (values only, the cheapest way openpyxl reads a file), and
  check: generator.check() - read, parse every value, run every rule.
Prints the best of --repeat runs of each and the ratio check / floor.
Target (issue 2): at most 2.0.

    python benchmarks/bench_check.py [--members 10000] [--meetings 2000] [--repeat 3]
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
import time
from pathlib import Path

import openpyxl

from generator.ledger import schema
from generator.ledger.check import check


def write_synthetic(path: Path, members: int, meetings: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    councils = max(1, members // 25)
    areas = max(2, councils // 2)
    wb = openpyxl.Workbook(write_only=True)

    def sheet(name, rows):
        ws = wb.create_sheet(name)
        ws.append([c.header for c in schema.SHEETS_BY_KEY[name_key[name]].columns] if name in name_key
                  else ["項目", "値"])
        for row in rows:
            ws.append(row)

    name_key = {s.name: s.key for s in schema.SHEETS}
    sheet("基本情報", [["市町村名", "ベンチ市"], ["首長職名", "ベンチ市長"], ["首長氏名", "計測 太郎"],
                      ["担当課", "福祉課"], ["電話", "000-000-0000"]])
    sheet("圏域", [[f"A{i}", f"圏域{i}", 1 if i == 0 else 2, "中学校区", "地区1\n地区2", 10000, 3000, ""]
                   for i in range(areas)])
    sheet("生活支援コーディネーター", [
        [f"S{i}", f"SC {i}", "", 1 if i == 0 else 2, f"A{i}", "社協", "社会福祉協議会",
         dt.date(2020, 4, 1), None, "000-0000", f"s{i}@example.jp"] for i in range(areas)])
    sheet("協議体", [[f"C{i}", f"協議体{i}", 1 if i == 0 else 2, f"A{min(i, areas - 1) if i == 0 else 1 + i % (areas - 1)}",
                      dt.date(2019, 4, 1), f"M{i * 25}", "事務局", 6, "公開", ""] for i in range(councils)])
    kinds = schema.ORG_KINDS
    delivery = schema.DELIVERY
    member_rows = []
    for i in range(members):
        how = delivery[i % len(delivery)]
        postal = f"{rng.randint(0, 999):03d}-{rng.randint(0, 9999):04d}"
        member_rows.append([f"M{i}", f"C{i // 25 % councils}", f"氏名 {i}", "しめい", "様", f"団体{i % 97}",
                            kinds[i % len(kinds)], "会長", "委員", postal, f"ベンチ市{i}番地", "", "000-0000",
                            f"m{i}@example.jp", how, "2025/4/1" if i % 3 else dt.date(2025, 4, 1), None])
    sheet("構成員", member_rows)
    meeting_rows = []
    start = dt.date(2026, 4, 6)
    for i in range(meetings):
        day = start + dt.timedelta(days=(i * 7) % 350)
        date_cell = day if i % 4 else f"R{day.year - 2018}.{day.month}.{day.day}"
        meeting_rows.append([f"K{i}", f"C{i % councils}", i // councils + 1, date_cell,
                             "14:00" if i % 2 else "午後2時", "16:00", "会議室", "住所", "議題1\n議題2\n議題3",
                             "筆記用具", "会議", "座長", f"第{i}号", day - dt.timedelta(days=31), None, "予定", ""])
    sheet("会議", meeting_rows)
    # Five answers per meeting, from members of the meeting's own council.
    sheet("出欠", [[f"K{j}", f"M{(j % councils) * 25 + k}", "出席" if k % 4 else "欠席", "", ""]
                   for j in range(meetings) for k in range(5)])
    sheet("地域ケア会議", [[dt.date(2026, 6, 1), "A1", "個別", "有", "", "", ""]])
    wb.save(path)


def iterate_every_cell(path: Path) -> int:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    count = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            for _ in row:
                count += 1
    wb.close()
    return count


def best_of(repeat: int, func) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--meetings", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench_ledger.xlsx"
        write_synthetic(path, args.members, args.meetings)
        cells = iterate_every_cell(path)
        size = path.stat().st_size
        report = check(path, 2026)
        floor = best_of(args.repeat, lambda: iterate_every_cell(path))
        checked = best_of(args.repeat, lambda: check(path, 2026))
    print(f"ledger: {args.members} 構成員 rows, {args.meetings} 会議 rows, {cells} cells, "
          f"{size:,} bytes")
    print(f"findings: {len(report.findings)} ({report.count('error')} errors)")
    print(f"floor (openpyxl read-only, every cell): {floor:.3f} s")
    print(f"check (read + parse + rules):           {checked:.3f} s")
    print(f"ratio check / floor: {checked / floor:.2f}  (target <= 2.0)")


if __name__ == "__main__":
    main()
