"""Hostile input (issue 15): every attack is built here, in tmp_path, and bounded.

Bombs, formula-like text, odd cells, colliding and over-long names, endless
templates, a ledger given as its own output: each ends in a Japanese message
and an exit code, never a traceback, a hang or gigabytes of memory.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import D, minimal, set_cell, write_workbook

from generator.cli import main
from generator.ledger.reader import read_ledger

MB = 1024 * 1024


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


PROGRESS_LABELS = ("通知を作成中", "月次処理中")


def one_error_line(result) -> str:
    """The one error line of a failed run (a progress bar's label may come before it)."""
    lines = [line for line in result.output.strip().splitlines() if line not in PROGRESS_LABELS]
    assert "Traceback" not in result.output and "予期しない" not in result.output, result.output
    assert len(lines) == 1 and lines[0].startswith("エラー: "), result.output
    return lines[0]


# --- building packages -----------------------------------------------------------

def rebuild(source: Path, target: Path, replace: dict | None = None, add: dict | None = None,
            level: int = 1) -> Path:
    """Copy a zip package, streaming new content into some parts.

    `replace`/`add` map a part name to a function (old bytes or None, writable
    stream) -> None, so gigabyte parts are written without holding them.
    """
    replace, add = replace or {}, add or {}
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED,
                                                         compresslevel=level) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename in replace:
                with out.open(info.filename, "w", force_zip64=True) as stream:
                    replace[info.filename](data, stream)
            else:
                out.writestr(info.filename, data)
        for name, write in add.items():
            with out.open(name, "w", force_zip64=True) as stream:
                write(None, stream)
    return target


def whitespace_sheet(megabytes: int):
    def write(old: bytes, stream) -> None:
        head, _, rest = old.partition(b"<sheetData>")
        stream.write(head + b"<sheetData>")
        chunk = b" " * MB
        for _ in range(megabytes):
            stream.write(chunk)
        stream.write(rest)
    return write


