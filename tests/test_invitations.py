"""`sasaeai invitations` on the sample ledger and on ledgers built to go wrong."""
import hashlib
import re
import shutil
import subprocess

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import D, SAMPLE, minimal, set_cell
from docx import Document
from docx_tools import docx_text, part_xml

from generator.cli import main
from generator.ledger.reader import read_ledger
from generator.render.output import safe_filename


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def tree_digest(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def december(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    result = run("invitations", SAMPLE, "--month", "2026-12", "--out", out)
    assert result.exit_code == 0, result.output
    return out, result.output


@pytest.fixture(scope="module")
def sample():
    return read_ledger(SAMPLE)[0]


def recipients_of(ledger, council_id, day):
    return [m for m in ledger.members if m.council_id == council_id and m.delivery != "不要"
            and m.in_office_on(day)]


def test_one_folder_per_meeting_and_a_letter_per_recipient(december, sample):
    out, output = december
    folders = sorted(p.name for p in out.iterdir())
    assert folders == ["C2-04_北部ささえあい会議_第4回", "C3-02_南部たすけあい会議_第2回", "C4-05_東部ふれあい協議体_第5回"]
    for folder, council, day in zip(folders, ("C2", "C3", "C4"), (D(2026, 12, 2), D(2026, 12, 16), D(2026, 12, 23))):
        expected = recipients_of(sample, council, day)
        letters = sorted((out / folder / "通知").iterdir())
        assert [p.name.split("_")[1] for p in letters] == [m.member_id for m in expected]
    assert "合計: 会議 3 件のうち作成 3 件・見送り 0 件、通知 31 通" in output


def test_members_not_in_office_or_not_posted_get_no_letter(sample, tmp_path):
    # C2's member 11 joined on 2026-10-01: in office for December, so a letter;
    # in the 2026-10-07 meeting too. A 不要 member never gets one.
    result = run("invitations", SAMPLE, "--meeting", "C1-05", "--out", tmp_path)
    assert result.exit_code == 0
    names = [p.name for p in (tmp_path / "C1-05_中央地区支え合い会議_第5回" / "通知").iterdir()]
    left = next(m for m in sample.members if m.member_id == "M112")     # left 2026-09-30
    assert left.end == D(2026, 9, 30) and not any("M112" in n for n in names)
    unneeded = [m.member_id for m in sample.members if m.council_id == "C1" and m.delivery == "不要"]
    assert unneeded and not any(any(u in n for u in unneeded) for n in names)


def letter_lines(folder, member_id):
    path = next((folder / "通知").glob(f"*_{member_id}_*.docx"))
    return docx_text(path.read_bytes())


def test_letter_text(december, sample):
    out, _ = december
    member = recipients_of(sample, "C4", D(2026, 12, 23))[0]
    text = letter_lines(out / "C4-05_東部ふれあい協議体_第5回", member.member_id)
    page1 = text[: text.index("（返信先）東野自治会連合会　生活支援コーディネーター　東 花子　行")]
    assert page1[0] == "令和8年11月20日"                      # 11/23 is a holiday: posted 11/20
    assert f"〒{member.postal_code[:3]}-{member.postal_code[3:]}" in page1
    assert member.address1 in page1
    assert f"{member.org} {member.position}" in page1
    assert f"{member.name}　様" in page1
    assert "第5回 東部ふれあい協議体の開催について（通知）" in page1
    assert page1[page1.index("第5回 東部ふれあい協議体の開催について（通知）") + 2].startswith("拝啓　晩秋の候、")
    notes = page1[page1.index("記") + 1: page1.index("以上")]
    assert [t for t in notes if t] == [
        "１", "日時", "令和8年12月23日（水）　午後2時～午後3時30分",
        "２", "場所", "東野会館", "（あおば町東野47番地）",
        "３", "議題", "（1）多世代交流イベントの振り返り", "（2）冬の見守り",
        "４", "持ち物", "筆記用具",
        # 10 days before 12/23 is Sunday 12/13: the answer is due the Friday before.
        "５", "出欠の回答", "令和8年12月11日（金）までに、別紙「出欠回答票」でご回答ください。"]
    assert page1.index("敬具") < page1.index("記") < page1.index("以上")
    assert not any("ご案内が遅くなり" in t for t in page1)
    page2 = text[len(page1):]
    assert "出欠回答票" in page2 and member.name in page2
    assert "令和8年12月11日（金）までに、メールまたは持参でご回答ください。" in page2


def test_second_layer_letter_default_sender_and_area_sc(december):
    # 東部 has no 発信者 and no 問い合わせ先SC_ID: its 事務局 sends, its area's SC answers (§4.1).
    out, _ = december
    text = letter_lines(out / "C4-05_東部ふれあい協議体_第5回", "M401")
    page1 = text[: text.index("出欠回答票")]
    assert "東部ふれあい協議体　事務局（東野自治会連合会）" in page1
    assert "（公印省略）" not in text and not any(t.startswith("あ福第") for t in text)
    assert not any("あおば町長" in t for t in text)
    assert "日頃よりあおば町の地域づくりにご理解とご協力を賜り" in "".join(page1)   # not 「本町」
    box = page1[page1.index("【問い合わせ先】"):]
    assert box[:5] == ["【問い合わせ先】", "東野自治会連合会", "担当：生活支援コーディネーター　東 花子",
                       "電話：0123-45-7005", "メール：sc06@town-aoba.example"]
    assert "返信先：東野自治会連合会（担当：生活支援コーディネーター　東 花子）" in text
    assert "電話：0123-45-7005　メール：sc06@town-aoba.example" in text


def test_second_layer_letter_with_its_own_sender(tmp_path):
    # 北部 writes in its 発信者's name; its SC changed on 10/1, and the letter of 1/4 names the new one.
    assert run("invitations", SAMPLE, "--meeting", "C2-05", "--out", tmp_path).exit_code == 0
    text = letter_lines(tmp_path / "C2-05_北部ささえあい会議_第5回", "M201")
    assert text[0] == "令和9年1月4日"
    sender_at = text.index("あおば町社会福祉協議会　会長　松岡 誠一")
    assert text[sender_at - 2].endswith("　様") and text[sender_at + 2].startswith("第5回 北部ささえあい会議")
    assert "（公印省略）" not in text and not any(t.startswith("あ福第") for t in text)
    assert "担当：生活支援コーディネーター　若松 里美" in text and "山辺 千尋" not in "".join(text)
    assert "（返信先）あおば町社会福祉協議会　生活支援コーディネーター　若松 里美　行" in text


def test_first_layer_letter_is_the_mayors_with_the_department_as_contact(december, sample):
    out, _ = december
    run_out = out.parent / "c0"
    assert run("invitations", SAMPLE, "--meeting", "C0-05", "--out", run_out).exit_code == 0
    text = letter_lines(run_out / "C0-05_あおば町支え合い推進会議_第5回", "M001")
    assert text[:2] == ["あ福第1204号", "令和8年12月21日"]
    assert "あおば町長　青葉 太一" in text and "（公印省略）" in text
    assert "日頃より本町の地域づくりにご理解とご協力を賜り" in "".join(text)
    box = text[text.index("【問い合わせ先】"):]
    assert box[1:5] == ["あおば町役場 福祉課 高齢者支援係", "担当：支倉 みのり", "電話：0123-45-6789　FAX：0123-45-6790",
                        "メール：shien@town-aoba.example"]
    assert "（返信先）あおば町役場 福祉課 高齢者支援係　行" in text
    assert any("FAX・メール・郵送または持参でご回答ください。" in t for t in text)


def test_organisation_rsvp_asks_for_organisation_and_attendee(tmp_path):
    assert run("invitations", SAMPLE, "--meeting", "C1-05", "--out", tmp_path).exit_code == 0
    text = letter_lines(tmp_path / "C1-05_中央地区支え合い会議_第5回", "M113")
    form = text[text.index("出欠回答票"):]
    assert form[form.index("団　体　名") + 1] == "あおば駅前商店会"
    assert "ご出席者\n（職・氏名）" in form
    assert "□ 出席　　　□ 欠席" in form
    assert not any("代理" in t for t in form) and "氏　　名" not in form
    # 中央 names its SC (問い合わせ先SC_ID), and the form goes back to her office.
    assert "（返信先）あおば町地域包括支援センター　生活支援コーディネーター　北村 健　行" in text
    person = letter_lines(tmp_path / "C1-05_中央地区支え合い会議_第5回", "M101")
    assert "氏　　名" in person and "□ 出席　　　□ 欠席　　　□ 代理出席" in person
    assert "中央地区支え合い会議　事務局（あおば町地域包括支援センター）" in person


def test_second_layer_without_secretariat_falls_back_to_the_mayor_and_department(ledger_file, tmp_path):
    sheets = minimal()
    set_cell(sheets, "協議体", "事務局", 2, "")          # C1 (第2層) without 事務局 or 発信者
    set_cell(sheets, "生活支援コーディネーター", "終了日", 2, D(2026, 6, 30))   # its SC left: no SC in office
    path = ledger_file(sheets)
    assert run("invitations", path, "--meeting", "K13", "--out", tmp_path / "out").exit_code == 0
    text = letter_lines(tmp_path / "out" / "K13_北の会議_第3回", "M11")
    assert "テスト町長　試験 一郎" in text and "（公印省略）" in text
    assert "【問い合わせ先】" in text and text[text.index("【問い合わせ先】") + 1] == "福祉課"


def test_organisation_is_addressed_with_onchu_only(sample, tmp_path):
    assert run("invitations", SAMPLE, "--meeting", "C1-05", "--out", tmp_path).exit_code == 0
    path = next((tmp_path / "C1-05_中央地区支え合い会議_第5回" / "通知").glob("*_M113_*.docx"))
    text = docx_text(path.read_bytes())
    assert "あおば駅前商店会　御中" in text
    assert not any("御中" in t and "様" in t for t in text)


def test_page_setup_is_a4_with_eastasia_fonts(december):
    out, _ = december
    path = next((out / "C4-05_東部ふれあい協議体_第5回" / "通知").iterdir())
    doc = Document(path)
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    styles = part_xml(path.read_bytes(), "word/styles.xml")
    assert re.search(r'<w:style w:type="paragraph" w:default="1" w:styleId="Normal">.*?w:eastAsia="ＭＳ 明朝"',
                     styles, re.S)


def test_combined_print_file_holds_the_paper_letters(december, sample):
    out, _ = december
    folder = out / "C4-05_東部ふれあい協議体_第5回"
    data = (folder / "印刷用_通知一式.docx").read_bytes()
    paper = [m for m in recipients_of(sample, "C4", D(2026, 12, 23)) if m.delivery in ("郵送", "手渡し")]
    text = docx_text(data)
    assert [t for t in text if t.endswith("　様") and t[:-2] in {m.name for m in paper}] == \
        [f"{m.name}　様" for m in paper]
    # every letter after the first starts a page, and every RSVP form does
    assert part_xml(data).count("<w:pageBreakBefore/>") == (len(paper) - 1) + len(paper)


def test_labels_on_the_12_up_grid(december, sample):
    out, _ = december
    data = (out / "C4-05_東部ふれあい協議体_第5回" / "宛名ラベル.docx").read_bytes()
    doc = Document(__import__("io").BytesIO(data))
    section = doc.sections[0]
    assert round(section.top_margin.mm, 1) == 21.2 and round(section.left_margin.mm, 1) == 18.6
    table = doc.tables[0]
    posted = [m for m in recipients_of(sample, "C4", D(2026, 12, 23)) if m.delivery == "郵送"]
    assert len(table.rows) == (len(posted) + 1) // 2
    assert {round(r.height.mm, 1) for r in table.rows} == {42.3}
    xml = part_xml(data)
    assert xml.count('<w:gridCol w:w="4898"/>') == 2           # 86.4 mm in twips
    names = [t for t in docx_text(data) if t.endswith("様")]
    assert names == [f"{m.name}　様" for m in posted]


def test_sendlist(december, sample):
    out, _ = december
    folder = out / "C4-05_東部ふれあい協議体_第5回"
    ws = openpyxl.load_workbook(folder / "送付リスト.xlsx").active
    assert [c.value for c in ws[3]] == ["No", "宛名", "所属団体・役職", "送付方法", "郵便番号", "住所", "メールアドレス",
                                        "発送済", "回答", "回答日", "備考", "構成員ID", "ファイル名"]
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    expected = recipients_of(sample, "C4", D(2026, 12, 23))
    assert [r[11] for r in rows] == [m.member_id for m in expected]
    assert [r[3] for r in rows] == [m.delivery for m in expected]
    for row in rows:
        assert (folder / row[12]).exists()
        if row[3] == "メール":
            assert "@" in row[6]
        if row[3] == "郵送":
            assert row[4].startswith("〒") and row[5]
    assert [r[8] for r in rows] == [None] * len(rows)         # nobody has answered a future meeting yet
    # Printed: one landscape A4 wide, 構成員ID and ファイル名 kept out; every cell wraps at 10 pt.
    assert ws.print_area == "'送付リスト'!$A$1:$K$" + str(ws.max_row)
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert {ws.cell(r, c).alignment.wrap_text for r in range(4, ws.max_row + 1) for c in range(1, 12)} == {True}
    assert {ws.cell(r, c).font.sz for r in range(3, ws.max_row + 1) for c in range(1, 12)} == {10}


def test_sendlist_shows_answers_from_the_ledger(ledger_file, tmp_path):
    sheets = minimal()
    sheets["出欠"] = [["会議ID", "構成員ID", "出欠", "回答日"],
                      ["K13", "M11", "出席", D(2026, 8, 28)], ["K13", "M12", "欠席", None]]
    assert run("invitations", ledger_file(sheets), "--meeting", "K13", "--out", tmp_path / "out").exit_code == 0
    ws = openpyxl.load_workbook(tmp_path / "out" / "K13_北の会議_第3回" / "送付リスト.xlsx").active
    answers = {r[11]: (r[8], r[9]) for r in ws.iter_rows(min_row=4, values_only=True)}
    assert answers == {"M11": ("出席", __import__("datetime").datetime(2026, 8, 28)), "M12": ("欠席", None),
                       "M13": (None, None), "M14": (None, None)}


def test_rerun_gives_the_same_bytes(december, tmp_path):
    out, _ = december
    assert run("invitations", SAMPLE, "--month", "2026-12", "--out", tmp_path).exit_code == 0
    assert tree_digest(tmp_path) == tree_digest(out)
    assert not list(tmp_path.rglob("*.tmp"))


def test_meeting_with_errors_is_skipped_others_are_made(ledger_file, tmp_path):
    s = minimal()
    set_cell(s, "構成員", "郵便番号", 2, 990101)          # a C0 member: C0's mailing stops
    set_cell(s, "会議", "開催日", 4, D(2026, 5, 19))      # C1 meets in May too
    out = tmp_path / "out"
    result = run("invitations", ledger_file(s), "--month", "2026-05", "--out", out)
    assert result.exit_code == 1
    assert "第1回 町の会議（令和8年5月20日（水））: 台帳のエラーのため作成しません" in result.output
    assert "  エラー  構成員!F3  郵便番号" in result.output
    assert "第1回 北の会議（令和8年5月19日（火））: 通知 4 通" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["K11_北の会議_第1回"]


def test_cancelled_meeting_gets_no_letters(tmp_path):
    result = run("invitations", SAMPLE, "--meeting", "C3-X", "--out", tmp_path)
    assert result.exit_code == 0
    assert "中止のため作成しません" in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args, message", [
    (["--month", "2026-13"], "YYYY-MM"),
    (["--meeting", "NOPE"], "会議ID「NOPE」"),
    ([], "--meeting か --month"),
    (["--meeting", "C0-01", "--month", "2026-12"], "--meeting か --month"),
])
def test_option_errors(tmp_path, args, message):
    result = run("invitations", SAMPLE, *args, "--out", tmp_path)
    assert result.exit_code == 2 and message in result.output


