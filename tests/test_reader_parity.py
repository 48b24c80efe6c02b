"""The calamine reader gives the model openpyxl gave, and where they differ the tests say which is right.

Every ledger below is read twice, by `engine="openpyxl"` (the reader as it was)
and `engine="calamine"` (the default now), and the models, the read findings
and the full check reports must be equal, down to the type of each value
(1 is not 1.0, a datetime is not a date).
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import D, SAMPLE, add_column, minimal, set_cell, write_workbook
from openpyxl.styles import Alignment

from generator.ledger import engines
from generator.ledger.blank import write_blank_ledger
from generator.ledger.reader import read_ledger
from generator.ledger.rules import check_model

REPO = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2026, 11, 29)


def read_both(path: Path, password: str | None = None):
    """(model, findings) from each engine, after asserting they are the same."""
    old = read_ledger(path, password, engine="openpyxl")
    new = read_ledger(path, password, engine="calamine")
    return old, new


def assert_same(path: Path, password: str | None = None):
    (old, old_findings), (new, new_findings) = read_both(path, password)
    # repr shows types (1 vs 1.0, date vs datetime) that == would let pass.
    assert repr(new) == repr(old)
    assert new == old
    assert new_findings == old_findings
    old_report = check_model(old, 2026, old_findings, as_of=AS_OF)
    new_report = check_model(new, 2026, new_findings, as_of=AS_OF)
    assert new_report.findings == old_report.findings
    return new, new_findings


def edit_parts(source: Path, target: Path, edit) -> Path:
    """Copy a package, passing each part's bytes through edit(name, data)."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            out.writestr(info.filename, edit(info.filename, src.read(info.filename)))
    return target


def sheet_part(path: Path, title: str) -> str:
    with zipfile.ZipFile(path) as archive:
        return engines.sheet_parts(archive)[title]


# --- ledgers read the same by both engines ------------------------------------------

def _title_rows_reversed_extra(s):
    rows = [list(reversed(r)) + ["メモ"] for r in s["構成員"]]
    rows[0][-1] = "内部メモ"
    s["構成員"] = [["構成員名簿（令和8年度）"], [], *rows]


def _nfkc_headers(s):
    s["構成員"][0] = ["構成員 ＩＤ", "協議体ＩＤ", "氏　名", "所属団体", "団体 種別", "郵便番号",
                     "住所１", "メール", "★送付方法"]


def _value_forms(s):
    set_cell(s, "会議", "開催日", 1, "R8.5.20")
    set_cell(s, "会議", "開催日", 2, "令和８年７月１５日")
    set_cell(s, "会議", "開催日", 3, 46281)
    set_cell(s, "会議", "開始時刻", 1, "午後2時")
    set_cell(s, "会議", "開始時刻", 2, dt.time(14, 0))
    set_cell(s, "会議", "開始時刻", 3, 0.5833333333333334)
    set_cell(s, "会議", "通知日", 1, dt.datetime(2026, 4, 17, 9, 30))
    set_cell(s, "構成員", "郵便番号", 2, 990101)                # a number: the leading 0 is lost
    set_cell(s, "構成員", "郵便番号", 3, "〒０９９－０１０１")
    set_cell(s, "構成員", "所属団体", 4, True)                  # a checkbox-like value in a text column
    set_cell(s, "構成員", "住所1", 2, 3.5)
    set_cell(s, "協議体", "設置日", 1, "平成31年4月1日")
    set_cell(s, "協議体", "設置日", 2, "R元.5.1")
    set_cell(s, "会議", "回", 1, 1.0)
    add_column(s, "構成員", "備考", [12345678901, 2.25, dt.date(2026, 1, 2), None, "メモ", -0.0, 1e20, "0"])


def _bad_values(s):
    set_cell(s, "会議", "開催日", 1, "2026/13/40")
    set_cell(s, "会議", "開始時刻", 1, 0.99999999)
    set_cell(s, "会議", "回", 2, "二")
    set_cell(s, "会議", "回", 3, 2.5)
    set_cell(s, "構成員", "郵便番号", 2, 12345)
    set_cell(s, "構成員", "送付方法", 3, "FAX")
    set_cell(s, "構成員", "協議体ID", 4, None)
    set_cell(s, "圏域", "層", 1, 3)


def _escapes(s):
    set_cell(s, "構成員", "氏名", 1, "座長_x000B_花子")
    set_cell(s, "構成員", "所属団体", 2, "社協_x0009_本所_x005F_x0041_")
    set_cell(s, "会議", "場所", 1, "役場_x0007_")
    set_cell(s, "会議", "議題", 2, "議題1\n議題2\r\n  議題3  ")


def _offset(s):
    # Two empty columns and a title row with an empty row: calamine's range starts at C2.
    for name in ("構成員", "会議"):
        s[name] = [[None, None, "名簿"], [], *[[None, None, *row] for row in s[name]]]


