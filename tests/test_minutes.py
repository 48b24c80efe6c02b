"""議事録: filled from 協議記録 and 出欠 where they exist, ruled space where not."""
import pytest
from click.testing import CliRunner
from conftest import D, SAMPLE, add_column, minimal, set_cell
from docx_tools import docx_text, part_xml

from generator.cli import main
from generator.documents.base import load_template
from generator.documents.minutes import MINUTES_TEMPLATE, TYPE, proxy_name
from generator.ledger.reader import read_ledger


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def november(tmp_path_factory):
    out = tmp_path_factory.mktemp("minutes")
    result = run("minutes", SAMPLE, "--month", "2026-11", "--out", out)
    # C1-04's 出欠 names M112, who left on 9/30: an error that stops that meeting's minutes.
    assert result.exit_code == 1, result.output
    assert "出欠!B116" in result.output and "attendance-not-in-office" in result.output
    return out


@pytest.fixture(scope="module")
def sample():
    return read_ledger(SAMPLE)[0]


def text_of(folder, meeting_id):
    path = next(folder.glob(f"議事録_{meeting_id}_*.docx"))
    return docx_text(path.read_bytes()), path


def section(text, first, after):
    """The paragraphs from heading `first` up to (not including) heading `after`."""
    return text[text.index(first):text.index(after)]


def test_minutes_with_records_and_attendance(november, sample):
    text, _ = text_of(november, "C0-04")
    assert text[0] == "第4回 あおば町支え合い推進会議 議事録"
    assert "令和8年11月18日（水）　午後2時～午後4時" in text
    answers = [a for a in sample.attendance if a.meeting_id == "C0-04"]
    present = sum(a.answer == "出席" for a in answers)
    proxy = sum(a.answer == "代理出席" for a in answers)
    absent = sum(a.answer == "欠席" for a in answers)
    assert f"出席 {present} 名、代理出席 {proxy} 名、欠席 {absent} 名" in text
    sc = next(sc for sc in sample.coordinators if sc.sc_id == "SC01")
    assert any(sc.name in t and "福祉課 高齢者支援係" in t for t in text)
    # the sample's staff typed 「代理 中野」; the minutes say 「（代理：中野 様）」
    proxies = [a.proxy for a in answers if a.answer == "代理出席"]
    assert proxies and all(p.startswith("代理 ") for p in proxies)
    proxy_line = next(t for t in text if t.startswith("代理出席："))
    assert [f"（代理：{p.removeprefix('代理 ')} 様）" in proxy_line for p in proxies] == [True] * len(proxies)
    assert "代理 " not in proxy_line
    # the chair (M001) was absent and C0 has no 副座長 present
    chair = sample.member("M001")
    assert text[text.index("座　長") + 1] == f"{chair.name}（欠席）"
    opinions = [(a, sample.member(a.member_id)) for a in answers if a.opinion]
    assert opinions
    start = text.index("出欠回答票に書かれた意見：")
    assert text[start + 1:start + 1 + len(opinions)] == [f"・{a.opinion}（{m.name}）" for a, m in opinions]
    # 1: the vision and the previous meeting (C0-03 had no records)
    assert f"目指す地域像：{sample.info.vision}" in text
    assert "前回 第3回（令和8年9月16日（水））の決定事項：" in text
    assert "・北部ではSCが交代し、新任SCの紹介を兼ねて各自治会を回った" in text
    # 3: 協議内容 and 決定事項 under their 議題 (議題番号 in the sample)
    assert [t for t in section(text, "３　協議", "４　地域課題・地域資源・アイデア") if t] == [
        "３　協議",
        "（1）移動支援モデル事業の検討",
        "・移動支援モデル事業の対象地区と運行日を検討した",
        "・北部地区は通院の多い火曜日と金曜日の午前に運行する案が出された",
        "合意事項：",
        "・移動支援モデル事業は北部地区で1月から試行する",
        "（2）支え合いフォーラムの準備",
        "・フォーラムで第2層協議体の取組を紹介し、担い手を募ることを確認した",
        "合意事項：",
        "・フォーラムは令和9年1月9日（土）午後に保健センターで開く"]
    board = text.index("地域課題")
    assert text[board:board + 6] == ["地域課題", "地域資源", "アイデア",
                                     "中山間部でバス路線の廃止後に通院・買い物の手段がない",
                                     "あおば交通が空き時間の車両提供を検討できる",
                                     "サロンの送迎と買い物支援を組み合わせる"]
    # 5: the one decision without a 議題番号 stays, in the general part
    assert section(text, "５　合意事項", "６　継続検討")[2:] == [
        "議題番号のない合意事項：", "・次回の協議体で今年度の目標の中間点検を行う"]
    assert section(text, "６　継続検討", "７　宿題") == [
        "６　継続検討", "（無理にまとめず、出された考えを整理して次回の協議体につなげます）",
        "・フォーラムの参加費（無料とするか資料代をいただくか）は意見が分かれたため、各団体で意見を聞いて次回に持ち寄る"]
    homework = text.index("担当")
    assert text[homework:homework + 9] == ["担当", "内容", "期限",
                                           "森川（SC）", "試行ルートと協力ドライバーの案を作る", "令和8年12月18日（金）",
                                           "事務局", "フォーラムのチラシ案を作る", "令和8年12月11日（金）"]
    assert section(text, "８　次回開催予定", "ホワイトボード・模造紙の写真")[:5] == [
        "８　次回開催予定",
        "第5回 あおば町支え合い推進会議　令和9年1月20日（水）　午後2時～午後4時　あおば町役場 3階大会議室",
        "議題：", "（1）支え合いフォーラムの振り返り", "（2）令和9年度に向けた課題整理"]
    assert "記録者：＿＿＿＿＿＿＿＿＿＿＿＿　　座長確認：＿＿＿＿＿＿＿＿＿＿＿＿" in text
    assert "（写真を貼り付けてください）" in text


