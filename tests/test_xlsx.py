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
    assert [ws.value(cell) for cell in ws.date_cells(min_row=2)] == [
        D(2026, 4, 1), dt.datetime(2027, 1, 5, 9, 30), D(2026, 5, 6), D(2026, 7, 8)]
    assert ws.date_cells(min_row=2)[0] == (1, 0) and ws.date_cells()[0] == (0, 1)
    # Styling them styles the sheet: one style for every date, the appended one changed.
    before = ws.style_of((0, 1))
    ws.style(ws.date_cells(min_row=2), number_format="yyyy/m/d")
    assert ws.style_of((4, 1)) == ws.style_of((1, 0)) != before == ws.style_of((0, 1))
    assert ws.style_of((1, 1)) == (0,) * 9      # the text beside them stays unstyled


def test_text_lengths_are_the_longest_text_of_each_column():
    ws = Book().sheet("s")
    rows = [["見出し", "金額", "備考"]]
    rows += [[text, VALUES[i % len(VALUES)], HOSTILE[-1 - i], None] for i, text in enumerate(HOSTILE)]
    rows += [[], [None, None, None, None, "右端"], VALUES, [0, False, "", 0.0, None]]
    for row in rows:
        ws.append(row)
    columns = [[row[column] if len(row) > column else None for row in ws.rows] for column in range(ws.max_column)]
    assert ws.text_lengths() == [max(len(str(value or "")) for value in column) for column in columns]
    assert ws.text_lengths()[:2] == [32_767, len(str(2 ** 60))]
    assert Book().sheet("空").text_lengths() == []


# Values a table cell may hold on the quick path (no control character, nothing too long), chosen so
# that equal keys are different cells (True and 1, 0.0 and -0.0 and 0) and text starts as a formula.
TABLE_TEXTS = ["a", "=1+1", "-x", "@", "+", "#N/A", "<b>&amp;</b>", " lead", "trail ", "a\r\nb", "𠮷野家 😀", "",
               "_x0041_", "0123", "TRUE", "ｱ", "50%"]
TABLE_VALUES = [*TABLE_TEXTS, 0, 1, -1, 2 ** 60, 0.0, -0.0, 1.0, 9.2, float("nan"), float("inf"), 1e20, True, False,
                None, None, D(2026, 12, 1), D(2027, 1, 5)]
# And what sends a table down the cell-by-cell way: too long a text, other classes.
OFF_TABLE = ["x" * 40_000, dt.datetime(2027, 1, 5, 9, 30), dt.time(14, 0), dt.timedelta(days=1)]


def _random_tables(rng) -> list[tuple]:
    tables = []
    for _ in range(rng.randint(1, 3)):
        width = rng.randint(1, 6)
        header = [rng.choice(TABLE_TEXTS + ["見出し", "件数"]) for _ in range(width)]
        columns = [rng.sample(TABLE_VALUES, rng.randint(1, 4)) for _ in range(width)]   # a column repeats a few
        rows = [[rng.choice(column) for column in columns] for _ in range(rng.randint(0, 8))]
        if rows and rng.random() < 0.15:
            rows[rng.randrange(len(rows))][rng.randrange(width)] = rng.choice(OFF_TABLE)
        if rows and rng.random() < 0.05:
            rows[-1] = rows[-1][:-1]        # ragged
        formats = {column: rng.choice(["#,##0", "0.0%", "0", "yyyy/m/d", "General"])
                   for column in range(width) if rng.random() < 0.4}
        tables.append((header, rows, formats, rng.choice(["", "yyyy/m/d", "m/d"])))
    return tables


def _tables_with_openpyxl(tables: list[tuple], styles: list[dict]) -> bytes:
    """What Book.table means, cell by cell in openpyxl (text like _x0041_ given as Excel reads it back)."""
    from generator.render.sheets import _LOOKS_ESCAPED

    def typed(values: list) -> list:
        return [_LOOKS_ESCAPED.sub("_x005F_", value) if isinstance(value, str) else value for value in values]

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for number, ((header, rows, formats, date_format), style) in enumerate(zip(tables, styles)):
        before.table_sheet(wb, f"t{number}", typed(header), [typed(values) for values in rows], style, formats,
                           date_format)
    return workbook_bytes(wb)


def test_a_table_gives_the_bytes_of_the_same_calls_cell_by_cell_and_of_openpyxl():
    import random

    from generator.render.sheets import Table

    font, fill, *_ = _styles()
    rng, quick = random.Random(13), 0
    for _ in range(300):
        tables = _random_tables(rng)
        styles = [{"font": font, "fill": fill} if number % 2 == 0 else {"font": font} for number in range(len(tables))]
        fast, slow = Book(), Book()
        for number, ((header, rows, formats, date_format), style) in enumerate(zip(tables, styles)):
            made = fast.table(f"t{number}", header, rows, style, formats, date_format)
            reference = slow._table_as_sheet(f"t{number}", header, rows, style, formats, date_format)
            assert made.text_lengths() == reference.text_lengths()
            quick += isinstance(made, Table)
        assert_same(xlsx_bytes(fast), xlsx_bytes(slow))
        assert_same(xlsx_bytes(slow), _tables_with_openpyxl(tables, styles))
    assert quick > 300      # most tables took the column-by-column way, which is what is under test