def _merged(wb):
    ws = wb["構成員"]
    ws["B3"] = None
    ws["B4"] = None
    ws.merge_cells("B2:B4")                 # 協議体ID down three rows: filled down
    ws["G3"] = "テスト町1番"
    ws.merge_cells("G3:H3")                 # 住所1 across into メール: not copied across
    ws["C2"].alignment = Alignment(vertical="center")


def _formulas(wb):
    wb["会議"]["C2"] = "=1+0"               # no cached value (openpyxl writes none)
    wb["基本情報"]["B2"] = '="テスト"&"町"'


def _chartsheet(wb):
    from openpyxl.chart import BarChart, Reference

    chart = BarChart()
    chart.add_data(Reference(wb["圏域"], min_col=3, min_row=1, max_row=3), titles_from_data=True)
    wb.create_chartsheet("グラフ").add_chart(chart)


CASES = {
    "minimal": (None, None),
    "title rows, reversed columns, extra column": (_title_rows_reversed_extra, None),
    "NFKC headers": (_nfkc_headers, None),
    "和暦, serials, times, numeric postal codes": (_value_forms, None),
    "values that are findings": (_bad_values, None),
    "_xHHHH_ escapes and line breaks": (_escapes, None),
    "empty leading rows and columns": (_offset, None),
    "merged cells": (None, _merged),
    "formulas without cached values": (None, _formulas),
    "a chartsheet among the sheets": (None, _chartsheet),
}


@pytest.mark.parametrize("case", CASES)
def test_both_engines_read_the_same_model_and_findings(case, tmp_path):
    change, setup = CASES[case]
    s = minimal()
    if change:
        change(s)
    assert_same(write_workbook(tmp_path / "l.xlsx", s, setup))


def test_cell_locations_from_a_range_that_starts_at_c2(tmp_path):
    s = minimal()
    set_cell(s, "構成員", "送付方法", 2, "FAX")
    _offset(s)
    ledger, findings = assert_same(write_workbook(tmp_path / "l.xlsx", s))
    # Header in row 3 from column C: M02 is row 5, 送付方法 the 9th header, column K.
    assert [(f.code, f.sheet, f.cell) for f in findings] == [("value-not-in-list", "構成員", "K5")]
    assert ledger.where(ledger.members[0], "member_id") == ("構成員", "C4")
    assert ledger.where(ledger.meetings[0], "date") == ("会議", "F4")


def test_merged_cells_fill_down_only(tmp_path):
    ledger, _ = assert_same(write_workbook(tmp_path / "l.xlsx", minimal(), _merged))
    assert [m.council_id for m in ledger.members[:3]] == ["C0", "C0", "C0"]
    assert (ledger.members[1].address1, ledger.members[1].email) == ("テスト町1番", "")


def test_formula_findings_and_cached_values(tmp_path):
    path = write_workbook(tmp_path / "l.xlsx", minimal(), _formulas)
    _ledger, findings = assert_same(path)
    assert [(f.code, f.sheet, f.cell) for f in findings] == [
        ("formula-no-value", "基本情報", "B2"), ("formula-no-value", "会議", "C2")]
    part = sheet_part(path, "会議")
    cached = edit_parts(path, tmp_path / "cached.xlsx", lambda name, data: data.replace(
        b"<f>1+0</f><v></v>", b"<f>1+0</f><v>1</v>").replace(b"<f>1+0</f></c>", b"<f>1+0</f><v>1</v></c>")
        if name == part else data)
    ledger, findings = assert_same(cached)
    assert [(f.code, f.cell) for f in findings] == [("formula-no-value", "B2")]
    assert ledger.meetings[0].number == 1


def test_error_cells_are_read_as_their_text(tmp_path):
    # calamine shows #N/A as an empty cell; the reader restores the text from the XML, so a
    # VLOOKUP that failed stays a finding at its cell instead of a silently empty value.
    s = minimal()
    set_cell(s, "構成員", "所属団体", 2, "ERR1")
    set_cell(s, "構成員", "送付方法", 3, "ERR2")
    path = write_workbook(tmp_path / "l.xlsx", s)
    part = sheet_part(path, "構成員")

    def errors(name, data):
        if name != part:
            return data
        for marker, error in ((b"ERR1", b"#N/A"), (b"ERR2", b"#REF!")):
            data = re.sub(rb'<c r="([A-Z]+\d+)" t="inlineStr"><is><t>' + marker + rb"</t></is></c>",
                          rb'<c r="\1" t="e"><f>VLOOKUP(A1,X,2)</f><v>' + error + rb"</v></c>", data)
        return data

    with zipfile.ZipFile(path) as archive:
        assert b"<t>ERR1</t>" in archive.read(part)     # openpyxl writes inline strings
    odd = edit_parts(path, tmp_path / "errors.xlsx", errors)
    ledger, findings = assert_same(odd)
    assert ledger.members[1].org == "#N/A"
    assert [(f.code, f.sheet, f.cell, f.message) for f in findings] == [
        ("value-not-in-list", "構成員", "I4", "送付方法: 「#REF!」は選択肢にありません（郵送、メール、手渡し、不要）")]