def test_minutes_without_records_give_checklist_and_ruled_space(sample, tmp_path):
    assert run("minutes", SAMPLE, "--meeting", "C0-05", "--out", tmp_path).exit_code == 0
    text, path = text_of(tmp_path, "C0-05")
    assert "（出欠の記録がないため、出席した方に✓を付けてください）" in text
    in_office = [m for m in sample.members if m.council_id == "C0" and m.in_office_on(D(2027, 1, 20))]
    names = [t for t in text if t in {m.name for m in in_office}]
    assert names == [m.name for m in in_office]
    # the previous meeting's decisions, what it left open, and its homework carried forward
    assert section(text, "前回 第4回（令和8年11月18日（水））の決定事項：", "２　近況報告（アイスブレイク）") == [
        "前回 第4回（令和8年11月18日（水））の決定事項：",
        "・移動支援モデル事業は北部地区で1月から試行する",
        "・フォーラムは令和9年1月9日（土）午後に保健センターで開く",
        "・次回の協議体で今年度の目標の中間点検を行う",
        "前回からの継続検討：",
        "・フォーラムの参加費（無料とするか資料代をいただくか）は意見が分かれたため、各団体で意見を聞いて次回に持ち寄る",
        "前回の宿題：",
        "・試行ルートと協力ドライバーの案を作る（森川（SC）、令和8年12月18日（金）まで）",
        "→ 結果：＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿",
        "・フォーラムのチラシ案を作る（事務局、令和8年12月11日（金）まで）",
        "→ 結果：＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿"]
    # nothing recorded: ruled lines to write on under each 議題 (dotted rules under empty rows)
    assert [t for t in section(text, "３　協議", "４　地域課題・地域資源・アイデア") if t] == [
        "３　協議", "（1）支え合いフォーラムの振り返り", "（2）令和9年度に向けた課題整理"]
    xml = part_xml(path.read_bytes())
    assert xml.count('w:val="dotted"') >= 2 * 4
    assert "第6回 あおば町支え合い推進会議　令和9年3月17日（水）　午後2時～午後4時　あおば町役場 3階大会議室" in text


def test_sample_homework_result_and_care_conference_issue(tmp_path):
    for meeting_id in ("C2-04", "C3-02"):
        assert run("minutes", SAMPLE, "--meeting", meeting_id, "--out", tmp_path).exit_code == 0
    text, _ = text_of(tmp_path, "C2-04")
    assert section(text, "前回の宿題：", "２　近況報告（アイスブレイク）") == [
        "前回の宿題：",
        "・会場候補の下見（若松（SC）、令和8年11月20日（金）まで）",
        "→ 結果：11月18日に下見し、若葉台コミュニティセンター和室を第1候補とした",
        "・立ち上げを手伝える住民への声かけ（自治会、令和8年11月30日（月）まで）",
        "→ 結果：＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿"]
    text, _ = text_of(tmp_path, "C3-02")
    assert [t for t in section(text, "３　協議", "（1）配食ボランティアの担い手募集")] == [
        "３　協議", "地域ケア会議から寄せられた地域課題：",
        "・令和8年9月10日（木）の地域ケア個別会議（南部地区）：介護者の相談先、配食の継続",
        "※この協議の結果は、地域ケア会議へ報告します。"]


