"""議事録: filled from 協議記録 and 出欠 where they exist, ruled space where not."""
import pytest
from click.testing import CliRunner
from conftest import D, SAMPLE
from docx_tools import docx_text, part_xml

from generator.cli import main
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
    # 1: the vision and the previous meeting (C0-03 had no records)
    assert f"目指す地域像: {sample.info.vision}" in text
    assert "前回 第3回（令和8年9月16日（水））の決定事項:" in text
    # 2-7 from 協議記録
    assert "・北部ではSCが交代し、新任SCの紹介を兼ねて各自治会を回った" in text
    assert "（1）移動支援モデル事業の検討" in text and "（2）支え合いフォーラムの準備" in text
    assert "・移動支援モデル事業の対象地区と運行日を検討した" in text
    board = text.index("地域課題")
    assert text[board:board + 6] == ["地域課題", "地域資源", "アイデア",
                                     "中山間部でバス路線の廃止後に通院・買い物の手段がない",
                                     "あおば交通が空き時間の車両提供を検討できる",
                                     "サロンの送迎と買い物支援を組み合わせる"]
    assert "・移動支援モデル事業は北部地区で1月から試行する" in text
    homework = text.index("担当")
    assert text[homework:homework + 9] == ["担当", "内容", "期限",
                                           "森川（SC）", "試行ルートと協力ドライバーの案を作る", "令和8年12月18日（金）",
                                           "事務局", "フォーラムのチラシ案を作る", "令和8年12月11日（金）"]
    assert "第5回 あおば町支え合い推進会議　令和9年1月20日（水）　午後2時～午後4時　あおば町役場 3階大会議室" in text
    assert "記録者：＿＿＿＿＿＿＿＿＿＿＿＿" in text
    assert "（写真を貼り付けてください）" in text


def test_minutes_without_records_give_checklist_and_ruled_space(sample, tmp_path):
    assert run("minutes", SAMPLE, "--meeting", "C0-05", "--out", tmp_path).exit_code == 0
    text, path = text_of(tmp_path, "C0-05")
    assert "（出欠の記録がないため、出席した方に✓を付けてください）" in text
    in_office = [m for m in sample.members if m.council_id == "C0" and m.in_office_on(D(2027, 1, 20))]
    names = [t for t in text if t in {m.name for m in in_office}]
    assert names == [m.name for m in in_office]
    # the previous meeting's decisions and homework carried forward
    assert "前回 第4回（令和8年11月18日（水））の決定事項:" in text
    assert "・移動支援モデル事業は北部地区で1月から試行する" in text
    assert "・試行ルートと協力ドライバーの案を作る（森川（SC）、令和8年12月18日（金）まで）　→ 結果:" in text
    # nothing recorded: ruled lines to write on (dotted rules under empty rows)
    xml = part_xml(path.read_bytes())
    assert xml.count('w:val="dotted"') >= 2 * 4
    assert "第6回 あおば町支え合い推進会議　令和9年3月17日（水）　午後2時～午後4時　あおば町役場 3階大会議室" in text


def test_cancelled_meeting_gets_no_minutes(tmp_path):
    result = run("minutes", SAMPLE, "--meeting", "C3-X", "--out", tmp_path)
    assert result.exit_code == 0 and "中止のため議事録は作りません" in result.output
    assert list(tmp_path.iterdir()) == []


def test_last_meeting_has_no_next(tmp_path):
    assert run("minutes", SAMPLE, "--meeting", "C0-06", "--out", tmp_path).exit_code == 0
    text, _ = text_of(tmp_path, "C0-06")
    assert "令和　　年　　月　　日（　）　　時　　分～　　場所：" in text