def _same_three_ways(tables: list[tuple], styles: list[dict]) -> tuple[list, bytes]:
    """Book.table, _table_as_sheet and openpyxl on the same tables: their bytes, checked equal, and what table made.

    A table is (header, rows, formats, date_format); header and rows may be factories of
    iterables, called once per writer, so a generator is read by each writer afresh.
    """
    made_by = lambda part: part() if callable(part) else part
    fast, slow, made = Book(), Book(), []
    for number, ((header, rows, formats, date_format), style) in enumerate(zip(tables, styles)):
        made.append(fast.table(f"t{number}", made_by(header), made_by(rows), style, formats, date_format))
        reference = slow._table_as_sheet(f"t{number}", made_by(header), made_by(rows), style, formats, date_format)
        assert made[-1].text_lengths() == reference.text_lengths()
    data = xlsx_bytes(fast)
    assert_same(data, xlsx_bytes(slow))
    as_lists = [(list(made_by(header)), [list(values) for values in made_by(rows)], formats, date_format)
                for header, rows, formats, date_format in tables]
    assert_same(data, _tables_with_openpyxl(as_lists, styles))
    return made, data


def test_a_table_may_be_given_as_iterables_like_the_sheet_it_stands_for():
    # _table_as_sheet (ws.append) takes any iterable; Book.table measured len() of rows it
    # had not listed: a generator of rows gave an empty table, a generator row a TypeError.
    font, fill, *_ = _styles()
    style = {"font": font, "fill": fill}
    tables = [(lambda: iter(["件数", "=合計"]), lambda: ([n, "=x" if n else "a"] for n in range(3)), {0: "0"}, ""),
              (("氏名", "日付"), lambda: [(value for value in ("b", D(2026, 4, n))) for n in (1, 2)], {}, "yyyy/m/d"),
              (("a", "b"), ((1, 2.5), ("c", None)), {1: "0.0"}, "")]
    made, data = _same_three_ways(tables, [style] * 3)
    ws = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    assert [[cell.value for cell in row] for row in ws.iter_rows()] == [["件数", "=合計"], [0, "a"], [1, "=x"], [2, "=x"]]
    assert made[0].max_row == 4 and made[1].max_row == 3


_EDGE_TABLES = {
    "formula text first and later in a column, in header and body": (
        ["=見出し", "件数", "-備考"], [["x", 1, "=a"], ["=y", 2, "b"], ["@", None, "+c"]], {1: "0"}, ""),
    "error codes in a formatted column": (["#N/A", "b"], [["#N/A", "#DIV/0!"], ["#REF!", 1]], {0: "0"}, ""),
    "None in formatted, General and plain columns": (["a", "b", "c"], [[None] * 3, [1, None, "x"]],
                                                     {0: "0", 2: "General"}, ""),
    "bool, int and float alike as keys": (["a", "b"], [[True, 1], [1, 1.0], [1.0, True], [0, -0.0], [False, 0.0]],
                                         {1: "0.00%"}, ""),
    "nan and infinities": (["a"], [[float("nan")], [float("inf")], [float("-inf")]], {0: "0.0"}, ""),
    "dates in formatted columns": (["a", "b", "c"], [[D(2026, 1, 1), D(2026, 1, 2), 1], [2, None, D(2027, 1, 1)]],
                                   {0: "0", 2: "General"}, "yyyy/m/d"),
    "dates in formatted columns, no date format": (["a", "b"], [[D(2026, 1, 1), D(2026, 1, 2)], [2, "x"]],
                                                   {0: "mm-dd-yy"}, ""),
    # The date style is first met in column B (row 2), the quoted style in column A (row 3),
    # and the date style again in column A (row 4): xf ids follow rows, not columns.
    "a style first met in a later column": (["a", "b"], [["x", D(2026, 1, 1)], ["=y", "z"], [D(2026, 1, 2), "w"]],
                                            {}, ""),
    "empty titles, one column": ([""], [[""], ["=x"], [""]], {}, ""),
    "more than 702 columns": ([f"列{n}" for n in range(703)], [[n % 3 for n in range(703)], ["=x"] * 703],
                              {702: "0", 26: "#,##0"}, ""),
}


@pytest.mark.parametrize("case", list(_EDGE_TABLES))
def test_a_table_at_the_edges_gives_the_bytes_of_openpyxl_column_by_column(case):
    from generator.render.sheets import Table

    font, fill, border, alignment = _styles()
    # Header styles with a number format and an alignment, several new styles per table, and
    # a second table in the same book whose styles are partly those of the first.
    styles = [{"number_format": "0.00%", "alignment": alignment, "font": font}, {"fill": fill, "font": font}]
    table = _EDGE_TABLES[case]
    made, _ = _same_three_ways([table, table], styles)
    assert all(isinstance(sheet, Table) for sheet in made)


def test_a_table_with_no_header_cells_styles_a1_as_openpyxl_does():
    # openpyxl's ws[1] on an empty first row makes and styles A1 (its max_column is at least 1).
    font, *_ = _styles()
    made, data = _same_three_ways([([], [[1]], {}, "")], [{"font": font}])
    assert made[0].style_of((0, 0)) != (0,) * 9


def test_signed_zeros_are_two_cells_as_openpyxl_writes_them():
    # 0.0 == -0.0 as dict keys; openpyxl writes "0" and "-0". Made once per workbook, one must not stand for the other.
    rows = [[-0.0, 0.0], [0.0, -0.0], [0, 0.0]]
    wb = openpyxl.Workbook()
    book = Book()
    ws = book.sheet("Sheet")
    for row in rows:
        wb.active.append(row)
        ws.append(row)
    assert_same(xlsx_bytes(book), workbook_bytes(wb))


def test_a_table_refused_cell_by_cell_is_refused_as_a_table():
    with pytest.raises(IllegalCharacterError):
        Book().table("t", ["a"], [["ok"], ["bell\x07"]], {})
    made = Book().table("t", ["a"], [["x" * 40_000]], {})
    assert len(made.rows[1][0]) == 32_767


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