def test_iso_date_cells(tmp_path):
    # Some tools write t="d" cells (ISO 8601 text) instead of serial numbers.
    path = write_workbook(tmp_path / "l.xlsx", minimal())
    part = sheet_part(path, "会議")
    odd = edit_parts(path, tmp_path / "iso.xlsx", lambda name, data: re.sub(
        rb'<c r="D2"( s="\d+")? t="n"><v>[^<]*</v></c>', b'<c r="D2" t="d"><v>2026-05-21T00:00:00</v></c>', data)
        if name == part else data)
    ledger, _ = assert_same(odd)
    assert ledger.meetings[0].date == D(2026, 5, 21)


def test_wrong_dimension_record(tmp_path):
    path = write_workbook(tmp_path / "l.xlsx", minimal())
    odd = edit_parts(path, tmp_path / "dim.xlsx", lambda name, data: re.sub(
        rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1"/>', data) if name.startswith("xl/worksheets/") else data)
    ledger, _ = assert_same(odd)
    assert len(ledger.meetings) == 6


def test_a_5000_digit_number_and_1e999_keep_their_text(tmp_path):
    s = minimal()
    add_column(s, "会議", "備考")
    path = write_workbook(tmp_path / "l.xlsx", s)
    part = sheet_part(path, "会議")

    def numbers(name, data):
        if name != part:
            return data
        data = data.replace(b'<c r="C3" t="n"><v>2</v></c>', b'<c r="C3" t="n"><v>' + b"9" * 5000 + b"</v></c>")
        return data.replace(b'<c r="C4" t="n"><v>3</v></c>', b'<c r="C4" t="n"><v>1e999</v></c>')

    _ledger, findings = assert_same(edit_parts(path, tmp_path / "odd.xlsx", numbers))
    assert [(f.code, f.cell, f.message[:6]) for f in findings] == [
        ("value-type", "C3", "回: 「99"), ("value-type", "C4", "回: 「in")]


def test_password_protected_workbook(tmp_path):
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = write_workbook(tmp_path / "plain.xlsx", minimal())
    locked = tmp_path / "locked.xlsx"
    with open(plain, "rb") as f, open(locked, "wb") as g:
        OOXMLFile(f).encrypt("aoba2026", g)
    ledger, findings = assert_same(locked, "aoba2026")
    assert ledger.info.municipality == "テスト町" and findings == []


def test_the_sample_ledger():
    ledger, _ = assert_same(SAMPLE)
    assert (len(ledger.members), len(ledger.meetings)) == (63, 26)


def test_the_blank_ledger_of_init(tmp_path):
    path = tmp_path / "台帳.xlsx"
    write_blank_ledger(path)
    ledger, _ = assert_same(path)
    assert ledger.members == []


def test_the_benchmark_ledger(tmp_path):
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from bench_check import write_synthetic
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    path = tmp_path / "bench.xlsx"
    write_synthetic(path, 250, 50)
    ledger, _ = assert_same(path)
    assert len(ledger.members) == 250


soffice = shutil.which("soffice")


@pytest.fixture(scope="module")
def calc_files(tmp_path_factory):
    """The sample ledger and a minimal one, saved again by LibreOffice Calc."""
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    tmp = tmp_path_factory.mktemp("calc")
    source = tmp / "src"
    source.mkdir()
    shutil.copy(SAMPLE, source / "sample.xlsx")
    s = minimal()
    _value_forms(s)
    write_workbook(source / "forms.xlsx", s, _merged)
    out = tmp / "out"
    # A private profile: a LibreOffice already running elsewhere would take the job.
    subprocess.run([soffice, f"-env:UserInstallation={(tmp / 'profile').as_uri()}", "--headless",
                    "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out),
                    str(source / "sample.xlsx"), str(source / "forms.xlsx")], capture_output=True, timeout=300)
    if not (out / "sample.xlsx").exists():
        pytest.skip("LibreOffice Calc is not installed")
    return out


@pytest.mark.parametrize("name", ["sample.xlsx", "forms.xlsx"])
def test_files_saved_by_libreoffice_calc(calc_files, name):
    path = calc_files / name
    with zipfile.ZipFile(path) as archive:
        assert b"LibreOffice" in archive.read("docProps/app.xml")
    ledger, _ = assert_same(path)
    assert ledger.members


def test_phonetic_readings_in_shared_strings_are_not_part_of_the_text(calc_files, tmp_path):
    # Japanese Excel stores the IME reading of a name with it (<rPh>); the cell shows the name only.
    def reading(name, data):
        if name != "xl/sharedStrings.xml":
            return data
        name_si = '<si><t xml:space="preserve">座長 花子</t>'.encode()
        assert name_si in data
        return data.replace(name_si, name_si + '<rPh sb="0" eb="2"><t>ザチョウ</t></rPh>'
                            '<phoneticPr fontId="1" type="noConversion"/>'.encode())

    ledger, _ = assert_same(edit_parts(calc_files / "forms.xlsx", tmp_path / "rph.xlsx", reading))
    assert ledger.members[0].name == "座長 花子"


# --- where the engines differ, and which is right -------------------------------------

def test_japanese_excel_builtin_date_formats_are_dates(tmp_path):
    # Japanese Excel stores 和暦 and 年月日 formats as built-in ids 27-36 and 50-58 without
    # declaring them. openpyxl does not know those ids and hands over the serial number;
    # calamine knows them. The cell shows 令和8年9月16日, so the date is right.
    s = minimal()
    set_cell(s, "会議", "開催日", 3, 46281.5)         # 2026-09-16 12:00, shown as a date
    add_column(s, "会議", "内部メモ", [None, None, 46281, None, None, None])
    path = write_workbook(tmp_path / "l.xlsx", s)
    part = sheet_part(path, "会議")

    def japanese_format(name, data):
        if name == "xl/styles.xml":
            return re.sub(rb'<cellXfs count="(\d+)">(.*?)</cellXfs>', lambda m: b'<cellXfs count="%d">' % (
                int(m.group(1)) + 1) + m.group(2) + b'<xf numFmtId="58" fontId="0" fillId="0" borderId="0" '
                b'applyNumberFormat="1"/></cellXfs>', data, flags=re.S)
        if name == part:
            return re.sub(rb'<c r="(D4|K4)"( s="\d+")? t="n">', rb'<c r="\1" s="%d" t="n">' % _xf_count(path), data)
        return data

    odd = edit_parts(path, tmp_path / "jp.xlsx", japanese_format)
    (old, old_findings), (new, new_findings) = read_both(odd)
    assert new.meetings[2].date == D(2026, 9, 16) and new_findings == []
    assert new.meetings[2].extra == {"内部メモ": dt.datetime(2026, 9, 16)}
    assert old.meetings[2].date is None and [(f.code, f.cell) for f in old_findings] == [("value-type", "D4")]
    assert old.meetings[2].extra == {"内部メモ": 46281}


def _xf_count(path: Path) -> int:
    with zipfile.ZipFile(path) as archive:
        return int(re.search(rb'<cellXfs count="(\d+)"', archive.read("xl/styles.xml")).group(1))


@pytest.mark.filterwarnings("ignore:Cell D2 is marked as a date")
def test_a_date_serial_past_9999_is_quoted_as_the_number_it_is(tmp_path):
    # openpyxl replaces a date-formatted serial past 9999-12-31 with '#VALUE!', which is not
    # what the cell holds; calamine gives the number, so the finding quotes the cell.
    s = minimal()
    set_cell(s, "会議", "開催日", 1, 2958466)
    path = write_workbook(tmp_path / "l.xlsx", s, lambda wb: setattr(wb["会議"]["D2"], "number_format", "yyyy/m/d"))
    (_old, old_findings), (_new, new_findings) = read_both(path)
    assert [(f.cell, f.message[:20]) for f in new_findings] == [("D2", "開催日: 「2958466」は日付として")]
    assert [(f.cell, f.message[:20]) for f in old_findings] == [("D2", "開催日: 「#VALUE!」は日付として")]


def test_cells_are_placed_by_their_reference(tmp_path):
    # OOXML places a cell by its r attribute. openpyxl streams cells in file order and drops a
    # cell written before its left neighbour, or a row written after a later one; calamine puts
    # both where their reference says, as Excel does.
    path = write_workbook(tmp_path / "l.xlsx", minimal())
    part = sheet_part(path, "圏域")

    def shuffle(name, data):
        if name != part:
            return data
        # Row 3 (A1 北地区) before row 2, and C2 before A2 in row 2.
        rows = re.findall(rb"<row [^>]*>.*?</row>", data, re.S)
        row2 = re.sub(rb'(<c r="A2".*?</c>)(<c r="B2".*?</c>)(<c r="C2".*?</c>)', rb"\3\1\2", rows[1], flags=re.S)
        return data.replace(rows[1] + rows[2], rows[2] + row2)

    (old, _), (new, _) = read_both(edit_parts(path, tmp_path / "odd.xlsx", shuffle))
    assert [(a.area_id, a.name, a.layer) for a in new.areas] == [("A0", "町全域", 1), ("A1", "北地区", 2)]
    assert [(a.area_id, a.name, a.layer) for a in old.areas] != [("A0", "町全域", 1), ("A1", "北地区", 2)]


def test_an_escape_for_half_a_surrogate_pair_stays_text(tmp_path):
    # "_xD83D_" alone is half an emoji. Decoded, it is a lone surrogate that no file can hold
    # (openpyxl refused to write the 送付リスト, the direct writer wrote an xlsx Excel calls
    # damaged); calamine leaves such escapes as typed, and the openpyxl path now does too.
    s = minimal()
    set_cell(s, "構成員", "所属団体", 2, "社協_xD83D_")
    set_cell(s, "構成員", "所属団体", 3, "_xD83D__xDE00_ _x005F_xDE00_ _x0041_")
    path = write_workbook(tmp_path / "l.xlsx", s)
    ledger, _ = assert_same(path)
    assert [m.org for m in ledger.members[1:3]] == ["社協_xD83D_", "_xD83D__xDE00_ _xDE00_ A"]
    for member in ledger.members:
        member.org.encode("utf-8")


# --- what calamine must not be given --------------------------------------------------

def _far_cell(tmp_path, ref: bytes, quote: bytes = b'"', space: bytes = b"", before: bytes = b" ") -> Path:
    """The minimal ledger with one more cell, `ref`, in 構成員 (a stray value far away)."""
    path = write_workbook(tmp_path / "l.xlsx", minimal())
    part = sheet_part(path, "構成員")
    row = re.match(rb"[A-Z]+(\d+)", ref).group(1)
    attrs = b"" if b"inlineStr" in before else b' t="inlineStr"'
    cell = b"<c" + before + b"r" + space + b"=" + space + quote + ref + quote + attrs + b"><is><t>x</t></is></c>"

    def add(name, data):
        if name != part:
            return data
        return data.replace(b"</sheetData>", b'<row r="' + row + b'">' + cell + b"</row></sheetData>")

    return edit_parts(path, tmp_path / "far.xlsx", add)


def _in_bounded_memory(path: Path) -> subprocess.CompletedProcess:
    """Read `path` in a child limited to 1.5 GB of address space (calamine would ask for 500 GB)."""
    code = ("import sys\nfrom generator.errors import LedgerError\nfrom generator.ledger.reader import read_ledger\n"
            "try:\n    ledger, findings = read_ledger(sys.argv[1])\n"
            "except LedgerError as exc:\n    print(exc.code)\n"
            "else:\n    print(len(ledger.members), sorted({(f.code, f.cell) for f in findings}))")

    def limit():
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (1536 * 1024 * 1024, 1536 * 1024 * 1024))

    return subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                          timeout=600, preexec_fn=limit, cwd=REPO)


