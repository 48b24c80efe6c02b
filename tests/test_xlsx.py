"""The xlsx writer of render/sheets.py gives the bytes openpyxl gave, on the sample and on hostile values."""
from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest
import xlsx_reference as before
from conftest import SAMPLE, D, set_cell
from openpyxl.packaging.custom import DateTimeProperty, IntProperty, StringProperty
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils.exceptions import IllegalCharacterError
from test_hostile import FORMULAS, as_text, formula_ledger

from generator.documents import honoraria
from generator.documents.annual import annual_tables, summary_workbook
from generator.documents.invitation import MeetingResult, plan_meeting, sendlist_bytes
from generator.ledger.check import load_and_check
from generator.render.output import workbook_bytes
from generator.render.sheets import Book, xlsx_bytes

# Text a ledger may hold that a writer can get wrong: formula starts, Excel error codes,
# markup, spaces at either end (xml:space), line breaks and CR, astral characters,
# and more than a cell may hold (openpyxl cuts at 32,767).
HOSTILE = [*FORMULAS, "=", "-", "@", "#N/A", "#DIV/0!", "<b>&amp;</b>", 'a"b\'c', " lead", "trail ", "a\r\nb\tc",
           "𠮷野家 😀", "ｱｲｳ", "", "\x7f", "x" * 40_000, "0123", "1e5", "TRUE"]
VALUES = [0, -1, 3000, 9.2, 1e20, 2 ** 60, True, False, None, D(2026, 12, 1), dt.datetime(2027, 1, 5, 9, 30),
          dt.time(14, 0), float("nan")]


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def assert_same(new: bytes, old: bytes) -> None:
    """Byte-identical, or a readable account of the first part that differs."""
    if new != old:
        a, b = _parts(new), _parts(old)
        assert list(a) == list(b)
        for name in a:
            assert a[name].decode("utf-8") == b[name].decode("utf-8"), name
        assert new == old       # same parts, different zip bytes


def _styles():
    thin = Side(style="thin", color="808080")
    return (Font(bold=True, size=10), PatternFill("solid", fgColor="DDEBF7"), Border(top=thin, bottom=thin),
            Alignment(horizontal="center", wrap_text=True))


def _with_openpyxl(rows: list[list], second: list[list]) -> bytes:
    font, fill, border, alignment = _styles()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "一覧&<表>"
    for row in rows:
        ws.append(row)
    for cell in ws[1]:
        cell.font = font
        cell.fill = fill
    for row in ws.iter_rows(min_row=2, max_row=ws.max_row, max_col=3):
        for cell in row:
            cell.border = border
            cell.alignment = alignment
    for row in ws.iter_rows(min_row=2, min_col=2, max_col=2):
        for cell in row:
            cell.number_format = "#,##0"
    ws.column_dimensions["A"].width = 9.2
    ws.column_dimensions["C"].width = 30
    ws.row_dimensions[2].height = 43
    ws.freeze_panes = "A3"
    ws.print_title_rows = "1:1"
    ws.print_area = f"A1:C{ws.max_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    other = wb.create_sheet("二枚目")
    for row in second:
        other.append(row)
    other.column_dimensions["B"].width = 12.8
    wb.properties.title = "題 & <名>"
    wb.custom_doc_props.append(StringProperty(name="市町村名", value="あおば町"))
    wb.custom_doc_props.append(IntProperty(name="年度", value=2026))
    wb.custom_doc_props.append(DateTimeProperty(name="集計基準日", value=dt.datetime(2027, 3, 31)))
    return workbook_bytes(wb)


