"""How much `check` costs over merely reading the workbook.

Writes a synthetic ledger (10,000 構成員 rows, 2,000 会議 rows by default),
then measures, in this one run:
  floor: openpyxl read-only mode iterating every cell of every sheet
         (values only, the cheapest way openpyxl reads a file),
  check: generator.check() - read, parse every value, run every rule,
  read:  read_ledger() by each engine, calamine (the default) and openpyxl
         (the reader before issue 13), into the same model.
The four are timed in turn, --repeat rounds, and the best of each is kept, so
load on a shared machine falls on all of them alike.
Prints the ratio check / floor. Target (issue 2): at most 2.0; issue 13
target 3: at most 0.5. Also read calamine / read openpyxl.

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
from generator.ledger.reader import read_ledger


def write_synthetic(path: Path, members: int, meetings: int, seed: int = 1, *,
                    per_council: int = 25, honoraria: bool = True) -> None:
    """A valid ledger of `members` 構成員 in councils of `per_council` and `meetings` 会議 over fiscal 2026.

    Rows are written by header name from generator.ledger.schema, so a column added to the
    layout cannot shift the values into the wrong cells. Meetings up to December 2026 are
    開催済 with five answers each, so a monthly batch has minutes, 謝礼 lists and letters to make.
    """
    rng = random.Random(seed)
    councils = max(1, members // per_council)
    areas = max(2, councils // 2)
    wb = openpyxl.Workbook(write_only=True)

    def sheet(key: str, rows: list[dict]) -> None:
        layout = schema.SHEETS_BY_KEY[key]
        ws = wb.create_sheet(layout.name)
        ws.append([c.header for c in layout.columns])
        for row in rows:
            ws.append([row.get(c.header) for c in layout.columns])

    info = wb.create_sheet(schema.INFO_SHEET)
    info.append([schema.INFO_ITEM_HEADER, schema.INFO_VALUE_HEADER])
    for row in (["市町村名", "ベンチ市"], ["首長職名", "ベンチ市長"], ["首長氏名", "計測 太郎"],
                ["担当課", "福祉課"], ["電話", "000-000-0000"]) + ((["謝礼単価", 3000],) if honoraria else ()):
        info.append(row)
    sheet("areas", [{"圏域ID": f"A{i}", "圏域名": f"圏域{i}", "層": 1 if i == 0 else 2, "区域の種類": "中学校区",
                     "含まれる地区": "地区1\n地区2", "人口": 10000, "高齢者人口": 3000} for i in range(areas)])
    sheet("coordinators", [{"SC_ID": f"S{i}", "氏名": f"SC {i}", "層": 1 if i == 0 else 2, "担当圏域ID": f"A{i}",
                            "所属": "社協", "所属種別": "社会福祉協議会", "勤務形態": "専従",
                            "配置日": dt.date(2020, 4, 1), "電話": "000-0000", "メール": f"s{i}@example.jp"}
                           for i in range(areas)])
    sheet("councils", [{"協議体ID": f"C{i}", "名称": f"協議体{i}", "層": 1 if i == 0 else 2,
                        "圏域ID": "A0" if i == 0 else f"A{1 + i % (areas - 1)}", "設置日": dt.date(2019, 4, 1),
                        "座長構成員ID": f"M{i * per_council}", "事務局": "事務局", "年間目標開催回数": 6,
                        "公開": "公開"} for i in range(councils)])
    kinds = schema.ORG_KINDS
    delivery = schema.DELIVERY
    member_rows = []
    for i in range(members):
        postal = f"{rng.randint(0, 999):03d}-{rng.randint(0, 9999):04d}"
        member_rows.append({
            "構成員ID": f"M{i}", "協議体ID": f"C{i // per_council % councils}", "氏名": f"氏名 {i}",
            "ふりがな": "しめい", "敬称": "様", "所属団体": f"団体{i % 97}", "団体種別": kinds[i % len(kinds)],
            "役職": "会長", "協議体での役割": "座長" if i % per_council == 0 else "委員", "郵便番号": postal,
            "住所1": f"ベンチ市{i}番地", "電話": "000-0000", "メール": f"m{i}@example.jp",
            "送付方法": delivery[i % len(delivery)], "謝礼": "要" if i % 5 else "不要",
            "就任日": "2025/4/1" if i % 3 else dt.date(2025, 4, 1)})
    sheet("members", member_rows)
    meeting_rows, answers = [], []
    per_year = max(1, -(-meetings // councils))
    start = dt.date(2026, 4, 6)
    for i in range(meetings):
        council = i % councils
        # Each council's meetings evenly over the year, councils staggered over four weeks.
        day = start + dt.timedelta(days=(i // councils) * 350 // per_year + council % 28)
        held = day < dt.date(2027, 1, 1)
        meeting_rows.append({
            "会議ID": f"K{i}", "協議体ID": f"C{council}", "回": i // councils + 1,
            "開催日": day if i % 4 else f"R{day.year - 2018}.{day.month}.{day.day}",
            "開始時刻": "14:00" if i % 2 else "午後2時", "終了時刻": "16:00", "場所": "会議室", "場所住所": "住所",
            "議題": "議題1\n議題2\n議題3", "持ち物": "筆記用具", "形式": "会議", "進行役": "座長",
            "文書番号": f"第{i}号", "通知日": day - dt.timedelta(days=31), "状態": "開催済" if held else "予定"})
        # Five answers per meeting, from members of the meeting's own council.
        answers += [{"会議ID": f"K{i}", "構成員ID": f"M{council * per_council + k}",
                     "出欠": "出席" if k % 4 else "欠席"} for k in range(min(5, per_council))]
    sheet("meetings", meeting_rows)
    sheet("attendance", answers)
    sheet("care_conferences", [{"開催日": dt.date(2026, 6, 1), "圏域ID": "A1", "種類": "個別", "SC出席": "有"}])
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


def best_in_turn(repeat: int, funcs: dict) -> dict[str, float]:
    """The best time of each function over `repeat` rounds, the functions run in turn in each round."""
    best = {name: float("inf") for name in funcs}
    for _ in range(repeat):
        for name, func in funcs.items():
            t0 = time.perf_counter()
            func()
            best[name] = min(best[name], time.perf_counter() - t0)
    return best


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
        same = read_ledger(path, engine="calamine") == read_ledger(path, engine="openpyxl")
        best = best_in_turn(args.repeat, {
            "floor": lambda: iterate_every_cell(path),
            "check": lambda: check(path, 2026),
            "calamine": lambda: read_ledger(path, engine="calamine"),
            "openpyxl": lambda: read_ledger(path, engine="openpyxl"),
        })
    floor, checked = best["floor"], best["check"]
    print(f"ledger: {args.members} 構成員 rows, {args.meetings} 会議 rows, {cells} cells, "
          f"{size:,} bytes")
    print(f"findings: {len(report.findings)} ({report.count('error')} errors)")
    print(f"floor (openpyxl read-only, every cell): {floor:.3f} s")
    print(f"check (read + parse + rules):           {checked:.3f} s")
    print(f"ratio check / floor: {checked / floor:.2f}  (issue 2 target <= 2.0; issue 13 target 3 <= 0.5)")
    print(f"read_ledger, calamine: {best['calamine']:.3f} s; openpyxl: {best['openpyxl']:.3f} s; "
          f"ratio {best['calamine'] / best['openpyxl']:.2f}; same model: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