def test_cancelled_meeting_gets_no_minutes(tmp_path):
    result = run("minutes", SAMPLE, "--meeting", "C3-X", "--out", tmp_path)
    assert result.exit_code == 0 and "中止のため議事録は作りません" in result.output
    assert list(tmp_path.iterdir()) == []


def test_last_meeting_has_no_next(tmp_path):
    assert run("minutes", SAMPLE, "--meeting", "C0-06", "--out", tmp_path).exit_code == 0
    text, _ = text_of(tmp_path, "C0-06")
    assert "令和　　年　　月　　日（　）　　時　　分～　　場所：" in text


# --- small ledgers built here, one point of issue #9 each ------------------------------------------

def ledger_with(sheets_change=None):
    """minimal() with 出欠 and 協議記録 sheets and two 議題 on K02; sheets_change(s) adds the test's rows."""
    s = minimal()
    set_cell(s, "会議", "議題", 2, "議題B\n議題B2")
    set_cell(s, "会議", "議題", 3, "議題C\n議題C2")
    s["出欠"] = [["会議ID", "構成員ID", "出欠", "代理者氏名", "意見"]]
    s["協議記録"] = [["会議ID", "区分", "議題番号", "内容", "担当", "期限", "結果"]]
    add_column(s, "構成員", "協議体での役割")
    if sheets_change:
        sheets_change(s)
    return s


def minutes_text(ledger_file, tmp_path, sheets, meeting_id="K02"):
    out = tmp_path / f"out_{meeting_id}"
    result = run("minutes", ledger_file(sheets), "--meeting", meeting_id, "--out", out)
    assert result.exit_code == 0, result.output
    return text_of(out, meeting_id)[0]


@pytest.mark.parametrize("typed, name", [
    ("代理 中野", "中野"), ("代理：中野様", "中野"), ("代理者　中野 様", "中野"), ("中野", "中野"),
    ("代理:中野 一子", "中野 一子"), (" 中野さま ", "中野"), ("代理", "")])
def test_proxy_name_drops_what_staff_typed_around_it(typed, name):
    assert proxy_name(typed) == name


def test_proxy_reads_dairi_name_sama(ledger_file, tmp_path):
    def change(s):
        s["出欠"] += [["K02", "M02", "代理出席", "代理 中野"], ["K02", "M03", "代理出席", ""],
                     ["K02", "M01", "出席", None]]
    text = minutes_text(ledger_file, tmp_path, ledger_with(change))
    # a proxy with no name typed is still counted, with no empty brackets
    assert "代理出席：社協 次郎（社協）（代理：中野 様）、老人 三郎（老人クラブ）" in text
    assert "出席 1 名、代理出席 2 名、欠席 0 名" in text


def test_care_conference_issue_opens_discussion_and_goes_back(ledger_file, tmp_path):
    def change(s):
        add_column(s, "地域ケア会議", "種類", ["推進"])
        add_column(s, "地域ケア会議", "抽出された地域課題", ["閉じこもりがちな男性の居場所\n買い物の手段"])
        add_column(s, "地域ケア会議", "協議体への反映", ["K02"])
        s["地域ケア会議"].append([D(2026, 6, 24), "A1", "有", "個別", "", "K02"])
    text = minutes_text(ledger_file, tmp_path, ledger_with(change))
    assert section(text, "３　協議", "（1）議題B") == [
        "３　協議", "地域ケア会議から寄せられた地域課題：",
        "・令和8年6月10日（水）の地域ケア推進会議（北地区）：閉じこもりがちな男性の居場所、買い物の手段",
        "・令和8年6月24日（水）の地域ケア個別会議（北地区）：（抽出された地域課題の記入なし）",
        "※この協議の結果は、地域ケア会議へ報告します。"]
    # only the meeting the issue was sent to
    other = minutes_text(ledger_file, tmp_path, ledger_with(change), "K03")
    assert "地域ケア会議から寄せられた地域課題：" not in other


