"""The indexes and shortcuts that keep the monthly batch linear give the same answers and bytes as the scans they replace."""
from __future__ import annotations

import io

from conftest import zip_of
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

from generator.ledger.findings import Finding, Report
from generator.ledger.model import Attendance, Ledger, Meeting, MeetingRecord, Member
from generator.render.output import workbook_bytes
from generator.render.sheets import Book, xlsx_bytes


def _ledger() -> Ledger:
    return Ledger(
        members=[Member(member_id="M1", council_id="C1", name="一", row=2),
                 Member(member_id="M2", council_id="C2", name="二", row=3),
                 Member(member_id="M3", council_id="C1", name="三", row=4)],
        meetings=[Meeting(meeting_id="K1", council_id="C1", row=2), Meeting(meeting_id="K2", council_id="C2", row=3)],
        attendance=[Attendance(meeting_id="K2", member_id="M2", answer="出席", row=2),
                    Attendance(meeting_id="K1", member_id="M3", answer="欠席", row=3),
                    Attendance(meeting_id="K1", member_id="M1", answer="出席", row=4)],
        records=[MeetingRecord(meeting_id="K1", kind="決定事項", content="a", row=2)])


def test_group_lookups_keep_ledger_order_and_follow_changes():
    ledger = _ledger()
    assert [m.member_id for m in ledger.members_of("C1")] == ["M1", "M3"]
    assert [(a.member_id, a.row) for a in ledger.attendance_of("K1")] == [("M3", 3), ("M1", 4)]
    assert [r.content for r in ledger.records_of("K1")] == ["a"]
    assert ledger.attendance_of("K9") == [] and ledger.members_of("") == []
    # Documents' example ledgers append rows after a lookup: the index is rebuilt, not stale.
    ledger.attendance.append(Attendance(meeting_id="K1", member_id="M9", answer="未回答", row=5))
    assert [a.member_id for a in ledger.attendance_of("K1")] == ["M3", "M1", "M9"]
    ledger.members = [Member(member_id="M7", council_id="C1", row=2)]
    assert [m.member_id for m in ledger.members_of("C1")] == ["M7"]
    # A caller may change the list it got without changing the index.
    ledger.members_of("C1").clear()
    assert [m.member_id for m in ledger.members_of("C1")] == ["M7"]


def test_cells_letters_do_not_use_are_worked_out_once_and_again_when_the_rows_change():
    from generator.documents.base import _not_in_letters, not_in_letters

    ledger = _ledger()
    ledger.columns = {"構成員": {"honorarium": "P"}, "協議体": {"openness": "K"}}
    ledger.info_cells = {"honorarium_rate": "B9"}
    first = not_in_letters(ledger)
    assert first == {("基本情報", "B9"), ("構成員", "P2"), ("構成員", "P3"), ("構成員", "P4")}
    assert not_in_letters(ledger) is first
    ledger.members.append(Member(member_id="M4", council_id="C1", name="四", row=5))
    assert not_in_letters(ledger) == _not_in_letters(ledger) == first | {("構成員", "P5")}
    ledger.info_cells = {}
    assert ("基本情報", "B9") not in not_in_letters(ledger)


def _finding(severity: str, sheet: str, cell: str, code: str = "x") -> Finding:
    return Finding(code, severity, sheet, cell, "msg")


def test_errors_on_matches_a_scan_of_every_finding_in_report_order():
    findings = [_finding("error", "構成員", "H12", "a"), _finding("warning", "構成員", "H12", "b"),
                _finding("error", "会議", "12:12", "c"), _finding("error", "基本情報", "B4", "d"),
                _finding("error", "構成員", "C3", "e"), _finding("error", "構成員", "", "f"),
                _finding("info", "会議", "D12", "g"), _finding("error", "会議", "D12", "h")]
    report = Report("x.xlsx", 2026, list(findings))
    got = report.errors_on({"構成員": {12, 3}, "会議": {12}}, whole_sheets=("基本情報",))
    assert [f.code for f in got] == ["a", "c", "d", "e", "h"]
    assert [f.code for f in report.errors_on({"構成員": {0}})] == ["f"]
    assert report.errors_on({"会議": {13}}) == []
    # A finding added after the first question is seen by the next.
    report.findings.append(_finding("error", "会議", "A13", "i"))
    assert [f.code for f in report.errors_on({"会議": {13}})] == ["i"]