@pytest.mark.parametrize("quote,space,before", [(b'"', b"", b" "), (b"'", b"", b" "), (b'"', b" ", b" "),
                                                (b'"', b"", b'\n'), (b'"', b"", b' t="inlineStr"')])
def test_a_stray_cell_at_xfd1048576_is_read_by_openpyxl_not_calamine(tmp_path, quote, space, before):
    # Every way of writing r that calamine accepts: either quote, spaces around '=', a line
    # break before it, or none at all after the previous attribute (t="inlineStr"r="…").
    path = _far_cell(tmp_path, b"XFD1048576", quote, space, before)
    with zipfile.ZipFile(path) as archive:
        assert engines.dense_extent(archive.read(sheet_part(path, "構成員"))) > engines.CALAMINE_CELL_LIMIT
    result = _in_bounded_memory(path)
    assert result.returncode == 0, result.stderr[-2000:]
    if b"inlineStr" in before:
        # Not well-formed XML: calamine would have placed it, openpyxl's parser calls the file broken.
        assert result.stdout.strip() == "file-unreadable"
    else:
        # The stray cell is outside every column the reader knows: a note, not a member.
        assert result.stdout.strip() == "8 []"


def test_a_stray_value_in_the_last_row_reads_the_same_as_before(tmp_path):
    path = _far_cell(tmp_path, b"A1048576")
    assert read_ledger(path, engine="calamine") == read_ledger(path, engine="openpyxl")
    ledger, findings = read_ledger(path)
    assert ledger.members[-1].member_id == "x" and ledger.members[-1].row == 1048576
    assert ("value-missing", "構成員", "B1048576") in [(f.code, f.sheet, f.cell) for f in findings]


