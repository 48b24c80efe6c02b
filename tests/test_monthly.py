"""The monthly batch: what it makes, reruns, revisions, jobs, PDFs and being killed."""
import hashlib
import json
import shutil
import signal
import subprocess
import sys
import time

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import D, SAMPLE, minimal
from docx_tools import docx_text

from generator.batch import pdf
from generator.cli import main
from generator.ledger.reader import read_ledger
from generator.render.output import TEMP_PATTERN


def run(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def tree(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def mtimes(folder):
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def december(tmp_path_factory):
    out = tmp_path_factory.mktemp("monthly")
    result = run("monthly", SAMPLE, "--month", "2026-12", "--out", out)
    assert result.exit_code == 0, result.output
    return out / "2026-12", result.output


def test_batch_contents_and_summary(december):
    batch, output = december
    manifest = json.loads((batch / "manifest.json").read_text(encoding="utf-8"))
    kinds = [(m["kind"], m["meeting_id"]) for m in manifest["meetings"]]
    # Next month's meetings (January) get invitations; December's get minutes, and
    # December's meetings never invited (no 通知日) get late invitations.
    assert ("invitation", "C0-05") in kinds and ("invitation", "C1-05") in kinds
    assert ("minutes", "C2-04") in kinds and ("minutes", "C3-02") in kinds and ("minutes", "C4-05") in kinds
    assert ("invitation", "C2-04") not in kinds            # its 通知日 11/2 says it went out in November
    late = {m["meeting_id"]: m["days_left"] for m in manifest["meetings"] if m["kind"] == "invitation" and m["late"]}
    assert late == {"C3-02": 15, "C4-05": 22}               # posted 12/1, the month's first office day
    summary = (batch / "一覧.txt").read_text(encoding="utf-8")
    assert "【遅れ: 未送付のため今月発送。開催まで残り 15 日】" in summary
    assert summary.strip() in output
    for entry in manifest["files"]:
        data = (batch / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert entry["rows"]
    letter = next(f for f in manifest["files"] if f["kind"] == "letter" and f["meeting_id"] == "C0-05")
    ledger = read_ledger(SAMPLE)[0]
    member = next(m for m in ledger.members if m.member_id == letter["member_id"])
    meeting = next(m for m in ledger.meetings if m.meeting_id == "C0-05")
    assert f"構成員!{member.row}" in letter["rows"] and f"会議!{meeting.row}" in letter["rows"]
    assert set(tree(batch)) == {f["path"] for f in manifest["files"]} | {"manifest.json", "一覧.txt"}


def test_late_letter_is_dated_when_posted_with_a_reachable_deadline(december):
    batch, _ = december
    letter = next((batch / "開催通知" / "C3-02_南部たすけあい会議_第2回" / "通知").iterdir())
    text = docx_text(letter.read_bytes())
    # Dated the day it goes out, sorry to be late, and a week to answer: not 12/4, three days on (§4.1).
    assert text[0] == "令和8年12月1日"
    assert ("なお、ご案内が遅くなり申し訳ございません。お手数をおかけしますが、"
            "令和8年12月8日（火）までにご回答くださいますようお願い申し上げます。") in text
    assert "令和8年12月8日（火）までに、別紙「出欠回答票」でご回答ください。" in text


def test_rerun_same_bytes_and_nothing_rewritten(december, tmp_path):
    batch, _ = december
    before, times = tree(batch), mtimes(batch)
    result = run("monthly", SAMPLE, "--month", "2026-12", "--out", batch.parent)
    assert result.exit_code == 0
    assert "新しく書いたファイル 0 個" in result.output
    assert tree(batch) == before and mtimes(batch) == times


def test_jobs_give_identical_output(december, tmp_path):
    batch, _ = december
    assert run("monthly", SAMPLE, "--month", "2026-12", "--out", tmp_path, "--jobs", 2).exit_code == 0
    assert tree(tmp_path / "2026-12") == tree(batch)


def test_jobs_put_the_months_labels_from_the_first_free_label(tmp_path):
    # With --jobs the month's 宛名ラベル_全件 is rendered by a worker: it must start where a serial run does.
    folders = {}
    for jobs in (1, 2):
        out = tmp_path / f"jobs{jobs}"
        result = run("monthly", SAMPLE, "--month", "2026-12", "--out", out, "--jobs", jobs, "--label-start", 11)
        assert result.exit_code == 0, result.output
        folders[jobs] = out / "2026-12"
    assert tree(folders[2]) == tree(folders[1])
    labels = docx_text((folders[2] / "開催通知" / "宛名ラベル_全件.docx").read_bytes())
    meetings = json.loads((folders[2] / "manifest.json").read_text(encoding="utf-8"))["meetings"]
    posted = [f"{x['name']}　{x['honorific']}" for m in meetings if m["kind"] == "invitation" and not m["skipped"]
              for x in m["letters"] if x["delivery"] == "郵送"]
    assert [t for t in labels if t.endswith("様") or t.endswith("御中")] == posted and len(posted) == 24


def test_jobs_workers_leave_ctrl_c_to_the_batch(tmp_path):
    # Ctrl-C reaches every process of the terminal; the batch stops its workers itself, and a
    # worker waiting for its next task must not die printing a traceback.
    from generator.documents.base import BatchRun

    ledger, findings = read_ledger(SAMPLE)
    run = BatchRun(ledger=ledger, report=None, folder=tmp_path, templates_dir=None, save=lambda p, d: True,
                   progress=lambda n: None, fiscal_year=2026, jobs=2)
    try:
        assert run.pool().submit(signal.getsignal, signal.SIGINT).result() == signal.SIG_IGN
    finally:
        run.close()


def test_jobs_report_a_broken_template_as_one_process_does(tmp_path):
    # Worker processes compile the templates when they start; a template that fails there must
    # still stop the batch with the message and exit code of --jobs 1, not a broken pool.
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "invitation.docx").write_bytes(b"broken")
    results = [run("monthly", SAMPLE, "--month", "2026-12", "--out", tmp_path / f"jobs{jobs}", "--jobs", jobs,
                   "--templates", templates) for jobs in (1, 2)]
    assert [r.exit_code for r in results] == [2, 2]
    message = f"エラー: テンプレート {templates / 'invitation.docx'} は Word 文書 (.docx) ではありません。"
    assert all(message in r.output for r in results), results[1].output


def _changed_ledger(path):
    shutil.copy(SAMPLE, path)
    wb = openpyxl.load_workbook(path)
    for row in wb["会議"].iter_rows(min_row=2):
        if row[0].value == "C0-05":
            row[3].value = D(2027, 1, 27)
    wb.save(path)
    return path


def test_changed_meeting_is_revised_and_old_recipients_listed(december, tmp_path):
    batch, _ = december
    out = tmp_path / "out"
    shutil.copytree(batch, out / "2026-12")
    (out / "2026-12" / "送信ログ.jsonl").write_text(json.dumps(
        {"key": "C0-05/M003", "status": "sent", "meeting_id": "C0-05", "member_id": "M003", "sha256": "x"},
        ensure_ascii=False) + "\n", encoding="utf-8")
    ledger = _changed_ledger(tmp_path / "changed.xlsx")
    result = run("monthly", ledger, "--month", "2026-12", "--out", out)
    assert result.exit_code == 0
    line = next(l for l in result.output.splitlines() if "C0-05" in l)
    assert "令和9年1月27日（水）" in line and "【改訂" in line
    assert "旧版を受け取った方（訂正の連絡が必要）:" in result.output
    assert "（メール・メール送信済み）" in result.output
    others = [l for l in result.output.splitlines() if "[通知]" in l and "C0-05" not in l]
    assert others and not any("改訂" in l for l in others)
    # Still marked on a further rerun: the letters first made were for the old date.
    again = run("monthly", ledger, "--month", "2026-12", "--out", out)
    assert "【改訂" in next(l for l in again.output.splitlines() if "C0-05" in l)
    assert "新しく書いたファイル 0 個" in again.output


def test_next_batch_does_not_invite_again(december, tmp_path):
    batch, _ = december
    out = tmp_path / "out"
    shutil.copytree(batch, out / "2026-12")
    result = run("monthly", SAMPLE, "--month", "2027-01", "--out", out)
    assert result.exit_code == 0
    manifest = json.loads((out / "2027-01" / "manifest.json").read_text(encoding="utf-8"))
    invitations = {m["meeting_id"] for m in manifest["meetings"] if m["kind"] == "invitation"}
    assert "C0-05" not in invitations and "C1-05" not in invitations      # sent in December's batch
    assert {"C2-05", "C4-06"} <= invitations                               # February's meetings


def test_meeting_with_errors_is_skipped_with_exit_1(ledger_file, tmp_path):
    s = minimal()
    s["会議"].append(["K21", "C0", 4, D(2026, 12, 16), "14:00", "16:00", "役場", "議題", "座長", None])
    s["会議"].append(["K22", "C1", 4, D(2026, 12, 15), "10:00", "11:30", "", "議題", "座長", None])
    result = run("monthly", ledger_file(s), "--month", "2026-11", "--out", tmp_path)
    assert result.exit_code == 1
    assert "K22" in result.output and "台帳のエラーのため作成しません" in result.output
    assert "会議!G9  場所 が空です（必須）。" in result.output
    assert (tmp_path / "2026-11" / "開催通知" / "K21_町の会議_第4回").is_dir()


def test_march_adds_the_annual_report(tmp_path):
    result = run("monthly", SAMPLE, "--month", "2027-03", "--out", tmp_path)
    assert result.exit_code == 0
    assert sorted(p.name for p in (tmp_path / "2027-03" / "年次報告").iterdir()) == [
        "年次報告書_2026.docx", "年次集計_2026.xlsx"]


def test_pdf_without_libreoffice_is_a_clear_error(ledger_file, tmp_path, monkeypatch):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("SASAEAI_SOFFICE", raising=False)
    monkeypatch.setattr(pdf, "soffice_candidates", lambda *args, **kwargs: [tmp_path / "nowhere" / "soffice"])
    result = run("monthly", ledger_file(), "--month", "2026-06", "--out", tmp_path / "o", "--pdf")
    assert result.exit_code == 2
    assert "PDF を作るには LibreOffice が必要です" in result.output
    assert str(tmp_path / "nowhere" / "soffice") in result.output
    assert not (tmp_path / "o").exists()


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is installed by .ci/run")
def test_pdf_for_every_document_from_one_libreoffice(ledger_file, tmp_path):
    s = minimal()
    s["会議"].append(["K21", "C0", 4, D(2026, 12, 16), "14:00", "16:00", "役場", "移動支援の検討", "座長", None])
    path = ledger_file(s)
    assert run("monthly", path, "--month", "2026-11", "--out", tmp_path, "--pdf").exit_code == 0
    batch = tmp_path / "2026-11"
    manifest = json.loads((batch / "manifest.json").read_text(encoding="utf-8"))
    docx = [f for f in manifest["files"] if f["path"].endswith(".docx")]
    assert docx and all((batch / f["pdf"]).exists() for f in docx)
    letter = next(f for f in docx if f["kind"] == "letter")
    text = subprocess.run(["pdftotext", "-layout", str(batch / letter["pdf"]), "-"], capture_output=True,
                          text=True, check=True).stdout
    words = [w for t in docx_text((batch / letter["path"]).read_bytes()) for w in t.split()]
    for expected in ("第4回", "町の会議の開催について（通知）", "移動支援の検討", "出欠回答票"):
        assert expected in words or any(expected in w for w in words)
        assert expected in text.replace(" ", "") or expected in text
    assert not list(batch.rglob(TEMP_PATTERN))
    before, times = tree(batch), mtimes(batch)
    result = run("monthly", path, "--month", "2026-11", "--out", tmp_path, "--pdf")
    assert "PDF 0 個" in result.output
    assert tree(batch) == before and mtimes(batch) == times


@pytest.mark.parametrize("kill_after", [1, 8, 25, 50])
def test_killed_batch_leaves_no_partial_file_and_rerun_completes_it(december, tmp_path, kill_after):
    batch, _ = december
    reference = tree(batch)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "generator.cli", "monthly", str(SAMPLE), "--month", "2026-12", "--out", str(out)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    target = out / "2026-12"
    while time.monotonic() < deadline and process.poll() is None:
        # Count finished files only: a temp file alone is not yet "something written".
        if target.exists() and sum(1 for p in target.rglob("*")
                                   if p.is_file() and not p.match(TEMP_PATTERN)) >= kill_after:
            break
        time.sleep(0.001)
    process.send_signal(signal.SIGKILL)
    process.wait()
    done = [p for p in target.rglob("*") if p.is_file() and not p.match(TEMP_PATTERN)]
    assert done, "killed before writing anything"
    for path in done:
        rel = path.relative_to(target).as_posix()
        assert hashlib.sha256(path.read_bytes()).hexdigest() == reference[rel], rel   # complete or absent
    assert "manifest.json" not in {p.name for p in done} or len(done) == len(reference)
    result = run("monthly", SAMPLE, "--month", "2026-12", "--out", out)
    assert result.exit_code == 0
    assert tree(target) == reference


def test_this_months_meeting_with_its_own_posting_date_is_not_late(ledger_file, tmp_path):
    s = minimal()
    s["会議"].append(["K21", "C0", 4, D(2026, 12, 23), "14:00", "16:00", "役場", "議題", "座長", D(2026, 12, 3)])
    s["会議"].append(["K22", "C1", 4, D(2026, 12, 22), "10:00", "11:30", "公民館", "議題", "座長", None])
    result = run("monthly", ledger_file(s), "--month", "2026-12", "--out", tmp_path)
    assert result.exit_code == 0
    manifest = json.loads((tmp_path / "2026-12" / "manifest.json").read_text(encoding="utf-8"))
    late = {m["meeting_id"]: (m["late"], m["days_left"]) for m in manifest["meetings"] if m["kind"] == "invitation"}
    assert late == {"K21": (False, 20), "K22": (True, 21)}
    letter = next((tmp_path / "2026-12" / "開催通知" / "K21_町の会議_第4回" / "通知").iterdir())
    assert docx_text(letter.read_bytes())[0] == "令和8年12月3日"


def test_late_letter_deadlines_and_a_phone_call_for_the_last_week(ledger_file, tmp_path):
    s = minimal()
    s["会議"].append(["K21", "C0", 4, D(2026, 12, 10), "14:00", "16:00", "役場", "議題", "座長", None])
    s["会議"].append(["K22", "C1", 4, D(2026, 12, 7), "10:00", "11:30", "公民館", "議題", "座長", None])
    result = run("monthly", ledger_file(s), "--month", "2026-12", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    folder = tmp_path / "2026-12" / "開催通知"
    # Posted Tuesday 12/1: a week later (12/8) still falls before the 12/10 meeting ...
    far = docx_text(next((folder / "K21_町の会議_第4回" / "通知").iterdir()).read_bytes())
    assert far[0] == "令和8年12月1日" and "令和8年12月8日（火）までに、別紙「出欠回答票」でご回答ください。" in far
    # ... but not before the 12/7 one: the answer is due the office day before it.
    near = docx_text(next((folder / "K22_北の会議_第4回" / "通知").iterdir()).read_bytes())
    assert near[0] == "令和8年12月1日" and "令和8年12月4日（金）までに、別紙「出欠回答票」でご回答ください。" in near
    phone = "【至急: 開催まで1週間を切っています。通知の発送に加え、構成員へ電話で連絡してください】"
    lines = {line.split()[1]: line for line in result.output.splitlines() if line.startswith("[通知]")}
    assert lines["K22"].endswith("【遅れ: 未送付のため今月発送。開催まで残り 6 日】" + phone)
    assert phone not in lines["K21"]


def test_all_of_the_months_labels_in_one_file(december, tmp_path):
    batch, _ = december
    manifest = json.loads((batch / "manifest.json").read_text(encoding="utf-8"))
    entry = [f for f in manifest["files"] if f["kind"] == "labels_all"]
    assert [f["path"] for f in entry] == ["開催通知/宛名ラベル_全件.docx"]
    names = [t for t in docx_text((batch / entry[0]["path"]).read_bytes()) if t.endswith("様") or t.endswith("御中")]
    per_meeting = []
    for meeting in (m for m in manifest["meetings"] if m["kind"] == "invitation" and not m["skipped"]):
        per_meeting += [f"{x['name']}　{x['honorific']}" for x in meeting["letters"] if x["delivery"] == "郵送"]
    assert names == per_meeting and len(names) == 24       # 2 sheets of 12, not 4 part-filled ones
    assert run("monthly", SAMPLE, "--month", "2026-12", "--out", tmp_path, "--label-start", 11).exit_code == 0
    from docx import Document
    cells = [c.text.strip() for r in Document(tmp_path / "2026-12" / entry[0]["path"]).tables[0].rows for c in r.cells]
    assert cells[:10] == [""] * 10 and cells[10].endswith(per_meeting[0])


def test_as_of_decides_which_meetings_count_as_held(tmp_path):
    # December's meetings are still 予定 in the sample: held only once their day has passed.
    early = run("monthly", SAMPLE, "--month", "2026-12", "--as-of", "2026-12-01", "--out", tmp_path / "a")
    late = run("monthly", SAMPLE, "--month", "2026-12", "--as-of", "2026-12-31", "--out", tmp_path / "b")
    assert early.exit_code in (0, 1) and late.exit_code in (0, 1)
    assert "[謝礼]" not in early.output and "[だより]" not in early.output
    assert "[謝礼] C2-04" in late.output and "[だより] C4-05" in late.output
    # Letters are counted once (まとめ are not 通知), and a meeting already held gets no late letter.
    assert "合計: 通知 48 通" in early.output and "合計: 通知 27 通" in late.output
    assert "[通知] C3-02 第2回 南部たすけあい会議（令和8年12月16日（水））: 開催日を過ぎているため通知は作りません" in late.output