def _with_sheets(rows: list[list], second: list[list]) -> bytes:
    font, fill, border, alignment = _styles()
    book = Book(title="題 & <名>")
    ws = book.sheet("一覧&<表>")
    for row in rows:
        ws.append(row)
    ws.style(ws.cells(1), font=font, fill=fill)
    ws.style(ws.cells(2, ws.max_row, columns=(1, 2, 3)), border=border, alignment=alignment)
    ws.style(ws.cells(2, ws.max_row, columns=(2,)), number_format="#,##0")
    ws.widths = {1: 9.2, 3: 30}
    ws.heights = {2: 43}
    ws.freeze_row = 3
    ws.print_titles = "1:1"
    ws.print_area = f"A1:C{ws.max_row}"
    ws.landscape_a4_fit_width = True
    ws.margins = (0.4, 0.4, 0.5, 0.5)
    other = book.sheet("二枚目")
    for row in second:
        other.append(row)
    other.widths = {2: 12.8}
    book.custom += [StringProperty(name="市町村名", value="あおば町"), IntProperty(name="年度", value=2026),
                    DateTimeProperty(name="集計基準日", value=dt.datetime(2027, 3, 31))]
    return xlsx_bytes(book)


def test_hostile_values_give_the_bytes_openpyxl_gives():
    rows = [["見出し", "金額", "備考", "四列目"]]
    rows += [[text, VALUES[i % len(VALUES)], HOSTILE[-1 - i], None] for i, text in enumerate(HOSTILE)]
    rows += [[], [None, None, None, None, "右端"], VALUES]
    # The second sheet repeats values the first styles (a bold header, a formatted amount):
    # cell XML made once per workbook must still follow each cell's own style.
    second = [["a"], [], [D(2026, 4, 1), "=1+1"], ["見出し", -1, 3000, 9.2, D(2026, 12, 1)]]
    new = _with_sheets(rows, second)
    assert_same(new, _with_openpyxl(rows, second))
    # What a user opening it sees: text stays text (quote-prefixed), numbers and dates stay values.
    ws = openpyxl.load_workbook(io.BytesIO(new)).worksheets[0]
    assert ws["A2"].value == FORMULAS[0] and ws["A2"].data_type == "s" and ws["A2"].quotePrefix
    assert len(ws.cell(row=2 + HOSTILE.index("x" * 40_000), column=1).value) == 32_767
    assert ws["B3"].value == -1 and ws["B3"].number_format == "#,##0"
    assert ws.freeze_panes == "A3" and ws.print_title_rows == "$1:$1"
    assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage


def test_date_cells_are_the_cells_holding_a_date_from_a_row_on():
    ws = Book().sheet("s")
    ws.append(["開催日", D(2026, 1, 1)])
    ws.append([D(2026, 4, 1), "x", dt.datetime(2027, 1, 5, 9, 30), dt.time(14, 0), dt.timedelta(days=1)])
    ws.append(["x" * 40_000, 3, D(2026, 5, 6)])     # too long: its text is cut cell by cell
    ws.append([])
    ws.append([True, D(2026, 7, 8)])
    assert [cell[0] for cell in ws.date_cells(min_row=2)] == [
        D(2026, 4, 1), dt.datetime(2027, 1, 5, 9, 30), D(2026, 5, 6), D(2026, 7, 8)]
    assert [cell[0] for cell in ws.date_cells()][0] == D(2026, 1, 1)
    # They are the cells themselves: styling them styles the sheet.
    ws.style(ws.date_cells(min_row=2), number_format="yyyy/m/d")
    assert ws.rows[4][1][1] == ws.rows[1][0][1] != ws.rows[0][1][1]


def test_text_lengths_are_the_longest_text_of_each_column():
    ws = Book().sheet("s")
    rows = [["見出し", "金額", "備考"]]
    rows += [[text, VALUES[i % len(VALUES)], HOSTILE[-1 - i], None] for i, text in enumerate(HOSTILE)]
    rows += [[], [None, None, None, None, "右端"], VALUES, [0, False, "", 0.0, None]]
    for row in rows:
        ws.append(row)
    columns = [[row[column][0] if len(row) > column else None for row in ws.rows] for column in range(ws.max_column)]
    assert ws.text_lengths() == [max(len(str(value or "")) for value in column) for column in columns]
    assert ws.text_lengths()[:2] == [32_767, len(str(2 ** 60))]
    assert Book().sheet("空").text_lengths() == []


def test_an_empty_book_sheet_gives_the_bytes_openpyxl_gives():
    wb = openpyxl.Workbook()
    wb.active.title = "空"
    wb.active.append(["x"])
    book = Book()
    book.sheet("空").append(["x"])
    assert_same(xlsx_bytes(book), workbook_bytes(wb))