def _styled_one_by_one() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["見出し", "b", "c"])
    for i in range(30):
        ws.append([i, f"名前{i}", None])
    thin = Side(style="thin", color="808080")
    box = Border(top=thin, bottom=thin, left=thin, right=thin)
    ws["A1"].font = Font(bold=True, size=14)
    body = [cell for row in ws.iter_rows(min_row=2) for cell in row]
    for cell in body:
        cell.font = Font(size=10)
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    for cell in body:
        if cell.column <= 2:
            cell.border = box
    for cell in body:
        if cell.column == 3:
            cell.number_format = "yyyy/m/d"
    return workbook_bytes(wb)


def _styled_by_sheets() -> bytes:
    book = Book()
    ws = book.sheet("Sheet")
    ws.append(["見出し", "b", "c"])
    for i in range(30):
        ws.append([i, f"名前{i}", None])
    thin = Side(style="thin", color="808080")
    ws.style(ws.cells(1, columns=(1,)), font=Font(bold=True, size=14))
    ws.style(ws.cells(2, 31), font=Font(size=10), alignment=Alignment(vertical="top", wrap_text=True))
    ws.style(ws.cells(2, 31, columns=(1, 2)), border=Border(top=thin, bottom=thin, left=thin, right=thin))
    ws.style(ws.cells(2, 31, columns=(3,)), number_format="yyyy/m/d")
    return xlsx_bytes(book)


def test_styling_a_range_once_saves_the_same_bytes_as_openpyxl_styling_each_cell():
    data = _styled_by_sheets()
    assert data == _styled_one_by_one()
    ws = __import__("openpyxl").load_workbook(io.BytesIO(data)).active
    assert ws["B5"].font.size == 10 and ws["B5"].border.left.style == "thin" and ws["C5"].border.left.style is None
    assert ws["C7"].number_format == "yyyy/m/d" and ws["A1"].font.bold


def test_leaked_names_finds_what_a_search_for_each_name_finds():
    from generator.documents.public_minutes import leaked_names

    table = {"山田": "委員", "山田 太郎": "委員", "田 太": "x", "太郎": "y", "佐藤": "z", "藤": "w", "a.b": "v",
             "花子": "u"}
    data = zip_of({"word/document.xml": "<w:t>山田 太郎</w:t><w:t>佐</w:t><w:t>藤</w:t><w:t>axb</w:t>",
                  "docProps/core.xml": "<dc:creator>花子</dc:creator>", "word/media/x.png": "花子"})
    # 佐藤 is split over two runs: found in the text without tags. a.b is a name, not a pattern.
    assert leaked_names(data, table) == sorted(["山田", "山田 太郎", "田 太", "太郎", "佐藤", "藤", "花子"])
    assert leaked_names(zip_of({"word/document.xml": "<w:t>無関係</w:t>"}), table) == []


def test_the_manifest_lists_each_file_as_saved_without_reading_the_batch_back(tmp_path, monkeypatch):
    import datetime as dt
    import hashlib
    import json
    from pathlib import Path

    from conftest import SAMPLE

    from generator.batch.monthly import run_monthly

    out = tmp_path / "out"
    reads = []
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: reads.append(self) or real(self))
    for jobs in (1, 2):
        reads.clear()
        run_monthly(SAMPLE, "2026-12", out / str(jobs), jobs=jobs, today=dt.date(2026, 12, 1))
        assert [p for p in reads if out in p.parents] == []
    for jobs in (1, 2):
        batch = out / str(jobs) / "2026-12"
        files = json.loads((batch / "manifest.json").read_text(encoding="utf-8"))["files"]
        assert len(files) > 50
        assert {f["path"]: f["sha256"] for f in files} == {
            f["path"]: hashlib.sha256(real(batch / f["path"])).hexdigest() for f in files}