def test_a_part_no_sheet_names_is_checked_too(tmp_path):
    # calamine might resolve a hostile rels target to a part this reader did not map; any part
    # with sheet data past the limit then sends the whole workbook to openpyxl.
    path = write_workbook(tmp_path / "l.xlsx", minimal())
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/worksheets/other.xml", b'<worksheet><sheetData><row r="1048576">'
                         b'<c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>')
    book = engines.open_book(path.read_bytes())
    try:
        assert isinstance(book, engines.CalamineBook) and not book.safe
        assert isinstance(book.sheet("構成員"), engines.RawSheet) and book.fallback is not None
    finally:
        book.close()


def test_dense_extent_counts_from_a1_and_bounds_cells_without_a_reference():
    assert engines.dense_extent(b'<sheetData><row r="3"><c r="C3"><v>1</v></c><c r="E3"/></row></sheetData>') == 15
    assert engines.dense_extent(b"<sheetData></sheetData>") == 0
    # No r: placed by counting; bounded by the number of rows and cells, never under.
    assert engines.dense_extent(b"<sheetData><row><c><v>1</v></c><c><v>2</v></c></row></sheetData>") >= 2
    assert engines.dense_extent(b'<sheetData><row r="1048576"><c><v>1</v></c></row></sheetData>') >= 1048576
    assert engines.dense_extent(b'<sheetData><row r="1"><c r="A99999999"><v>1</v></c></row></sheetData>') == float("inf")


