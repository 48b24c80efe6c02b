"""The command line: exit codes, output, help, and that the ledger is never touched."""
import datetime as dt
import hashlib
import json
import re

import pytest
from click.testing import CliRunner
from conftest import REPO, SAMPLE, minimal, set_cell

from generator.ledger.check import check
from generator.cli import main
from generator.ledger.rules import RULES


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_check_clean_ledger_exits_0(ledger_file):
    path = ledger_file()
    result = run("check", path, "--fiscal-year", 2026, "--as-of", "2026-11-30")
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        f"台帳 {path} の点検結果（2026年度（令和8年度））",
        "基準日: 令和8年11月30日（月）",
        "",
        "問題は見つかりませんでした。",
        "エラー 0 件、警告 0 件、情報 0 件",
    ]


def test_check_with_errors_exits_1_and_groups_by_sheet(ledger_file):
    s = minimal()
    set_cell(s, "構成員", "氏名", 2, None)
    set_cell(s, "会議", "開始時刻", 1, "午後14時")
    set_cell(s, "会議", "進行役", 2, "行政")
    result = run("check", ledger_file(s), "--fiscal-year", 2026, "--as-of", "2026-11-30")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[3:] == [
        "■ 構成員",
        "  エラー  構成員!C3  氏名 が空です（必須）。（value-missing）",
        "",
        "■ 会議",
        "  エラー  会議!E2  開始時刻: 「午後14時」は時刻として読めません（午前・午後は0〜11時で書きます）"
        "（例: 14:00、14時30分、午後2時）（value-type）",
        "",
        # K02 (7/15) was held before the as-of date: its advice is past, summarised in one line.
        "ほかに、開催済みの会議や終わった年度についての指摘が 1 件（警告 1 件）あります。--all で表示します。",
        "",
        "エラー 2 件、警告 1 件、情報 0 件",
    ]
    shown = run("check", ledger_file(s), "--fiscal-year", 2026, "--as-of", "2026-11-30", "--all").output
    assert ("    警告  会議!I3  進行役が行政です。行政は支援する立場で参加し、進行のリードは避けましょう。"
            "（admin-leads） ［ガイドブック 第1節3(6) 当日進行上の留意点⑤］") in shown.splitlines()


def test_json_output_equals_the_library(ledger_file):
    s = minimal()
    set_cell(s, "会議", "議題", 1, None)
    path = ledger_file(s)
    result = run("check", path, "--fiscal-year", 2026, "--format", "json", "--as-of", "2026-11-30")
    assert result.exit_code == 0
    assert json.loads(result.output) == check(path, 2026, as_of=dt.date(2026, 11, 30)).to_dict()
    assert json.loads(result.output)["findings"][0]["location"] == "会議!H2"


@pytest.mark.parametrize("setup, expected", [
    (lambda p: p / "none.xlsx", "見つかりません"),
    (lambda p: p, "フォルダです"),
    (lambda p: (p / "e.xlsx").write_bytes(b"") and p / "e.xlsx" or p / "e.xlsx", "空"),
    (lambda p: (p / "c.xlsx").write_text("a,b\n1,2\n") and p / "c.xlsx", "CSV"),
])
def test_unreadable_ledger_is_one_line_and_exit_2(tmp_path, setup, expected):
    path = setup(tmp_path)
    result = run("check", path)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("エラー: ") and expected in lines[0]
    assert "Traceback" not in result.output


def test_fatal_error_in_json_format_is_json_too(tmp_path):
    result = run("check", tmp_path / "none.xlsx", "--format", "json")
    assert result.exit_code == 2
    payload = json.loads(result.output[: result.output.rindex("}") + 1])
    assert payload["fatal"]["code"] == "file-unreadable"


def test_missing_sheet_exit_2(ledger_file):
    s = minimal()
    del s["会議"]
    result = run("check", ledger_file(s))
    assert result.exit_code == 2
    assert "必須シート「会議」" in result.output


def test_debug_shows_the_traceback(tmp_path):
    result = run("--debug", "check", tmp_path / "none.xlsx")
    assert result.exit_code != 0
    assert result.exception is not None and type(result.exception).__name__ == "LedgerError"


def test_bad_as_of_is_a_usage_error_in_japanese():
    result = run("check", SAMPLE, "--as-of", "2026-13-01")
    assert result.exit_code == 2
    assert result.output.strip() == ("エラー: --as-of の日付が読めません: 「2026-13-01」は日付として読めません"
                                     "（存在しない日付）（例: 2026/12/21、令和8年12月21日、R8.12.21）")
    assert run("check", SAMPLE, "--as-of", "令和8年11月30日", "--format", "json").exit_code == 1


def test_bad_fiscal_year_is_a_usage_error():
    result = run("check", SAMPLE, "--fiscal-year", "令和8")
    assert result.exit_code == 2


def test_ledger_is_byte_identical_after_every_command(tmp_path):
    before = digest(SAMPLE)
    # The sample's three 出欠 rows for members not in office are errors.
    assert run("check", SAMPLE, "--fiscal-year", 2026, "--as-of", "2026-11-30").exit_code == 1
    assert run("check", SAMPLE, "--format", "json").exit_code in (0, 1)
    assert run("init", SAMPLE).exit_code == 2          # refuses to overwrite
    assert digest(SAMPLE) == before


def test_init_writes_and_refuses_to_overwrite(tmp_path):
    path = tmp_path / "台帳.xlsx"
    result = run("init", path)
    assert result.exit_code == 0 and path.exists()
    first = path.read_bytes()
    result = run("init", path)
    assert result.exit_code == 2 and "--force" in result.output
    assert path.read_bytes() == first
    assert run("init", path, "--force").exit_code == 0
    assert path.read_bytes() == first                  # deterministic
    assert not list(tmp_path.glob(".*.tmp"))


def test_every_command_has_help_with_an_example():
    commands = main.commands
    assert set(commands) >= {"init", "check"}
    for name in commands:
        result = run(name, "--help")
        assert result.exit_code == 0
        assert "例:" in result.output and f"sasaeai {name}" in result.output, name


def test_readme_documents_every_code_and_shows_the_setup_commands():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for code in RULES:
        assert f"`{code}`" in readme, code
    assert "bash .ci/run" in readme or "pytest" in readme
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    test_command = re.search(r"^(pip install .*python -m pytest.*)$", ci, re.M).group(1)
    assert test_command in readme
