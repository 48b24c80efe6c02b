"""A Japanese Windows console (cp932) gets every line, with unencodable characters replaced."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest

from conftest import minimal, set_cell, write_workbook
from generator import messages
from generator.console import configure_console, is_utf8

# Characters a ledger can hold that cp932 cannot encode: a JIS X 0213 kanji outside cp932,
# emoji, a heart, an em dash (cp932 has only the horizontal bar).
OUTSIDE_CP932 = ["𠮷", "😀", "♥", "—"]


def test_the_test_characters_really_are_outside_cp932_and_the_japanese_ones_inside():
    for ch in OUTSIDE_CP932:
        with pytest.raises(UnicodeEncodeError):
            ch.encode("cp932")
    "①髙﨑㈱〜・".encode("cp932")


def _run_cp932(*args, cwd):
    env = {**os.environ, "PYTHONIOENCODING": "cp932"}
    env.pop("PYTHONUTF8", None)
    return subprocess.run([sys.executable, "-m", "generator.cli", *args], capture_output=True, cwd=cwd, env=env)


def test_monthly_with_names_outside_cp932_runs_to_the_end(tmp_path):
    sheets = minimal()
    set_cell(sheets, "協議体", "名称", 1, "𠮷田😀の会議")
    set_cell(sheets, "構成員", "氏名", 1, "𠮷田 花子♥")
    ledger = write_workbook(tmp_path / "ledger.xlsx", sheets)
    result = _run_cp932("monthly", str(ledger), "--month", "2026-06", "--out", str(tmp_path / "out"),
                        cwd=tmp_path)
    stdout, stderr = result.stdout.decode("cp932"), result.stderr.decode("cp932")
    assert result.returncode == 0, stderr
    assert "UnicodeEncodeError" not in stderr
    # K02 (C0, the council renamed above) is next month's meeting: its line names the council.
    assert "[通知] K02 第2回 〓田〓の会議（令和8年7月15日（水））: 通知 3 通" in stdout
    assert stderr.startswith(messages.PROGRESS_BATCH)       # the progress bar went to stderr too
    # The files keep the real name: only the console degrades.
    letters = sorted((tmp_path / "out" / "2026-06" / "開催通知").rglob("*.docx"))
    assert any("𠮷田😀の会議" in str(p) for p in letters)


def test_an_error_message_on_stderr_with_an_unencodable_path_is_printed_not_raised(tmp_path):
    result = _run_cp932("check", str(tmp_path / "𠮷田—台帳.xlsx"), cwd=tmp_path)
    stderr = result.stderr.decode("cp932")
    assert result.returncode == 2
    assert f"エラー: 台帳ファイル {tmp_path / '〓田―台帳.xlsx'} が見つかりません。" in stderr
    assert "Traceback" not in stderr


def test_json_on_a_cp932_stdout_is_ascii_and_keeps_every_character(tmp_path):
    sheets = minimal()
    set_cell(sheets, "構成員", "郵便番号", 2, "12")       # one finding, so the JSON is not empty
    ledger = write_workbook(tmp_path / "𠮷田😀.xlsx", sheets)
    result = _run_cp932("check", str(ledger), "--fiscal-year", "2026", "--format", "json", cwd=tmp_path)
    assert result.returncode == 1
    report = json.loads(result.stdout.decode("ascii"))
    assert report["ledger"] == str(ledger)
    assert [(f["sheet"], f["cell"], f["code"]) for f in report["findings"]] == [
        ("構成員", "F3", "postal-code-invalid")]


def test_help_in_cp932_is_complete():
    result = _run_cp932("annual", "--help", cwd=None)
    assert result.returncode == 0
    stdout = result.stdout.decode("cp932")
    assert "年次報告書（グラフ入り）と都道府県向けの年次集計（.xlsx）を作ります。" in stdout
    # cp932 reads back its 〜 as the fullwidth tilde, so compare the bytes.
    assert "2026年4月1日〜2027年3月31日".encode("cp932") in b"".join(result.stdout.split())


def _stream(encoding: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(), encoding=encoding, errors="strict")


def test_replacement_uses_lookalikes_then_geta_then_question_mark():
    cp932, ascii_ = _stream("cp932"), _stream("ascii")
    configure_console([cp932, ascii_])
    for stream in (cp932, ascii_):
        stream.write("𠮷—−A")
        stream.flush()
    assert cp932.buffer.getvalue().decode("cp932") == "〓―－A"
    assert ascii_.buffer.getvalue() == b"???A"


def test_utf8_streams_are_left_strict():
    utf8 = _stream("utf-8")
    configure_console([utf8, None])
    assert utf8.errors == "strict"
    assert [is_utf8(name) for name in ("UTF-8", "utf8", "cp65001", "cp932", None, "no-such")] == [
        True, True, True, False, False, False]