def test_without_calamine_openpyxl_reads_everything(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "python_calamine", None)   # import fails
    assert not engines.calamine_available()
    path = write_workbook(tmp_path / "l.xlsx", minimal())
    book = engines.open_book(path.read_bytes())
    assert isinstance(book, engines.OpenpyxlBook)
    book.close()
    ledger, findings = read_ledger(path)
    assert ledger.info.municipality == "テスト町" and findings == []


def test_a_sheet_calamine_cannot_read_is_read_by_openpyxl(tmp_path):
    # calamine refuses a cell type it does not know (t="zz"); openpyxl reads it as text, as the
    # reader always has, so the file stays readable and only that sheet is read the slow way.
    path = write_workbook(tmp_path / "l.xlsx", minimal())
    part = sheet_part(path, "構成員")
    odd = edit_parts(path, tmp_path / "odd.xlsx", lambda name, data: re.sub(
        rb'(<row r="2".*?)</row>', rb'\1<c r="Z2" t="zz"><v>1</v></c></row>', data, count=1, flags=re.S)
        if name == part else data)
    book = engines.open_book(odd.read_bytes())
    try:
        assert isinstance(book, engines.CalamineBook)
        rows = list(book.sheet("構成員").rows)
        assert book.fallback is not None and rows[1][:3] == ("M01", "C0", "座長 花子") and rows[1][25] == "1"
        list(book.sheet("会議").rows)
        assert book.fallback is not None
    finally:
        book.close()
    ledger, findings = read_ledger(odd)
    assert (ledger, findings) == read_ledger(odd, engine="openpyxl")
    assert findings == [] and len(ledger.members) == 8 and ledger.members[0].extra is None   # Z has no header


def test_nothing_parses_a_package_before_its_checks(tmp_path, monkeypatch):
    # The DOCTYPE refusal and the size limits run on the bytes before any engine opens them.
    from generator import messages, safezip
    from generator.errors import LedgerError

    def no_engine(*args, **kwargs):
        raise AssertionError("an engine saw the file")

    monkeypatch.setattr(engines, "open_book", no_engine)
    path = write_workbook(tmp_path / "l.xlsx", minimal())
    doctype = edit_parts(path, tmp_path / "doctype.xlsx", lambda name, data: re.sub(
        rb"<workbook\b", b'<!DOCTYPE x [<!ENTITY a "b">]><workbook', data, count=1) if name == "xl/workbook.xml" else data)
    with pytest.raises(LedgerError) as info:
        read_ledger(doctype)
    assert info.value.message == messages.FILE_UNSAFE_XML.format(path=str(doctype))
    monkeypatch.setattr(safezip, "LEDGER", safezip.Limits(file=10 * safezip.MB, part=1000, total=10 * safezip.MB))
    with pytest.raises(LedgerError) as info:
        read_ledger(path)
    assert info.value.message.startswith(f"{path} は展開すると大きすぎるため読みません")


# --- found by review: error cells and whole numbers the regex pass must not lose -------------

@pytest.mark.parametrize("cell", [
    b"<c r='G3' t='e'><v>#N/A</v></c>",                 # single quotes: well-formed XML
    b'<c r="g3" t="e"><v>#N/A</v></c>',                 # a lowercase reference
    b'<c r = "G3" t = "e"><v>#N/A</v></c>',             # spaces around '='
    b'<c t="e"><v>#N/A</v></c>',                        # no reference: placed after F3
])
def test_an_error_cell_written_any_way_is_its_text_not_an_empty_cell(tmp_path, cell):
    # Read as empty, #N/A in 住所1 would silently vanish from the label instead of being shown.
    path = write_workbook(tmp_path / "l.xlsx", minimal())
    part = sheet_part(path, "構成員")
    odd = edit_parts(path, tmp_path / "err.xlsx", lambda name, data: re.sub(
        rb'<c r="G3" t="inlineStr"><is><t>[^<]*</t></is></c>', cell, data) if name == part else data)
    with zipfile.ZipFile(odd) as archive:
        assert cell in archive.read(part)
    ledger, _ = assert_same(odd)
    assert ledger.members[1].address1 == "#N/A"