@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd", "___.._etc_passwd"),
    ('青木:一郎*?"<>|', "青木_一郎______"),
    ("CON", "_CON"),
    ("nul.txt", "_nul.txt"),
    ("名前. ", "名前"),
    ("..", "_"),
    ("", "_"),
])
def test_safe_filenames(name, expected):
    # A name that had to change carries a short hash of the original, so it stays unique.
    tag = hashlib.sha256(name.encode("utf-8")).hexdigest()[:6]
    assert safe_filename(name) == f"{expected}~{tag}"
    assert safe_filename("第1回_町の会議") == "第1回_町の会議"


def test_hostile_names_stay_inside_the_output_folder(ledger_file, tmp_path):
    s = minimal()
    set_cell(s, "構成員", "氏名", 2, "../../逃げる/CON")
    set_cell(s, "協議体", "名称", 1, "..\\..\\外")
    out = tmp_path / "out"
    result = run("invitations", ledger_file(s), "--meeting", "K01", "--out", out)
    assert result.exit_code == 0, result.output
    made = [p for p in tmp_path.rglob("*.docx")]
    assert made and all(out in p.parents for p in made)


def test_templates_export_edit_and_check(tmp_path):
    folder = tmp_path / "mine"
    assert run("templates", "export", folder).exit_code == 0
    assert sorted(p.name for p in folder.iterdir()) == ["agenda.docx", "annual_report.docx", "appointment.docx",
                                                        "handover.docx", "invitation.docx", "labels.docx", "mail.txt",
                                                        "mail_summary.txt", "meeting_summary.docx", "member_list.docx",
                                                        "minutes.docx", "nameplates.docx", "newsletter.docx",
                                                        "roster.docx"]
    assert run("templates", "export", folder).exit_code == 2         # no silent overwrite
    result = run("templates", "check", folder)
    assert result.exit_code == 0 and "問題ありません" in result.output
    doc = Document(folder / "invitation.docx")
    doc.add_paragraph("{{ meeting.dat }} {{ chairman }}")
    doc.save(folder / "invitation.docx")
    result = run("templates", "check", folder)
    assert result.exit_code == 1
    assert "使えない変数 chairman、meeting.dat" in result.output
    assert "meeting.date" in result.output                          # lists what exists
    # §4.1's variables are known: sender, contact and the organisation's form.
    doc = Document(folder / "invitation.docx")
    doc.add_paragraph("{{ sender.line }}{% if sender.is_mayor and late %}{{ contact.role }}{{ contact.reply_ways }}"
                      "{% endif %}{% if recipient.organisation and contact.is_coordinator %}{% endif %}")
    doc.save(folder / "invitation.docx")
    result = run("templates", "check", folder)
    assert "使えない変数 chairman、meeting.dat" in result.output and "sender.line" in result.output


