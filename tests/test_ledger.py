"""Reading messy and broken workbooks."""
import datetime as dt
import io
import zipfile

import pytest
from conftest import D, SAMPLE, minimal, set_cell

from generator.errors import LedgerError
from generator.ledger.reader import read_ledger


def keys(findings):
    return [(f.code, f.sheet, f.cell) for f in findings]


def test_minimal_ledger_reads_into_typed_records(ledger_file):
    ledger, findings = read_ledger(ledger_file())
    assert findings == []
    assert ledger.info.municipality == "テスト町"
    assert ledger.info.notice_days == 30 and ledger.info.date_style == "和暦"   # defaults
    assert [a.area_id for a in ledger.areas] == ["A0", "A1"]
    meeting = ledger.meetings[0]
    assert (meeting.meeting_id, meeting.date, meeting.start, meeting.agenda) == (
        "K01", D(2026, 5, 20), dt.time(14, 0), ("議題A",))
    assert meeting.state == "予定"  # default
    assert ledger.where(meeting, "date") == ("会議", "D2")
    assert ledger.where(ledger.members[2], "email") == ("構成員", "H4")
    assert ledger.members[1].postal_code == "0990101"


def test_header_below_title_rows_any_order_extra_columns(ledger_file):
    sheets = minimal()
    rows = sheets["構成員"]
    # Reverse the column order, add an extra column and two title rows above the header.
    rows = [list(reversed(r)) + ["メモ"] for r in rows]
    rows[0][-1] = "内部メモ"
    sheets["構成員"] = [["構成員名簿（令和8年度）"], [], *rows]
    ledger, findings = read_ledger(ledger_file(sheets))
    assert findings == []
    member = ledger.members[0]
    assert (member.member_id, member.council_id, member.org_kind) == ("M01", "C0", "住民")
    assert member.row == 4
    assert member.extra == {"内部メモ": "メモ"}
    assert ledger.where(member, "member_id") == ("構成員", "I4")


def test_headers_compared_after_nfkc_without_spaces(ledger_file):
    sheets = minimal()
    sheets["構成員"][0] = ["構成員 ＩＤ", "協議体ＩＤ", "氏　名", "所属団体", "団体 種別", "郵便番号",
                          "住所１", "メール", "★送付方法"]
    ledger, findings = read_ledger(ledger_file(sheets))
    assert findings == []
    assert ledger.members[0].member_id == "M01"
    assert ledger.members[1].address1 == "テスト町1番"


def test_sheet_names_forgive_spaces_and_width(ledger_file):
    sheets = minimal()
    sheets["構成員 "] = sheets.pop("構成員")
    ledger, findings = read_ledger(ledger_file(sheets))
    assert len(ledger.members) == 8


def test_blank_rows_and_trailing_rows_are_skipped(ledger_file):
    sheets = minimal()
    rows = sheets["会議"]
    rows.insert(3, [None] * len(rows[0]))
    rows.insert(4, ["", "  ", None])
    rows.extend([[None], [None], ["", None, " "]])
    ledger, findings = read_ledger(ledger_file(sheets))
    assert findings == []
    assert [m.meeting_id for m in ledger.meetings] == ["K01", "K02", "K03", "K11", "K12", "K13"]
    assert ledger.meetings[2].row == 6


def test_vertically_merged_cells_fill_every_row(ledger_file):
    sheets = minimal()
    # Staff merge 協議体ID over the rows of one council.
    for i in (2, 3, 4):
        set_cell(sheets, "構成員", "協議体ID", i, None)

    def merge(wb):
        wb["構成員"].merge_cells("B2:B5")
        wb["構成員"].merge_cells("G2:H2")   # address merged across: not copied into メール

    ledger, findings = read_ledger(ledger_file(sheets, merge))
    assert [m.council_id for m in ledger.members[:4]] == ["C0"] * 4
    assert ledger.members[0].email == ""
    assert findings == []


def test_multi_line_cells_are_lists(ledger_file):
    sheets = minimal()
    set_cell(sheets, "会議", "議題", 1, "1. 近況報告\n2. 移動支援の検討\n")
    ledger, _ = read_ledger(ledger_file(sheets))
    assert ledger.meetings[0].agenda == ("近況報告", "移動支援の検討")