def test_a_whole_number_past_2_to_the_53_keeps_every_digit(tmp_path):
    # Excel and openpyxl write such numbers rounded, but a writer that prints integers exactly
    # gives <v>9007199254740993</v>, which openpyxl reads as that int. calamine holds it as a
    # float, which would turn it into ...992 in a letter. With an exponent it is a float for both.
    s = minimal()
    for row, marker in ((2, "BIG1"), (3, "BIG2"), (4, "BIG3"), (5, "BIG4")):
        set_cell(s, "構成員", "住所1", row, marker)
    path = write_workbook(tmp_path / "l.xlsx", s)
    part = sheet_part(path, "構成員")
    numbers = {b"BIG1": b"9007199254740993", b"BIG2": b"12345678901234567890",
               b"BIG3": b"-9007199254740993", b"BIG4": b"1.2345678901234567E+19"}

    def exact(name, data):
        if name != part:
            return data
        return re.sub(rb'<c r="(G\d+)" t="inlineStr"><is><t>(BIG\d)</t></is></c>',
                      lambda m: b'<c r="' + m.group(1) + b'"><v>' + numbers[m.group(2)] + b"</v></c>", data)

    ledger, _ = assert_same(edit_parts(path, tmp_path / "exact.xlsx", exact))
    assert [m.address1 for m in ledger.members[1:5]] == [
        "9007199254740993", "12345678901234567890", "-9007199254740993", "12345678901234567168"]


@pytest.mark.parametrize("first,far", [
    (b'<c r="A0000001"', b'<c r="XFD999999"'),            # a padded reference hid the far cell
    (b"<c", b"<c" + b"><v>1</v></c><c" * 30),            # a padded row number hid a long row
], ids=["padded reference", "padded row number"])
def test_leading_zeros_in_a_reference_do_not_hide_a_far_row_from_the_size_limit(tmp_path, first, far):
    # calamine reads r="A0000001" as A1; counting digits, 7 of them made row 1 look like the
    # longest row number, so a cell at row 999,999 passed the limit and calamine aborted the
    # process asking for gigabytes.
    path = write_workbook(tmp_path / "l.xlsx", minimal())
    part = sheet_part(path, "構成員")
    rows = (b'<row r="0000001">' + first + b' t="inlineStr"><is><t>x</t></is></c></row>'
            b'<row r="999999">' + far + b' t="inlineStr"><is><t>y</t></is></c></row>')

    def pad(name, data):
        if name != part:
            return data
        return data.replace(b"</sheetData>", rows + b"</sheetData>")

    odd = edit_parts(path, tmp_path / "padded.xlsx", pad)
    with zipfile.ZipFile(odd) as archive:
        assert engines.dense_extent(archive.read(part)) > engines.CALAMINE_CELL_LIMIT
    result = _in_bounded_memory(odd)
    assert result.returncode == 0, result.stderr[-2000:]


def test_merges_down_to_the_last_row_of_the_sheet_cost_only_the_rows_that_exist(tmp_path):
    # A few bytes of <mergeCell ref="K1:K1048576"/> per column made the reader list a million
    # rows per merge (800 MB for eight, both engines); only rows the sheet has can be filled.
    s = minimal()
    set_cell(s, "構成員", "協議体ID", 3, None)
    path = write_workbook(tmp_path / "l.xlsx", s)
    part = sheet_part(path, "構成員")
    whole = b"".join(b'<mergeCell ref="%s1:%s1048576"/>' % (c, c) for c in (b"K", b"L", b"M", b"N") * 8)

    def merge(name, data, extra=b""):
        return data.replace(b"</sheetData>", b'</sheetData><mergeCells><mergeCell ref="B2:B3"/>'
                            + extra + b"</mergeCells>") if name == part else data

    plain = edit_parts(path, tmp_path / "plain.xlsx", merge)
    odd = edit_parts(path, tmp_path / "merged.xlsx", lambda name, data: merge(name, data, whole))
    with zipfile.ZipFile(odd) as archive:
        scan = engines.scan_sheet_xml(archive.read(part))
    assert max(scan.merged.below) < 30
    assert scan.merged.below[3][:5] == [(2, 2), (11, 1), (12, 1), (13, 1), (14, 1)]
    ledger, findings = assert_same(odd)
    assert ledger.members[1].council_id == "C0"        # B3 takes B2's 協議体ID
    assert (repr(ledger), findings) == (repr(read_ledger(plain)[0]).replace("plain.xlsx", "merged.xlsx"),
                                        read_ledger(plain)[1])


