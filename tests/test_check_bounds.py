"""Anything `check` passes must generate (#15.3): values the documents compute with are range-checked."""
import datetime as dt
import json

import pytest
from click.testing import CliRunner
from conftest import D, minimal, set_cell
from docx_tools import docx_text

from generator.cli import main
from generator.ledger.check import check

UNEXPECTED = "予期しない問題"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def with_days(notice, reply):
    s = minimal()
    s["基本情報"] += [["通知送付日数", notice], ["回答期限日数", reply]]
    return s


def found(path):
    return [(f.code, f.sheet, f.cell) for f in check(path, 2026, as_of=D(2026, 11, 30)).errors]


def test_hostile_values_are_findings_at_their_cells(ledger_file):
    s = with_days(10 ** 9, -400)
    set_cell(s, "会議", "開催日", 1, "0001/01/01")          # year 1
    set_cell(s, "会議", "通知日", 2, "2301/4/1")            # after 2200
    path = ledger_file(s)
    assert found(path) == [
        ("days-out-of-range", "基本情報", "B8"),
        ("days-out-of-range", "基本情報", "B9"),
        ("date-out-of-range", "会議", "D2"),
        ("date-out-of-range", "会議", "J3"),
    ]
    messages = [f.message for f in check(path, 2026, as_of=D(2026, 11, 30)).errors]
    assert messages[0] == ("通知送付日数 が 1000000000 です。通知の日付と回答期限はこの日数から計算するため、"
                           "0〜365 の日数にしてください。")
    assert messages[2] == ("開催日: 「0001/01/01」は扱える日付の範囲（1900/1/1〜2200/12/31）の外です。"
                           "年の入力を確かめてください。")


def test_a_negative_notice_period_would_date_the_letter_after_the_meeting(ledger_file):
    assert found(ledger_file(with_days(-1, 10))) == [("days-out-of-range", "基本情報", "B8")]
    assert found(ledger_file(with_days(365, 0))) == []


def test_answers_cannot_be_due_before_the_letter_is_dated(ledger_file):
    path = ledger_file(with_days(0, 365))
    assert found(path) == [("days-out-of-range", "基本情報", "B9")]
    assert check(path, 2026, as_of=D(2026, 11, 30)).errors[0].message == (
        "回答期限日数（365）が通知送付日数（0）以上です。回答期限が通知の日付と同じか前になるため、"
        "回答期限日数を通知送付日数より小さくしてください。")
    assert found(ledger_file(with_days(10, 10))) == [("days-out-of-range", "基本情報", "B9")]
    assert found(ledger_file(with_days(11, 10))) == []


def test_a_typed_reply_deadline_before_the_letter_is_an_error(ledger_file):
    s = minimal()
    s["会議"][0].append("回答期限")
    for row in s["会議"][1:]:
        row.append(None)
    set_cell(s, "会議", "回答期限", 1, D(2026, 4, 10))   # K01: 通知日 4/17
    set_cell(s, "会議", "回答期限", 2, D(2026, 6, 10))   # K02 (7/15): letter 30 days before, 6/15
    set_cell(s, "会議", "回答期限", 3, D(2026, 9, 1))    # K03 (9/16): after 8/17, fine
    path = ledger_file(s)
    assert found(path) == [("end-before-start", "会議", "K2"), ("end-before-start", "会議", "K3")]
    errors = check(path, 2026, as_of=D(2026, 11, 30)).errors
    assert errors[0].message == "回答期限（2026/4/10）が通知日（2026/4/17）より前です。"
    assert errors[1].message == "回答期限（2026/6/10）が通知の日付（開催日の30日前）（2026/6/15）より前です。"


@pytest.mark.parametrize("command", [
    ("invitations", "--meeting", "K01"),
    ("invitations", "--meeting", "K02"),
    ("invitations", "--month", "2026-07"),
    ("minutes", "--meeting", "K01"),
    ("minutes", "--month", "2026-07"),
    ("monthly", "--month", "2026-06"),
    ("monthly", "--month", "2026-07"),
])
def test_what_check_rejects_is_reported_not_crashed_on(ledger_file, tmp_path, command):
    s = with_days(10 ** 9, -400)
    set_cell(s, "会議", "開催日", 1, "0001/01/01")
    result = run("check", ledger_file(s, name="bad.xlsx"), "--as-of", "2026-11-30")
    assert result.exit_code == 1
    result = run(command[0], tmp_path / "bad.xlsx", *command[1:], "--out", tmp_path / "out")
    assert UNEXPECTED not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    if command[0] == "invitations":
        # Every letter depends on 基本情報: none is made, and the output says why.
        assert result.exit_code == 1 and "days-out-of-range" in result.output
        assert not list((tmp_path / "out").rglob("*.docx"))