def test_records_sit_under_their_agenda_item_and_the_rest_stays(ledger_file, tmp_path):
    def change(s):
        s["協議記録"] += [["K02", "協議内容", 2, "二つ目の話", None, None, None],
                       ["K02", "協議内容", 1, "一つ目の話", None, None, None],
                       ["K02", "協議内容", None, "番号なしの話", None, None, None],
                       ["K02", "協議内容", 5, "番号違いの話", None, None, None],
                       ["K02", "決定事項", 1, "一つ目の合意", None, None, None],
                       ["K02", "決定事項", 3, "番号違いの合意", None, None, None]]
    text = minutes_text(ledger_file, tmp_path, ledger_with(change))
    assert section(text, "３　協議", "４　地域課題・地域資源・アイデア") == [
        "３　協議",
        "（1）議題B", "・一つ目の話", "合意事項：", "・一つ目の合意",
        "（2）議題B2", "・二つ目の話",
        "議題番号のない協議内容：", "・番号なしの話", "・番号違いの話（議題番号 5 に当たる議題がありません）"]
    assert section(text, "５　合意事項", "６　継続検討") == [
        "５　合意事項", "（多数決ではなく、参加者全員が納得して合意した事項を記録します）",
        "議題番号のない合意事項：", "・番号違いの合意（議題番号 3 に当たる議題がありません）"]


def test_without_agenda_numbers_records_read_as_before(ledger_file, tmp_path):
    def change(s):
        s["協議記録"] = [["会議ID", "区分", "内容"], ["K02", "協議内容", "話したこと"], ["K02", "決定事項", "決めたこと"]]
    text = minutes_text(ledger_file, tmp_path, ledger_with(change))
    assert section(text, "３　協議", "４　地域課題・地域資源・アイデア") == [
        "３　協議", "（1）議題B", "（2）議題B2", "協議の内容：", "・話したこと"]
    assert section(text, "５　合意事項", "６　継続検討")[2:] == ["・決めたこと"]


def test_all_decisions_under_agenda_items_leave_a_pointer_in_agreements(ledger_file, tmp_path):
    def change(s):
        s["協議記録"].append(["K02", "決定事項", 2, "合意した", None, None, None])
    text = minutes_text(ledger_file, tmp_path, ledger_with(change))
    assert section(text, "５　合意事項", "６　継続検討")[2:] == ["各議題の「合意事項」のとおりです。"]


def test_pending_section_and_previous_homework_results(ledger_file, tmp_path):
    def change(s):
        s["協議記録"] += [["K01", "継続検討", None, "会費は次回も話す", None, None, None],
                       ["K01", "宿題", None, "会場を探す", "事務局", D(2026, 6, 30), "公民館に決まった"],
                       ["K01", "宿題", None, "名簿を直す", "SC", None, None],
                       ["K02", "継続検討", 1, "送迎の範囲はまとまらなかった", None, None, None]]
    text = minutes_text(ledger_file, tmp_path, ledger_with(change))
    assert section(text, "前回 第1回（令和8年5月20日（水））の決定事項：", "２　近況報告（アイスブレイク）") == [
        "前回 第1回（令和8年5月20日（水））の決定事項：",
        "前回からの継続検討：", "・会費は次回も話す",
        "前回の宿題：",
        "・会場を探す（事務局、令和8年6月30日（火）まで）", "→ 結果：公民館に決まった",
        "・名簿を直す（SC）", "→ 結果：＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿"]
    assert section(text, "６　継続検討", "７　宿題") == [
        "６　継続検討", "（無理にまとめず、出された考えを整理して次回の協議体につなげます）",
        "・送迎の範囲はまとまらなかった"]


def chair_row(text):
    return text[text.index("座　長") + 1]


def test_header_names_the_chair_and_the_vice_who_stood_in(ledger_file, tmp_path):
    def roles(s, answers):
        set_cell(s, "構成員", "協議体での役割", 1, "座長")
        set_cell(s, "構成員", "協議体での役割", 2, "副座長")
        s["出欠"] += [["K02", member, answer] for member, answer in answers]

    present = minutes_text(ledger_file, tmp_path, ledger_with(lambda s: roles(s, [("M01", "出席")])))
    assert chair_row(present) == "座長 花子"
    stood_in = minutes_text(ledger_file, tmp_path, ledger_with(
        lambda s: roles(s, [("M01", "欠席"), ("M02", "出席")])))
    assert chair_row(stood_in) == "座長 花子（欠席）／座長代行：副座長 社協 次郎"
    nobody = minutes_text(ledger_file, tmp_path, ledger_with(
        lambda s: roles(s, [("M01", "代理出席"), ("M02", "欠席")])))
    assert chair_row(nobody) == "座長 花子（欠席）"