def test_edited_template_is_used(tmp_path):
    folder = tmp_path / "mine"
    run("templates", "export", folder)
    doc = Document(folder / "invitation.docx")
    doc.paragraphs[0].insert_paragraph_before("【編集済み】{{ meeting.council }}")
    doc.save(folder / "invitation.docx")
    out = tmp_path / "out"
    assert run("invitations", SAMPLE, "--meeting", "C4-05", "--out", out, "--templates", folder).exit_code == 0
    letter = next((out / "C4-05_東部ふれあい協議体_第5回" / "通知").iterdir())
    assert docx_text(letter.read_bytes())[0] == "【編集済み】東部ふれあい協議体"


soffice = shutil.which("soffice")


@pytest.mark.skipif(soffice is None, reason="LibreOffice is installed by .ci/run")
def test_letter_is_one_page_and_rsvp_one_page_when_printed(december, tmp_path):
    out, _ = december
    folder = out / "C4-05_東部ふれあい協議体_第5回"
    letter = next((folder / "通知").iterdir())
    # A private profile: with the shared one, a LibreOffice already running elsewhere takes the job and
    # this call returns at once without a PDF.
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(letter),
                    str(folder / "宛名ラベル.docx")], check=True, capture_output=True, timeout=180)
    pdf = tmp_path / (letter.stem + ".pdf")
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) == 2
    assert "開催について（通知）" in pages[0] and "以上" in pages[0] and "（返信先）" not in pages[0]
    assert "（返信先）" in pages[1] and "出欠回答票" in pages[1]
    labels = subprocess.run(["pdftotext", str(tmp_path / "宛名ラベル.pdf"), "-"], capture_output=True,
                            text=True, check=True).stdout.split("\f")
    assert len([p for p in labels if p.strip()]) == 1          # six posted: one sheet of 12