def test_value_forms_as_staff_type_them(ledger_file):
    sheets = minimal()
    set_cell(sheets, "会議", "開催日", 1, "R8.5.20")
    set_cell(sheets, "会議", "開催日", 2, "令和８年７月１５日")
    set_cell(sheets, "会議", "開催日", 3, 46281)               # serial for 2026-09-16
    set_cell(sheets, "会議", "開始時刻", 1, "午後2時")
    set_cell(sheets, "会議", "開始時刻", 2, "１４時")
    set_cell(sheets, "会議", "開始時刻", 3, dt.time(14, 0))
    set_cell(sheets, "構成員", "郵便番号", 2, "〒０９９－０１０１")
    ledger, findings = read_ledger(ledger_file(sheets))
    assert findings == []
    assert [m.date for m in ledger.meetings[:3]] == [D(2026, 5, 20), D(2026, 7, 15), D(2026, 9, 16)]
    assert {m.start for m in ledger.meetings[:3]} == {dt.time(14, 0)}
    assert ledger.members[1].postal_code == "0990101"


def test_formula_cells_read_by_cached_value_and_missing_value_is_a_finding(ledger_file, tmp_path):
    sheets = minimal()
    path = ledger_file(sheets, lambda wb: wb["会議"].__setitem__("C2", "=1+0"))
    # openpyxl writes formulas without a cached value: exactly the case staff hit
    # when a tool other than Excel saved the file.
    ledger, findings = read_ledger(path)
    assert keys(findings) == [("formula-no-value", "会議", "C2")]
    # With a cached value (as Excel saves it) the value is read.
    data = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        parts = {n: src.read(n) for n in src.namelist()}
    sheet_part = next(n for n, b in parts.items() if n.startswith("xl/worksheets/") and b"<f>" in b)
    parts[sheet_part] = parts[sheet_part].replace(b"<f>1+0</f><v></v>", b"<f>1+0</f><v>1</v>").replace(
        b"<f>1+0</f></c>", b"<f>1+0</f><v>1</v></c>")
    cached = tmp_path / "cached.xlsx"
    with zipfile.ZipFile(cached, "w") as out:
        for name, body in parts.items():
            out.writestr(name, body)
    ledger, findings = read_ledger(cached)
    assert findings == []
    assert ledger.meetings[0].number == 1


def test_value_findings_carry_their_cell(ledger_file):
    sheets = minimal()
    set_cell(sheets, "会議", "開催日", 1, "来月")
    set_cell(sheets, "会議", "開始時刻", 2, "25:00")
    set_cell(sheets, "会議", "場所", 3, None)
    set_cell(sheets, "構成員", "団体種別", 1, "町内会")
    set_cell(sheets, "構成員", "郵便番号", 2, 990101)
    set_cell(sheets, "構成員", "郵便番号", 3, "123-456")
    set_cell(sheets, "構成員", "メール", 3, "m03@")
    set_cell(sheets, "圏域", "層", 1, 3)
    _, findings = read_ledger(ledger_file(sheets))
    assert keys(findings) == [
        ("value-not-in-list", "圏域", "C2"),
        ("value-not-in-list", "構成員", "E2"),
        ("postal-code-number", "構成員", "F3"),
        ("postal-code-invalid", "構成員", "F4"),
        ("email-invalid", "構成員", "H4"),
        ("value-type", "会議", "D2"),
        ("value-type", "会議", "E3"),
        ("value-missing", "会議", "G4"),
    ]
    assert findings[0].message.startswith("層: 「3」は層として使えません")


def test_info_sheet_missing_items_and_values(ledger_file):
    sheets = minimal()
    sheets["基本情報"] = [["あおば町 基本情報"], ["項目", "値"], ["市町村名", ""], ["首長職名", "町長"],
                         ["首長氏名", "某"], ["担当課", "福祉課"], ["通知送付日数", "三十"]]
    ledger, findings = read_ledger(ledger_file(sheets))
    assert keys(findings) == [("value-missing", "基本情報", "B3"), ("value-type", "基本情報", "B7"),
                              ("value-missing", "基本情報", "")]
    assert "「電話」の行がありません" in findings[2].message


def test_info_sheet_without_header_reads_a_and_b(ledger_file):
    sheets = minimal()
    sheets["基本情報"] = sheets["基本情報"][1:] + [["通知送付日数", "４５日".replace("日", "")]]
    ledger, findings = read_ledger(ledger_file(sheets))
    assert findings == []
    assert ledger.info.notice_days == 45


def test_optional_sheets_may_be_missing(ledger_file):
    sheets = minimal()
    del sheets["地域ケア会議"]
    ledger, findings = read_ledger(ledger_file(sheets))
    assert findings == [] and ledger.care_conferences == []
    assert "地域ケア会議" not in ledger.sheets_present