def test_chair_found_by_role_when_no_chair_id(ledger_file, tmp_path):
    def change(s):
        set_cell(s, "協議体", "座長構成員ID", 1, None)
        set_cell(s, "構成員", "協議体での役割", 3, "座長")
    assert chair_row(minutes_text(ledger_file, tmp_path, ledger_with(change))) == "老人 三郎（老人クラブ）"


def test_chair_who_left_office_gives_way_to_the_role(ledger_file, tmp_path):
    def change(s):
        add_column(s, "構成員", "退任日")
        set_cell(s, "構成員", "退任日", 1, D(2026, 6, 30))
        set_cell(s, "構成員", "協議体での役割", 4, "座長")
    assert chair_row(minutes_text(ledger_file, tmp_path, ledger_with(change))) == "NPO 四郎（NPO）"


def test_next_agenda_opinions_and_sign_off(ledger_file, tmp_path):
    def change(s):
        s["出欠"] += [["K02", "M03", "欠席", None, "移動支援について聞きたい"], ["K02", "M02", "出席", None, "  "]]
    text = minutes_text(ledger_file, tmp_path, ledger_with(change))
    assert section(text, "出欠回答票に書かれた意見：", "１　目指す地域像と前回の振り返り") == [
        "出欠回答票に書かれた意見：", "・移動支援について聞きたい（老人 三郎）"]
    assert text[text.index("８　次回開催予定"):text.index("８　次回開催予定") + 5] == [
        "８　次回開催予定", "第3回 町の会議　令和8年9月16日（水）　午後2時～午後4時　役場",
        "議題：", "（1）議題C", "（2）議題C2"]
    assert "記録者：＿＿＿＿＿＿＿＿＿＿＿＿　　座長確認：＿＿＿＿＿＿＿＿＿＿＿＿" in text


def test_example_context_fills_every_part_of_the_template():
    context = TYPE.example_contexts()["minutes"]
    text = docx_text(load_template(MINUTES_TEMPLATE.filename).render(context))
    assert "例 花子（欠席）／座長代行：副座長 例 次郎" in text
    assert "代理出席：例 三郎（例社協）（代理：例 四郎 様）" in text
    assert "・令和8年11月11日（水）の地域ケア個別会議（例地区）：例の地域課題" in text
    assert ["（1）例", "・例の協議内容", "合意事項：", "・例の決定事項"] == text[text.index("（1）例"):text.index("（1）例") + 4]
    assert "→ 結果：例の結果" in text and "・例の継続検討" in text and "（1）次回の例" in text


def test_unreadable_agenda_number_stops_that_meeting_with_its_cell(ledger_file, tmp_path):
    def change(s):
        s["協議記録"].append(["K02", "協議内容", "一", "話したこと", None, None, None])
    result = run("minutes", ledger_file(ledger_with(change)), "--meeting", "K02", "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert "  エラー  協議記録!C2  議題番号: 「一」は整数ではありません（value-type）" in result.output.splitlines()
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_ledger_text_in_new_parts_is_printed_not_run(ledger_file, tmp_path):
    def change(s):
        s["出欠"].append(["K02", "M02", "代理出席", "代理 {{ title }}", "{% if true %}<w:p/>"])
        s["協議記録"].append(["K02", "継続検討", None, "{{ vision }} & <b>", None, None, None])
    text = minutes_text(ledger_file, tmp_path, ledger_with(change))
    assert "代理出席：社協 次郎（社協）（代理：{{ title }} 様）" in text
    assert "・{% if true %}<w:p/>（社協 次郎）" in text
    assert "・{{ vision }} & <b>" in text


def test_templates_check_knows_the_new_minutes_variables(tmp_path):
    from generator.documents.templates import check_templates, export

    export(tmp_path)
    minutes = next(c for c in check_templates(tmp_path) if c.name == "minutes")
    assert minutes.unknown == []
    assert {"chair.text", "opinions", "care[].source", "care[].issues", "agenda_items[].discussion[].content",
            "general.decisions", "agreed_in_items", "pending", "previous.pending", "previous.homework[].result",
            "next.agenda"} <= set(minutes.available)