def with_shared_strings(source: Path, target: Path, write_strings, level: int = 1) -> Path:
    """The ledger with an xl/sharedStrings.xml part written by `write_strings(stream)`."""
    def types(old, stream):
        stream.write(old.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                 b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))

    def rels(old, stream):
        stream.write(old.replace(b"</Relationships>", b'<Relationship Id="rIdSST" Type="http://schemas.openxmlformats'
                                 b'.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                                 b"</Relationships>"))

    return rebuild(source, target, replace={"[Content_Types].xml": types, "xl/_rels/workbook.xml.rels": rels},
                   add={"xl/sharedStrings.xml": lambda _old, stream: write_strings(stream)}, level=level)


SST_HEAD = b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


@pytest.fixture(scope="module")
def bombs(tmp_path_factory):
    """Ledgers of about 1 MB that inflate to 1 GiB or 300 MB, or hold 1.1 million strings."""
    folder = tmp_path_factory.mktemp("bombs")
    base = write_workbook(folder / "base.xlsx", minimal())

    def many_strings(stream):
        stream.write(SST_HEAD)
        for _ in range(110):
            stream.write(b"<si><t>a</t></si>" * 10_000)
        stream.write(b"</sst>")

    def one_huge_string(stream):
        stream.write(SST_HEAD + b"<si><t>")
        for _ in range(300):
            stream.write(b"a" * MB)
        stream.write(b"</t></si></sst>")

    return {
        "sheet": rebuild(base, folder / "sheet.xlsx", replace={"xl/worksheets/sheet1.xml": whitespace_sheet(1024)},
                         level=9),
        "strings": with_shared_strings(base, folder / "strings.xlsx", many_strings),
        "huge_string": with_shared_strings(base, folder / "huge.xlsx", one_huge_string, level=9),
    }


def peak_rss_mb(*args) -> tuple[subprocess.CompletedProcess, float]:
    """Run the CLI in a child process; its result and its peak resident memory in MB."""
    probe = ("import resource, subprocess, sys\n"
             "p = subprocess.run([sys.executable, '-m', 'generator.cli', *sys.argv[1:]], capture_output=True, text=True)\n"
             "sys.stdout.write(p.stdout); sys.stderr.write(p.stderr)\n"
             "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
             "sys.stderr.write(f'\\nPEAK_KB={peak}\\n'); sys.exit(p.returncode)\n")
    done = subprocess.run([sys.executable, "-c", probe, *map(str, args)], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    peak_kb = int(done.stderr.rsplit("PEAK_KB=", 1)[1])
    done.stderr = done.stderr.rsplit("\nPEAK_KB=", 1)[0]
    return done, peak_kb / 1024


# --- 2: decompression bombs, special files -------------------------------------------

@pytest.mark.parametrize("bomb, expected", [
    ("sheet", " は展開すると大きすぎるため読みません（xl/worksheets/sheet1.xml が上限を超えます。上限: 1部品 100 MB、合計 200 MB）"),
    ("huge_string", " は展開すると大きすぎるため読みません（xl/sharedStrings.xml が上限を超えます。"),
    ("strings", " は文字列の数が上限（1,000,000 個）を超えるため読みません。"),
])
def test_bombs_are_refused_with_exit_2_in_bounded_memory(bombs, bomb, expected):
    path = bombs[bomb]
    assert path.stat().st_size < 3 * MB
    done, peak = peak_rss_mb("check", path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().startswith(f"エラー: {path}{expected}")
    assert "Traceback" not in done.stderr
    # A bomb costs what reading a small ledger costs: well under the gigabytes it inflates to.
    assert peak < 200, f"peak RSS {peak:.0f} MB"


def test_a_zip_that_lies_about_a_parts_size_is_broken_not_inflated(tmp_path):
    base = write_workbook(tmp_path / "base.xlsx", minimal())
    bomb = rebuild(base, tmp_path / "lie.xlsx", replace={"xl/worksheets/sheet1.xml": whitespace_sheet(300)})
    data = bytearray(bomb.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    at = data.find(b"PK\x01\x02")          # the central directory entry of the part
    while data[at + 46:at + 46 + len(name)] != name:
        at = data.find(b"PK\x01\x02", at + 4)
    assert int.from_bytes(data[at + 24:at + 28], "little") == 300 * MB + len(b"</sheetData>") or True
    data[at + 24:at + 28] = (1000).to_bytes(4, "little")     # its declared inflated size
    bomb.write_bytes(bytes(data))
    with zipfile.ZipFile(bomb) as z:
        assert z.getinfo(name.decode()).file_size == 1000
    done, peak = peak_rss_mb("check", bomb)
    assert done.returncode == 2
    assert done.stderr.strip() == (f"エラー: {bomb} は壊れているか途中で切れていて読めません。"
                                   "Excel で開けるか確かめ、開けたら保存し直してください。")
    assert peak < 200


def test_a_fifo_or_a_device_is_refused_before_it_is_opened(tmp_path):
    fifo = tmp_path / "台帳.xlsx"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero")):
        result = run("check", path)
        assert result.exit_code == 2
        assert one_error_line(result) == (f"エラー: {path} は通常のファイルではありません（デバイスや名前付きパイプなど）。"
                                          "台帳の .xlsx ファイルを指定してください。")


def test_a_file_larger_than_any_ledger_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.xlsx"
    with open(path, "wb") as handle:
        handle.truncate(101 * MB)      # sparse: no disk used
    result = run("check", path)
    assert result.exit_code == 2
    assert one_error_line(result) == (f"エラー: 台帳ファイル {path} は大きすぎるため読みません（上限 100 MB）。"
                                      "台帳の .xlsx ファイルか確かめてください。")


# --- 4: one bad cell is a finding at that cell ------------------------------------------

def test_a_time_of_0_99999999_and_a_5000_digit_number_are_findings_at_their_cells(tmp_path):
    s = minimal()
    set_cell(s, "会議", "開始時刻", 1, 0.99999999)
    base = write_workbook(tmp_path / "base.xlsx", s)

    def long_number(old, stream):
        # 会議!C3 (回 of the second meeting) becomes a number of 5,000 digits.
        assert b'<c r="C3" t="n"><v>2</v></c>' in old
        stream.write(old.replace(b'<c r="C3" t="n"><v>2</v></c>', b'<c r="C3" t="n"><v>' + b"9" * 5000 + b"</v></c>"))

    path = rebuild(base, tmp_path / "odd.xlsx", replace={"xl/worksheets/sheet6.xml": long_number})
    _ledger, findings = read_ledger(path)
    assert [(f.code, f.sheet, f.cell, f.message) for f in findings] == [
        ("value-type", "会議", "E2", "開始時刻: 「0.99999999」は時刻として読めません（24時以降の時刻です）"
                                     "（例: 14:00、14時30分、午後2時）"),
        ("value-type", "会議", "C3", "回: 「" + "9" * 39 + "…」は大きすぎます（15桁まで）"),
    ]
    result = run("check", path, "--fiscal-year", 2026)
    assert result.exit_code == 1
    assert "会議!C3" in result.output and "会議!E2" in result.output


# --- 12: _xHHHH_ escapes ---------------------------------------------------------------

def test_control_characters_saved_as_x000B_are_decoded_and_removed(ledger_file):
    s = minimal()
    set_cell(s, "構成員", "氏名", 1, "座長_x000B_花子")
    set_cell(s, "構成員", "所属団体", 2, "社協_x0009_本所_x005F_x0041_")
    set_cell(s, "会議", "場所", 1, "役場_x0007_")
    ledger, findings = read_ledger(ledger_file(s))
    assert findings == []
    assert ledger.member("M01").name == "座長花子"
    assert ledger.member("M02").org == "社協\t本所_x0041_"
    assert ledger.meeting("K01").place == "役場"


# --- 1: formula-like text stays text in every xlsx ---------------------------------------

FORMULAS = ['=HYPERLINK("http://evil.example/","x")', "=2*3", "+1+2", "-3+4", "@SUM(1,2)", "=cmd|' /C calc'!A0"]


def formula_ledger() -> dict:
    s = minimal()
    set_cell(s, "圏域", "圏域名", 1, FORMULAS[1])
    set_cell(s, "圏域", "圏域名", 2, FORMULAS[2])
    set_cell(s, "協議体", "名称", 1, FORMULAS[0])
    set_cell(s, "協議体", "名称", 2, FORMULAS[5])
    set_cell(s, "協議体", "事務局", 1, FORMULAS[3])
    for row in range(1, 9):
        set_cell(s, "構成員", "氏名", row, FORMULAS[row % len(FORMULAS)])
        set_cell(s, "構成員", "所属団体", row, FORMULAS[(row + 1) % len(FORMULAS)])
    set_cell(s, "構成員", "住所1", 2, FORMULAS[4])
    for row in range(1, 7):
        set_cell(s, "会議", "場所", row, FORMULAS[row % len(FORMULAS)])
        set_cell(s, "会議", "議題", row, FORMULAS[(row + 2) % len(FORMULAS)])
    s["住民主体の活動"] = [["活動ID", "名称", "種類", "圏域ID", "年間実施回数", "平均参加者数"],
                        ["T1", FORMULAS[0], "サロン", "A1", 12, 10], ["T2", FORMULAS[4], "通いの場", "A1", 40, 8]]
    s["地域課題・資源"] = [["課題ID", "圏域ID", "区分", "内容", "段階"], ["I1", "A1", "地域課題", FORMULAS[1], "②アイデア"]]
    s["目標"] = [["年度", "目標", "指標", "目標値", "実績値"], [2026, FORMULAS[2], FORMULAS[3], "=1", "@x"]]
    s["基本情報"].append(["謝礼単価", 5000])
    s["出欠"] = [["会議ID", "構成員ID", "出欠", "代理者氏名"], ["K01", "M01", "出席", None], ["K01", "M02", "代理出席", FORMULAS[0]],
               ["K01", "M03", "出席", None]]
    return s


def as_text(wb) -> None:
    """Store '=...' values as text, the way a user types them with a leading apostrophe."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.data_type == "f":
                    cell.data_type = "s"


def written_formulas(path: Path) -> list[str]:
    """Cells of an xlsx that hold a formula: by the raw XML and by openpyxl."""
    found = []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and (b"<f>" in z.read(name) or b"<f " in z.read(name)):
                found.append(f"{path.name}:{name}")
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            found += [f"{path.name}:{ws.title}!{c.coordinate}" for c in row if c.data_type == "f"]
    return found


def test_every_xlsx_output_holds_formula_like_text_as_text(ledger_file, tmp_path):
    path = ledger_file(formula_ledger(), setup=as_text)
    assert run("check", path, "--fiscal-year", 2026).exit_code == 0
    out = tmp_path / "out"
    assert run("invitations", path, "--month", "2026-07", "--out", out).exit_code == 0
    assert run("annual", path, "--fiscal-year", 2026, "--out", out).exit_code == 0
    assert run("monthly", path, "--month", "2026-06", "--out", out, "--annual").exit_code == 0
    assert run("monthly", path, "--month", "2026-05", "--out", out).exit_code == 0
    assert run("init", out / "blank.xlsx").exit_code == 0
    books = sorted(out.rglob("*.xlsx"))
    names = {p.name for p in books}
    assert {"送付リスト.xlsx", "年次集計_2026.xlsx", "blank.xlsx"} <= names
    assert any(name.startswith("謝礼支払一覧_") for name in names), names
    assert len(books) >= 6
    assert [f for book in books for f in written_formulas(book)] == []
    # The text is there, unchanged, and marked so that re-typing it in Excel keeps it text.
    sendlist = openpyxl.load_workbook(next(p for p in books if p.name == "送付リスト.xlsx")).active
    texts = [c.value for row in sendlist.iter_rows(min_row=4) for c in row if isinstance(c.value, str)]
    assert set(FORMULAS) & set(t.split(" ")[0] for t in texts)
    for row in sendlist.iter_rows(min_row=4):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")):
                assert cell.data_type == "s" and cell.quotePrefix
    summary = openpyxl.load_workbook(next(p for p in books if p.name == "年次集計_2026.xlsx"))
    values = {c.value for ws in summary.worksheets for row in ws.iter_rows() for c in row}
    assert {FORMULAS[0], FORMULAS[1], FORMULAS[5]} <= values


# --- 5, 6, 10: file names ------------------------------------------------------------------

WINDOWS_OUT = "C:\\Users\\yamada.taro\\Documents\\出力\\"


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def assert_windows_safe(out: Path) -> list[Path]:
    """Every name under out fits Linux's 255 bytes and Windows' rules, and the whole path fits 260."""
    paths = sorted(out.rglob("*"))
    for path in paths:
        name = path.name
        assert len(name.encode("utf-8")) <= 255 and utf16_units(name) <= 255, name
        assert not name.startswith(".") and not name.endswith((".", " ")), name
        windows = WINDOWS_OUT + str(path.relative_to(out)).replace("/", "\\")
        assert utf16_units(windows) < 260, windows
    return paths


def test_names_of_70_four_byte_characters_give_every_letter_within_byte_and_windows_limits(ledger_file, tmp_path):
    s = minimal()
    set_cell(s, "協議体", "名称", 1, "𠮷" * 70)
    for row in range(1, 5):
        set_cell(s, "構成員", "氏名", row, "𠀋" * 69 + str(row))
    out = tmp_path / "out"
    result = run("invitations", ledger_file(s), "--meeting", "K01", "--out", out)
    assert result.exit_code == 0, result.output
    paths = assert_windows_safe(out)
    folder = next(p for p in paths if p.parent == out)
    letters = sorted((folder / "通知").iterdir())
    assert len(letters) == 3          # 手渡し, 郵送, メール; M04 takes none
    assert len({p.name for p in letters}) == 3
    assert {p.name for p in folder.iterdir()} == {"通知", "印刷用_通知一式.docx", "宛名ラベル.docx", "送付リスト.xlsx"}
    batch = tmp_path / "batch"
    result = run("monthly", ledger_file(s), "--month", "2026-05", "--out", batch)
    assert result.exit_code == 0, result.output
    assert (batch / "2026-05" / "manifest.json").exists()
    assert_windows_safe(batch)


def two_meetings_named(first: str, second: str) -> dict:
    s = minimal()
    s["会議"].append([first, "C0", 4, D(2026, 12, 16), "14:00", "16:00", "役場", "議題1", "座長", None])
    s["会議"].append([second, "C0", 4, D(2026, 12, 17), "10:00", "11:30", "公民館", "議題2", "座長", None])
    return s


def test_meeting_ids_differing_in_unsafe_characters_get_their_own_folders(ledger_file, tmp_path):
    path = ledger_file(two_meetings_named("C0/06", "C0:06"))
    assert run("invitations", path, "--month", "2026-12", "--out", tmp_path / "inv").exit_code == 0
    folders = sorted(p.name for p in (tmp_path / "inv").iterdir())
    assert len(folders) == 2 and all(f.startswith("C0_06_町の会議_第4回~") for f in folders)
    assert run("monthly", path, "--month", "2026-11", "--out", tmp_path / "b").exit_code == 0
    manifest = json.loads((tmp_path / "b" / "2026-11" / "manifest.json").read_text(encoding="utf-8"))
    files = [f["path"] for f in manifest["files"]]
    assert len(files) == len(set(files))
    by_meeting = {m["meeting_id"]: {letter["file"].split("/")[1] for letter in m["letters"]}
                  for m in manifest["meetings"] if m["kind"] == "invitation"}
    assert set(by_meeting) == {"C0/06", "C0:06"}
    assert by_meeting["C0/06"].isdisjoint(by_meeting["C0:06"])


def test_meeting_ids_differing_only_in_case_stop_before_anything_is_written(ledger_file, tmp_path):
    path = ledger_file(two_meetings_named("K21", "k21"))
    out = tmp_path / "out"
    result = run("invitations", path, "--month", "2026-12", "--out", out)
    assert result.exit_code == 2
    line = one_error_line(result)
    assert line == (f"エラー: 「K21_町の会議_第4回」と「k21_町の会議_第4回」は大文字・小文字だけが違うため、Windows では"
                    f"同じファイルになります（{out}）。何も書き出していません。台帳の会議IDなどを区別できるものに変えてください。")
    assert not out.exists() or not any(out.rglob("*.docx"))
    result = run("monthly", path, "--month", "2026-11", "--out", out)
    assert result.exit_code == 2 and "Windows では同じファイルになります" in one_error_line(result)
    assert not any(out.rglob("*.docx")) and not any(out.rglob("manifest.json"))


def test_leading_dots_and_tmp_names_make_no_hidden_folder_and_survive_a_rerun(ledger_file, tmp_path):
    s = two_meetings_named(".K21", "K22")
    set_cell(s, "協議体", "名称", 1, "町の会議.tmp")
    path = ledger_file(s)
    assert run("monthly", path, "--month", "2026-11", "--out", tmp_path).exit_code == 0
    letters = tmp_path / "2026-11" / "開催通知"
    names = sorted(p.name for p in letters.iterdir() if p.is_dir())
    assert len(names) == 2 and not any(p.name.startswith(".") for p in letters.rglob("*"))
    assert any(n.startswith("_K21_町の会議.tmp_第4回~") for n in names)
    assert "K22_町の会議.tmp_第4回" in names
    before = {p: p.stat().st_mtime_ns for p in letters.rglob("*")}
    assert run("monthly", path, "--month", "2026-11", "--out", tmp_path).exit_code == 0
    assert {p: p.stat().st_mtime_ns for p in letters.rglob("*")} == before


def test_invitations_clean_the_temp_files_a_killed_run_left(ledger_file, tmp_path):
    path = ledger_file()
    out = tmp_path / "out"
    assert run("invitations", path, "--meeting", "K01", "--out", out).exit_code == 0
    letters = next(out.iterdir()) / "通知"
    stale = letters / ".001_M01_座長 花子.docx.k1ll3d00.sasaeai.tmp"
    stale.write_bytes(b"half a letter")
    assert run("invitations", path, "--meeting", "K01", "--out", out).exit_code == 0
    assert not stale.exists()
    assert all(not p.name.startswith(".") for p in out.rglob("*"))


# --- 9: the ledger is never an output -----------------------------------------------------

def test_annual_refuses_to_write_over_the_ledger_it_read(ledger_file, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    ledger = ledger_file(name="x.xlsx")
    target = out / "年次集計_2026.xlsx"
    target.write_bytes(ledger.read_bytes())
    before = target.read_bytes()
    result = run("annual", target, "--fiscal-year", 2026, "--out", out)
    assert result.exit_code == 2
    assert one_error_line(result) == (f"エラー: {target} は読み込んだ台帳そのものです。台帳は上書きしません。"
                                      "--out には台帳のないフォルダを指定してください。")
    assert target.read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["年次集計_2026.xlsx"]     # not half a report either
    # The same file under another name (a hard link) is the same ledger.
    other = tmp_path / "other"
    other.mkdir()
    os.link(target, other / "年次集計_2026.xlsx")
    result = run("annual", target, "--fiscal-year", 2026, "--out", other)
    assert result.exit_code == 2 and "読み込んだ台帳そのもの" in one_error_line(result)
    assert target.read_bytes() == before


# --- 11: ordinary errors get their own Japanese message ----------------------------------------

def test_output_folder_problems_are_japanese_with_exit_2(ledger_file, tmp_path):
    ledger = ledger_file()
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    cases = [
        (("invitations", ledger, "--meeting", "K01", "--out", a_file),
         f"エラー: 出力先 {a_file} はファイルです。出力先にはフォルダを指定してください。"),
        (("monthly", ledger, "--month", "2026-05", "--out", a_file / "sub"),
         f"エラー: 出力先 {a_file / 'sub'} を作れません。途中の {a_file} がフォルダではなくファイルです。"),
        (("minutes", ledger, "--meeting", "K01", "--out", a_file / "sub"),
         f"エラー: 出力先 {a_file / 'sub'} を作れません。途中の {a_file} がフォルダではなくファイルです。"),
        (("annual", ledger, "--fiscal-year", 2026, "--out", a_file),
         f"エラー: 出力先 {a_file} はファイルです。出力先にはフォルダを指定してください。"),
        (("templates", "export", a_file / "t"),
         f"エラー: 出力先 {a_file / 't'} を作れません。途中の {a_file} がフォルダではなくファイルです。"),
        (("templates", "export", "/proc/sasaeai-templates"),
         "エラー: 出力先 /proc/sasaeai-templates に書き込めません（その場所がありません）。"
         "別のフォルダを指定するか、権限を確かめてください。"),
        (("monthly", ledger, "--month", "9999-12", "--out", tmp_path / "o"),
         "エラー: --month の年は 1899〜2200 の範囲で指定してください。指定された値: 9999-12"),
        (("invitations", ledger, "--month", "0000-12", "--out", tmp_path / "o"),
         "エラー: --month の年は 1899〜2200 の範囲で指定してください。指定された値: 0000-12"),
    ]
    for args, expected in cases:
        result = run(*args)
        assert result.exit_code == 2, (args, result.output)
        assert one_error_line(result) == expected, args


def test_an_unreadable_ledger_is_said_in_japanese(tmp_path):
    folder = tmp_path / "台帳フォルダ"
    folder.mkdir()
    result = run("check", "/proc/self/mem")
    assert result.exit_code == 2
    assert one_error_line(result) == "エラー: 台帳ファイル /proc/self/mem を読めませんでした（装置の読み書きでエラーが起きました）。"
    result = run("invitations", folder, "--meeting", "K01", "--out", tmp_path / "o")
    assert result.exit_code == 2
    assert one_error_line(result) == f"エラー: {folder} はフォルダです。台帳の .xlsx ファイルを指定してください。"


# --- 8: templates without limits ------------------------------------------------------------

NESTED_RANGES = "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}"


def hostile_templates(folder: Path, tag: str) -> Path:
    """The shipped templates exported to folder, with `tag` in place of the letter's title."""
    assert run("templates", "export", folder).exit_code == 0
    path = folder / "invitation.docx"
    original = path.with_name("original.docx")
    path.rename(original)

    def edit(old, stream):
        assert old.count(b"{{ title }}") == 1
        stream.write(old.replace(b"{{ title }}", tag.encode("utf-8")))

    rebuild(original, path, replace={"word/document.xml": edit})
    original.unlink()
    return folder


@pytest.mark.parametrize("tag, breach", [
    (NESTED_RANGES, "繰り返しは1文書 1,000,000 回までです"),
    ("{{ 9**(9**9) }}", "計算や関数に使える数は 100,000 までです"),
    ("{{ 'x' * 10**9 }}", "作れる文字列・一覧は 1,000,000 文字（件）までです"),
    ("{% for i in range(10000) %}{{ 'x' * 100000 }}{% endfor %}", "1文書の出力は 50 MB までです"),
    ("{% for i in range(20000) %}{% endfor %}", "range() は 10,000 件までです"),
    ("{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
     "作れる文字列・一覧は 1,000,000 文字（件）までです"),
    ("{{ title|center(10**9) }}", "計算や関数に使える数は 100,000 までです"),
    ("{{ '{:>999999999}'.format(title) }}", "計算や関数に使える数は 100,000 までです"),
])
def test_template_breaches_are_template_errors_naming_the_file(ledger_file, tmp_path, tag, breach):
    folder = hostile_templates(tmp_path / "t", tag)
    expected = (f"テンプレート invitation.docx は上限を超えたため差し込みを止めました: {breach}。"
                "タグ（繰り返しや計算）を見直してください。")
    result = run("templates", "check", folder)
    assert result.exit_code == 1
    assert f"開催通知と出欠回答票（invitation.docx）: {expected}" in result.output.splitlines()
    out = tmp_path / "out"
    result = run("invitations", ledger_file(), "--meeting", "K01", "--out", out, "--templates", folder)
    assert result.exit_code == 2
    assert one_error_line(result) == f"エラー: {expected}"
    assert not any(out.rglob("*.docx")) if out.exists() else True


def test_include_is_a_template_error_naming_the_file(tmp_path):
    folder = hostile_templates(tmp_path / "t", "{% include 'labels.docx' %}")
    result = run("templates", "check", folder)
    assert result.exit_code == 2
    assert one_error_line(result).startswith(
        "エラー: テンプレート invitation.docx（word/document.xml）のタグに誤りがあります: "
        "include・import・extends は使えません（テンプレートは1ファイルで完結させてください）")


def test_mail_text_environment_has_the_same_limits():
    from generator.errors import TemplateError
    from generator.render.engine import make_text_environment, render_limited

    env = make_text_environment()
    assert render_limited(env.from_string("{{ name }} 様 <b>"), {"name": "A&B"}, "mail.txt") == "A&B 様 <b>"
    with pytest.raises(TemplateError) as info:
        render_limited(env.from_string("件名\n" + NESTED_RANGES), {}, "mail.txt")
    assert info.value.message == ("テンプレート mail.txt は上限を超えたため差し込みを止めました: 繰り返しは1文書 1,000,000 回までです。"
                                  "タグ（繰り返しや計算）を見直してください。")
    with pytest.raises(Exception) as info:
        env.from_string("{% include 'x' %}")
    assert "include・import・extends は使えません" in str(info.value)


def test_a_small_template_of_256_mib_whitespace_is_refused_without_inflating_it(tmp_path):
    folder = tmp_path / "t"
    assert run("templates", "export", folder).exit_code == 0
    path = folder / "invitation.docx"
    original = path.with_name("original.docx")
    path.rename(original)

    def pad(old, stream):
        head, _, rest = old.partition(b"<w:body>")
        stream.write(head + b"<w:body>")
        for _ in range(256):
            stream.write(b" " * MB)
        stream.write(rest)

    rebuild(original, path, replace={"word/document.xml": pad}, level=9)
    original.unlink()
    assert path.stat().st_size < 400 * 1024
    done, peak = peak_rss_mb("templates", "check", folder)
    assert done.returncode == 2
    assert done.stderr.strip() == (f"エラー: テンプレート {path} は大きすぎるため読みません"
                                   "（word/document.xml が上限 10 MB を超えます）。")
    assert peak < 200


def test_a_meeting_that_cannot_be_written_whole_leaves_none_of_its_files(ledger_file, tmp_path):
    out = tmp_path / "out"
    blocker = out / "K01_町の会議_第1回" / "送付リスト.xlsx"
    blocker.mkdir(parents=True)          # the last file of the meeting cannot be put in place
    result = run("invitations", ledger_file(), "--meeting", "K01", "--out", out)
    assert result.exit_code == 2
    assert one_error_line(result) == (f"エラー: 第1回 町の会議 の通知を書き出せなかったため、この会議のファイルは残していません: "
                                      f"{blocker} に書き込めません（フォルダです）。")
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == []


@pytest.mark.parametrize("text", ["CON .txt", "com¹", "LPT9.log", "CONOUT$", "aux", "名前。. . ", "...隠し",
                                  "a" * 300, "𠮷" * 200, "é" * 150])
def test_safe_names_follow_windows_rules_and_byte_limits(text):
    from generator.render.output import safe_filename

    name = safe_filename(text) + ".docx"
    stem = name[:-5]
    assert len(name.encode("utf-8")) <= 255 - 30 and utf16_units(name) <= 65
    assert not stem.endswith((".", " ")) and not stem.startswith(".")
    assert stem.split(".")[0].rstrip().upper() not in {"CON", "PRN", "AUX", "NUL", "COM¹", "LPT9", "CONOUT$"}
    assert safe_filename(text) == stem                       # the same text, the same name
    assert safe_filename(text + "x") != stem                 # and another text, another name


def test_the_guard_allows_the_same_bytes_and_forgets_a_deleted_ledger(tmp_path):
    from generator.errors import OutputError
    from generator.render.output import atomic_write, protect_input

    ledger = tmp_path / "台帳.xlsx"
    ledger.write_bytes(b"ledger")
    protect_input(ledger)
    atomic_write(ledger, b"ledger")                  # an upload of the very same file changes nothing
    with pytest.raises(OutputError):
        atomic_write(ledger, b"other")
    assert ledger.read_bytes() == b"ledger"
    inode = ledger.stat().st_ino
    ledger.unlink()
    # A new file that happens to get the deleted ledger's inode number is not the ledger.
    for index in range(200):
        other = tmp_path / f"out{index}.docx"
        other.write_bytes(b"x")
        if other.stat().st_ino == inode:
            break
    atomic_write(other, b"letter")
    assert other.read_bytes() == b"letter"


def test_the_guard_sees_the_ledger_through_a_symlink_or_a_folder_link(tmp_path):
    from generator.errors import OutputError
    from generator.render.output import _INPUTS, atomic_write, protect_input

    ledger = tmp_path / "in" / "台帳.xlsx"
    ledger.parent.mkdir()
    ledger.write_bytes(b"ledger")
    protect_input(ledger)
    try:
        out = tmp_path / "out"
        out.mkdir()
        (out / "letter.docx").symlink_to(ledger)               # another name, the ledger behind it
        (out / "folder").symlink_to(ledger.parent, target_is_directory=True)
        for target in (out / "letter.docx", out / "folder" / "台帳.xlsx", ledger):
            with pytest.raises(OutputError):
                atomic_write(target, b"other")
        # Saved anew by Excel while the batch runs: a new inode at the same path is still the ledger.
        ledger.unlink()
        ledger.write_bytes(b"ledger 2")
        with pytest.raises(OutputError):
            atomic_write(out / "folder" / "台帳.xlsx", b"other")
        assert ledger.read_bytes() == b"ledger 2"
        atomic_write(out / "an ordinary letter.docx", b"letter")
        assert (out / "an ordinary letter.docx").read_bytes() == b"letter"
    finally:
        _INPUTS.clear()