def test_a_control_character_is_refused_as_openpyxl_refuses_it():
    with pytest.raises(IllegalCharacterError):
        Book().sheet("s").append(["a\x01b"])
    with pytest.raises(IllegalCharacterError):
        openpyxl.Workbook().active.append(["a\x01b"])


@pytest.mark.parametrize("text", ["\ud83d", "a\ude00b", "\ufffe"])
def test_text_no_xml_can_hold_is_refused_as_openpyxl_refuses_it(text):
    # A lone surrogate became "&#55357;", a character reference XML forbids: a file Excel
    # calls damaged, where openpyxl raised.
    with pytest.raises(ValueError):
        xlsx_bytes(_one_cell_book(text))
    wb = openpyxl.Workbook()
    wb.active.append([text])
    with pytest.raises(ValueError):
        workbook_bytes(wb)


def _one_cell_book(text: str) -> Book:
    book = Book()
    book.sheet("s").append([text])
    return book


def _all_files(path, year: int, as_of: dt.date):
    ledger, report = load_and_check(path, year, as_of=as_of)
    pairs = []
    for meeting in ledger.meetings:
        plan = plan_meeting(ledger, report, meeting)
        if not plan.skip_reason:
            result = MeetingResult(plan)
            result.letters = [type(SAMPLE)(f"/out/通知/{i:03d}_{m.member_id}.docx") for i, m in enumerate(plan.recipients)]
            pairs.append((sendlist_bytes(ledger, plan, result), before.sendlist_bytes(ledger, plan, result)))
        data = honoraria.honoraria(ledger, meeting)
        if not data.problem:
            pairs.append((honoraria.workbook(ledger, data), before.workbook(ledger, data)))
    data = annual_tables(ledger, report, year, as_of)
    pairs.append((summary_workbook(data), before.summary_workbook(data)))
    return pairs


def test_the_sample_gives_the_bytes_it_gave_before():
    pairs = _all_files(SAMPLE, 2026, D(2027, 3, 1))
    assert len(pairs) >= 20
    for new, old in pairs:
        assert_same(new, old)


def test_a_hostile_ledger_gives_the_bytes_it_gave_before(ledger_file):
    sheets = formula_ledger()
    # Answer dates exercise openpyxl's automatic date format; odd text the escaping.
    sheets["出欠"] = [["会議ID", "構成員ID", "出欠", "代理者氏名", "回答日"],
                    ["K01", "M01", "出席", None, D(2026, 5, 1)], ["K01", "M02", "代理出席", FORMULAS[0], None],
                    ["K01", "M03", "出席", None, dt.datetime(2026, 5, 2, 10, 0)], ["K02", "M02", "欠席", None, None]]
    set_cell(sheets, "構成員", "住所1", 3, "  <script>&amp; \"x\"  ")
    set_cell(sheets, "構成員", "氏名", 5, "#N/A")
    set_cell(sheets, "構成員", "所属団体", 6, "𠮷田 😀 ｶﾅ")
    path = ledger_file(sheets, setup=as_text)
    pairs = _all_files(path, 2026, D(2026, 5, 1))
    assert len(pairs) >= 4
    for new, old in pairs:
        assert_same(new, old)


@pytest.mark.parametrize("text", ["_x0041_", "a_x0007_b", "_x005F_x0041_", "_xD83D_ 社協", "__x00e9__"])
def test_text_that_looks_like_an_xml_escape_reads_back_as_typed(text):
    # Excel (and LibreOffice for control characters) decode _xHHHH_ in cell text: written as is,
    # "a_x0007_b" opened as a bell character. Excel writes the "_" of such text as _x005F_.
    data = xlsx_bytes(_one_cell_book(text))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode("ascii")
    escaped = text.replace("_x", "_x005F_x").encode("ascii", "xmlcharrefreplace").decode("ascii")
    assert "<t>" + escaped + "</t>" in xml
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    from generator.ledger.values import clean_text
    assert clean_text(ws["A1"].value) == text
