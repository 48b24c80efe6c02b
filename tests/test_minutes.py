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
    assert result.exit_code == 0, result.output
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