def test_wrong_dimension_record_still_reads_every_row(ledger_file):
    # Some tools write <dimension ref="A1"/>; read-only openpyxl would stop there.
    path = ledger_file(minimal())
    data = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        parts = {n: src.read(n) for n in src.namelist()}
    for name, body in parts.items():
        if name.startswith("xl/worksheets/"):
            import re
            parts[name] = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1"/>', body)
    with zipfile.ZipFile(path, "w") as out:
        for name, body in parts.items():
            out.writestr(name, body)
    ledger, _ = read_ledger(path)
    assert len(ledger.meetings) == 6


# --- files that cannot be read ----------------------------------------------------

def fatal(path, password=None):
    with pytest.raises(LedgerError) as info:
        read_ledger(path, password)
    return info.value


def test_missing_file_and_directory(tmp_path):
    err = fatal(tmp_path / "ない.xlsx")
    assert err.code == "file-unreadable" and "見つかりません" in err.message
    err = fatal(tmp_path)
    assert "フォルダです" in err.message


def test_empty_file(tmp_path):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    assert "空（0バイト）" in fatal(path).message


def test_csv_renamed_to_xlsx(tmp_path):
    path = tmp_path / "台帳.xlsx"
    path.write_text("構成員ID,氏名\nM01,山田\n", encoding="cp932")
    assert "CSV" in fatal(path).message


def test_old_xls_renamed(tmp_path):
    path = tmp_path / "old.xlsx"
    # The compound-file header every .xls starts with, and nothing an encrypted xlsx holds.
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024)
    assert ".xls" in fatal(path).message


def test_truncated_xlsx(tmp_path, ledger_file):
    data = ledger_file().read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) // 2])
    assert "壊れているか途中で切れて" in fatal(path).message


def test_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "doc.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml", "<w/>")
    assert "Excel ブックではありません" in fatal(path).message


def test_corrupt_sheet_part(tmp_path, ledger_file):
    src = ledger_file()
    path = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(path, "w") as b:
        for name in a.namelist():
            body = a.read(name)
            if name == "xl/worksheets/sheet5.xml":
                body = body[:200]
            b.writestr(name, body)
    assert fatal(path).code == "file-unreadable"


def _encrypt(plain, out, password):
    from msoffcrypto.format.ooxml import OOXMLFile

    with open(plain, "rb") as f, open(out, "wb") as g:
        OOXMLFile(f).encrypt(password, g)
    return out


def test_password_protected(tmp_path, ledger_file):
    path = _encrypt(ledger_file(), tmp_path / "locked.xlsx", "aoba2026")
    assert "パスワードで保護" in fatal(path).message
    assert "パスワードが違います" in fatal(path, "wrong").message
    ledger, findings = read_ledger(path, "aoba2026")
    assert ledger.info.municipality == "テスト町" and findings == []


def test_missing_required_sheets_in_one_message(ledger_file):
    sheets = minimal()
    del sheets["会議"], sheets["圏域"]
    err = fatal(ledger_file(sheets))
    assert err.code == "sheet-missing"
    assert "必須シート「圏域」「会議」がありません" in err.message


def test_missing_required_columns(ledger_file):
    sheets = minimal()
    for row in sheets["構成員"]:
        del row[8], row[4]     # 送付方法, 団体種別
    err = fatal(ledger_file(sheets))
    assert err.code == "column-missing"
    assert "「構成員」シートに必須列「団体種別」「送付方法」がありません" in err.message


@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/worksheets/sheet5.xml"])
def test_entity_expansion_is_refused(tmp_path, ledger_file, part):
    """A 'billion laughs' DOCTYPE in a workbook part: refused, never expanded."""
    doctype = (b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
               + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                          for i in range(1, 10))
               + b"]>")
    src = ledger_file()
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(path, "w") as b:
        for name in a.namelist():
            body = a.read(name)
            if name == part:
                head, sep, rest = body.partition(b"?>")
                body = head + sep + doctype + rest if sep else doctype + body
            b.writestr(name, body)
    err = fatal(path)
    assert err.code == "file-unreadable"
    assert "安全でない XML" in err.message


def test_sample_ledger_reads_cleanly():
    ledger, findings = read_ledger(SAMPLE)
    assert [f for f in findings if f.severity == "error"] == []
    assert len(ledger.members) >= 60
    assert {m.delivery for m in ledger.members} == {"郵送", "メール", "手渡し", "不要"}
    from generator.ledger.schema import ORG_KINDS
    assert {m.org_kind for m in ledger.members} == set(ORG_KINDS)
    months = {(m.date.year, m.date.month) for m in ledger.meetings}
    assert {(2026, 12), (2027, 1)} <= months