def test_of_two_sheets_with_one_name_the_merges_are_those_of_the_sheet_read(tmp_path):
    # Both engines read the first sheet named 構成員; the merges were taken from the last one's part.
    s = minimal()
    s["控え"] = [row[:] for row in s["構成員"]]
    s["控え"][2][1] = s["控え"][3][1] = None
    path = write_workbook(tmp_path / "l.xlsx", s, lambda wb: wb["控え"].merge_cells("B2:B4"))

    def first_is_copy(name, data):
        if name != "xl/workbook.xml":
            return data
        copy = re.search('<sheet [^>]*name="控え"[^>]*/>'.encode(), data).group(0)
        data = data.replace(copy, b"")
        return data.replace(b"<sheets>", b"<sheets>" + copy.replace('"控え"'.encode(), '"構成員"'.encode()))

    ledger, findings = assert_same(edit_parts(path, tmp_path / "twice.xlsx", first_is_copy))
    assert [m.council_id for m in ledger.members[:4]] == ["C0", "C0", "C0", "C0"]
    assert findings == []


@pytest.mark.parametrize("target", [b"worksheets\\\\sheet5.xml", b"/xl/worksheets/SHEET5.XML", b"http://example.jp/s.xml"])
def test_a_sheet_whose_part_is_not_in_the_package_is_missing_as_before(tmp_path, target):
    # openpyxl does not list such a sheet, so the reader said which sheet is missing; the calamine
    # path listed it, fell back to openpyxl for it, and called the whole file broken.
    from generator.errors import LedgerError

    path = write_workbook(tmp_path / "l.xlsx", minimal())
    part = sheet_part(path, "構成員")
    odd = edit_parts(path, tmp_path / "lost.xlsx", lambda name, data: re.sub(
        rb'Target="[^"]*' + part.rsplit("/", 1)[1].encode() + rb'"', b'Target="' + target + b'"', data)
        if name == "xl/_rels/workbook.xml.rels" else data)
    codes = []
    for engine in engines.ENGINES:
        with pytest.raises(LedgerError) as caught:
            read_ledger(odd, engine=engine)
        codes.append((caught.value.code, "構成員" in str(caught.value)))
    assert codes == [("sheet-missing", True), ("sheet-missing", True)]


@pytest.mark.parametrize("count,part", [(b"4000000000", "xl/sharedStrings.xml"), (b"1000001", "xl/sharedStrings.xml"),
                                        (b"+4000000000", "xl/sharedStrings.xml"), (b"4000000000", "xl/SHAREDSTRINGS.XML")])
def test_a_shared_string_count_that_lies_does_not_abort_the_process(calc_files, tmp_path, count, part):
    # calamine reserves room for uniqueCount strings before reading one: "4000000000" in a file
    # of a few kilobytes aborted `sasaeai check` (SIGABRT, a Rust backtrace, no message).
    # No ledger holds more strings than the package check lets through. calamine finds the
    # part whatever the case of its name.
    path = edit_parts(calc_files / "forms.xlsx", tmp_path / "lying.xlsx", lambda name, data: re.sub(
        rb'uniqueCount="\d+"', b'uniqueCount="' + count + b'"', data) if name == "xl/sharedStrings.xml" else data)
    if part != "xl/sharedStrings.xml":
        renamed = tmp_path / "renamed.xlsx"
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(renamed, "w", zipfile.ZIP_DEFLATED) as out:
            for info in src.infolist():
                out.writestr(part if info.filename == "xl/sharedStrings.xml" else info.filename, src.read(info))
        path = renamed
    with zipfile.ZipFile(path) as archive:
        assert b'uniqueCount="' + count + b'"' in archive.read(part)
    result = _in_bounded_memory(path)
    assert result.returncode == 0, result.stderr[-2000:]
    # Read by openpyxl, as the default reader falls back to it: what openpyxl always read
    # (the findings of the file, or "broken" where openpyxl cannot find the renamed part).
    from generator.errors import LedgerError

    try:
        ledger, findings = read_ledger(path, engine="openpyxl")
    except LedgerError as exc:
        expected = exc.code
    else:
        expected = f"{len(ledger.members)} {sorted({(f.code, f.cell) for f in findings})}"
    assert result.stdout.strip() == expected
    assert expected == "file-unreadable" if part != "xl/sharedStrings.xml" else expected.startswith("8 ")


def test_a_lying_shared_string_count_behind_a_long_comment_is_found(calc_files, tmp_path):
    # A '>' in the comment where the first 64 KB end must not pass for the root's start tag.
    padding = b"<!--" + b"x" * 65_000 + b" > " * 1000 + b"-->"
    path = edit_parts(calc_files / "forms.xlsx", tmp_path / "lying.xlsx", lambda name, data: re.sub(
        rb'(<sst\b)', padding + rb"\1", re.sub(rb'uniqueCount="\d+"', b'uniqueCount=" 04000000000"', data), count=1)
        if name == "xl/sharedStrings.xml" else data)
    with zipfile.ZipFile(path) as archive:
        assert padding in archive.read("xl/sharedStrings.xml")
        assert engines._declares_too_many_strings(archive)
    result = _in_bounded_memory(path)
    assert result.returncode == 0, result.stderr[-2000:]