def pdf_words(pdf):
    """(text, xMin, yMin, yMax) of every word pdftotext -bbox finds, in reading order."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [(m.group(5), float(m.group(1)), float(m.group(2)), float(m.group(4)))
            for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
                                 html)]


@pytest.mark.skipif(soffice is None, reason="LibreOffice is not installed")
def test_note_values_start_at_the_same_x_on_paper(tmp_path):
    # C3-02's 出欠の回答 is the longest label; 持ち物 used to be spaced with ASCII spaces and sat 5 pt off.
    assert run("invitations", SAMPLE, "--meeting", "C3-02", "--out", tmp_path / "out").exit_code == 0
    letter = next((tmp_path / "out" / "C3-02_南部たすけあい会議_第2回" / "通知").iterdir())
    subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(letter)],
                   check=True, capture_output=True, timeout=180)
    words = pdf_words(tmp_path / (letter.stem + ".pdf"))
    starts = {}
    for number, label in zip("１２３４５", ("日時", "場所", "議題", "持ち物", "出欠の回答")):
        head = next(w for w in words if w[0] == number)
        line = sorted((w for w in words if abs(w[2] - head[2]) < 1 and w[1] > head[1]), key=lambda w: w[1])
        spelled = ""
        while spelled != label:            # the label's characters, however the PDF splits them
            spelled += line.pop(0)[0]
        value = line[0] if line else next(w for w in words if w[2] > head[2] + 1)   # 議題: items on the next line
        starts[label] = value[1]
    assert max(starts.values()) - min(starts.values()) <= 1.0, starts


def test_label_name_is_14pt_and_larger_than_the_address(december):
    out, _ = december
    xml = part_xml((out / "C4-05_東部ふれあい協議体_第5回" / "宛名ラベル.docx").read_bytes())
    sizes = {}
    for paragraph in re.findall(r"<w:p[ >].*?</w:p>", xml, re.S):
        text = "".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", paragraph))
        size = re.search(r'<w:sz w:val="(\d+)"/>', paragraph)
        sizes[text] = int(size.group(1)) / 2 if size else 10.5      # Normal is 10.5 pt
    names = [t for t in sizes if t.endswith("　様")]
    addresses = [t for t in sizes if t.startswith("あおば町")]
    assert names and addresses
    assert {sizes[t] for t in names} == {14} and {sizes[t] for t in addresses} == {10.5}


def test_label_start_leaves_used_labels_blank(tmp_path, sample):
    assert run("invitations", SAMPLE, "--meeting", "C4-05", "--out", tmp_path, "--label-start", 4).exit_code == 0
    doc = Document(tmp_path / "C4-05_東部ふれあい協議体_第5回" / "宛名ラベル.docx")
    cells = [cell.text.strip() for row in doc.tables[0].rows for cell in row.cells]
    posted = [m for m in recipients_of(sample, "C4", D(2026, 12, 23)) if m.delivery == "郵送"]
    assert cells[:3] == ["", "", ""]
    assert [c.splitlines()[-1] for c in cells[3:3 + len(posted)]] == [f"{m.name}　様" for m in posted]


@pytest.mark.parametrize("start", [0, 13])
def test_label_start_out_of_range(tmp_path, start):
    result = run("invitations", SAMPLE, "--meeting", "C4-05", "--out", tmp_path, "--label-start", start)
    assert result.exit_code == 2
    assert f"--label-start は 1〜12（A4 12面シートの何枚目のラベルから印刷するか）で指定してください。指定された値: {start}" \
        in result.output
    assert not list(tmp_path.iterdir())


@pytest.mark.skipif(soffice is None, reason="LibreOffice is not installed")
def test_sendlist_prints_on_one_landscape_page_at_10pt(december, tmp_path):
    out, _ = december
    source = out / "C4-05_東部ふれあい協議体_第5回" / "送付リスト.xlsx"
    subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                   capture_output=True, timeout=180)
    pdf = tmp_path / "送付リスト.pdf"
    if not pdf.exists():
        pytest.skip("LibreOffice Calc is not installed")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+1\n", info) and "841.89 x 595.3" in info        # one A4, landscape
    words = pdf_words(pdf)
    assert not any(w[0] in ("構成員ID", "ファイル名") or w[0].startswith("通知/") for w in words)
    no = next(w for w in words if w[0] == "No")
    first = next(w for w in words if w[2] > no[3] and w[0].endswith("様") is False and len(w[0]) >= 2
                 and all(ord(c) > 0x2E7F for c in w[0]))
    assert first[3] - first[2] >= 9 * 1.2              # a line box of 10 pt text, not shrunk below 9 pt


def test_a_typed_reply_deadline_too_close_to_a_late_letter_is_moved():
    import datetime as dt

    from generator.ledger.model import Info, Meeting
    from generator.render.context import reply_date

    meeting = Meeting(meeting_id="K", date=dt.date(2027, 1, 20), reply_by=dt.date(2027, 1, 8))
    # Posted on time, the typed date stands; posted late on 1/4, it would leave 4 days: a week instead
    # (1/11 is 成人の日, so the first office day after a week is 1/12).
    assert reply_date(Info(), meeting) == dt.date(2027, 1, 8)
    assert reply_date(Info(), meeting, posted=dt.date(2026, 12, 18)) == dt.date(2027, 1, 8)
    assert reply_date(Info(), meeting, posted=dt.date(2027, 1, 4)) == dt.date(2027, 1, 12)