@pytest.mark.parametrize("notice, reply, first, second, posted", [
    # The widest values check lets through: a letter a year ahead of a meeting in 1900.
    (365, 0, D(1900, 1, 1), D(2200, 12, 31), "明治31年12月28日"),
    # A letter one day ahead, answers due on the meeting's day.
    (1, 0, D(2026, 5, 20), D(2026, 7, 15), "令和8年5月19日"),
])
def test_what_check_passes_generates(ledger_file, tmp_path, notice, reply, first, second, posted):
    s = with_days(notice, reply)
    set_cell(s, "会議", "開催日", 1, first)
    set_cell(s, "会議", "通知日", 1, None)
    set_cell(s, "会議", "開催日", 2, second)
    path = ledger_file(s)
    report = run("check", path, "--as-of", "2026-11-30")
    assert report.exit_code == 0, report.output
    for meeting in ("K01", "K02"):
        result = run("invitations", path, "--meeting", meeting, "--out", tmp_path / "out")
        assert result.exit_code == 0 and UNEXPECTED not in result.output, result.output
        result = run("minutes", path, "--meeting", meeting, "--out", tmp_path / "out")
        assert result.exit_code == 0 and UNEXPECTED not in result.output, result.output
    for month in (first - dt.timedelta(days=1), second - dt.timedelta(days=31)):
        result = run("monthly", path, "--month", f"{month.year:04d}-{month.month:02d}", "--out", tmp_path / "m")
        assert result.exit_code == 0 and UNEXPECTED not in result.output, result.output
    letter = docx_text(next((tmp_path / "out").glob("K01_*/通知/001_*.docx")).read_bytes())
    assert posted in letter


def test_check_sees_the_letters_monthly_made(ledger_file, tmp_path):
    path = ledger_file()
    out = tmp_path / "out"
    before = run("check", path, "--as-of", "2026-09-01", "--out", out, "--format", "json")
    assert [(f["code"], f["cell"]) for f in json.loads(before.output)["findings"]] == [
        ("invitation-not-sent", "J4"), ("invitation-not-sent", "J7")]
    assert "まだ作成されていません" in json.loads(before.output)["findings"][0]["message"]
    assert run("monthly", path, "--month", "2026-08", "--out", out).exit_code == 0   # September's letters
    after = run("check", path, "--as-of", "2026-09-01", "--out", out, "--format", "json")
    assert json.loads(after.output)["findings"] == []
    # Without the output folder check cannot know, and says so.
    plain = json.loads(run("check", path, "--as-of", "2026-09-01", "--format", "json").output)
    assert [f["code"] for f in plain["findings"]] == ["invitation-not-sent"] * 2
    assert "通知日が空の会議は通知未作成とみなします" in plain["findings"][0]["message"]


def test_numbers_the_documents_print_are_range_checked(ledger_file):
    s = minimal()
    s["基本情報"].append(["謝礼単価", -5000])
    set_cell(s, "会議", "回", 1, -3)                 # a letter titled 第-3回
    s["協議体"][0].append("年間目標開催回数")
    s["協議体"][1].append(0)
    s["協議体"][2].append(6)
    s["目標"].append([1, "元年の目標", None])
    path = ledger_file(s)
    assert found(path) == [
        ("number-out-of-range", "基本情報", "B8"),
        ("number-out-of-range", "協議体", "H2"),
        ("number-out-of-range", "会議", "C2"),
        ("number-out-of-range", "目標", "A3"),
    ]
    assert [f.message for f in check(path, 2026, as_of=D(2026, 11, 30)).errors][:3] == [
        "謝礼単価 が -5000 です。0〜1,000,000 の範囲で入力してください。",
        "年間目標開催回数 が 0 です。1〜100 の範囲で入力してください。",
        "回 が -3 です。0〜999 の範囲で入力してください。",
    ]
    result = run("invitations", path, "--meeting", "K01", "--out", path.parent / "out")
    assert result.exit_code == 1 and "会議!C2" in result.output
