"""`sasaeai send` against a real SMTP server on loopback (aiosmtpd), with faults.

Each fault test counts what the server accepted per letter and per letter
version: a valid recipient ends with exactly one message per version.
"""
import datetime as dt
import email
import email.header
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from email import policy

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import SAMPLE
from smtp_faults import Proxy, Server, free_port

from generator import messages
from generator.batch import store
from generator.batch.send import SendError, Settings, decide, send_batch
from generator.batch.store import SendRecord
from generator.cli import main

NEW_PLACE = "あおば町福祉センター 2階ホール"


def run(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


@pytest.fixture(scope="module")
def made_batch(tmp_path_factory):
    out = tmp_path_factory.mktemp("batch")
    result = run("monthly", SAMPLE, "--month", "2026-12", "--out", out)
    assert result.exit_code == 0, result.output
    return out / "2026-12"


@pytest.fixture
def batch(made_batch, tmp_path):
    """December's batch in a fresh output folder of its own (the send log lives beside the months)."""
    copy = tmp_path / "out" / "2026-12"
    shutil.copytree(made_batch, copy)
    return copy


def manifest_letters(batch):
    manifest = json.loads((batch / "manifest.json").read_text(encoding="utf-8"))
    out = {}
    for meeting in manifest["meetings"]:
        for letter in meeting.get("letters", []):
            if letter["delivery"] == "メール":
                out[f"{meeting['meeting_id']}/{letter['member_id']}"] = (meeting, letter)
    return manifest, out


def settings(port, **extra):
    values = dict(host="127.0.0.1", port=port, tls="none", timeout=10, retries=3, retry_wait=0.01) | extra
    return Settings(**values)


def log_records(out_root):
    path = out_root / "送信ログ.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def log_states(out_root):
    states = {}
    for record in log_records(out_root):
        states[record["key"]] = record["status"]
    return states


def edited_ledger(path, meeting_id, **columns):
    """A copy of the sample ledger with some 会議 cells of one meeting changed (header -> value)."""
    shutil.copy(SAMPLE, path)
    wb = openpyxl.load_workbook(path)
    ws = wb["会議"]
    header_row = next(r for r in ws.iter_rows(min_row=1, max_row=10) if any(c.value == "会議ID" for c in r))
    index = {c.value: c.column - 1 for c in header_row}
    for row in ws.iter_rows(min_row=header_row[0].row + 1):
        if row[index["会議ID"]].value == meeting_id:
            for header, value in columns.items():
                row[index[header]].value = value
    wb.save(path)
    return path


def body(message):
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def attachment_text(message):
    """The words of the attached .docx letter."""
    import io
    import re
    import zipfile

    data = next(message.iter_attachments()).get_content()
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode("utf-8")
    return "".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", xml))


def assert_strict(raw: bytes, domain="town-aoba.example"):
    """The message is 7-bit, parses with no defect anywhere, and has the headers RFC 5322 requires."""
    assert max(raw) < 128
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    message = email.message_from_bytes(raw, policy=policy.default)
    for part in message.walk():
        assert part.defects == []
        for name, value in part.items():
            assert getattr(value, "defects", ()) == (), name
    assert message["Date"].datetime is not None and message["Date"].datetime.tzinfo is not None
    assert message["Message-ID"].startswith("<") and message["Message-ID"].endswith(f".sasaeai@{domain}>")
    return message


# --- the ordinary run --------------------------------------------------------------------------------

def test_dry_run_lists_and_sends_nothing(batch):
    _, letters = manifest_letters(batch)
    result = run("send", batch)
    assert result.exit_code == 0
    assert f"送信予定 {len(letters)} 件、見送り 0 件" in result.output
    assert "あおば町支え合い推進会議の開催について（通知）" in result.output
    assert not (batch.parent / "送信ログ.jsonl").exists()


def test_every_letter_delivered_once_with_strict_headers(batch):
    manifest, letters = manifest_letters(batch)
    with Server() as server:
        report = send_batch(batch, settings(server.port), really=True)
        assert report.exit_code == 0 and len(report.sent) == len(letters)
        assert server.letters() == Counter({key: 1 for key in letters})
        for raw, message in zip(server.raw, server.messages):
            assert_strict(raw)
            meeting, letter = letters[message["X-Sasaeai-Letter"]]
            assert str(message["Subject"]) == f"{meeting['title']}の開催について（通知）"
            assert message["To"].addresses[0].addr_spec == letter["email"]
            assert message["To"].addresses[0].display_name == f"{letter['name']} 様"
            sender = manifest["sender"]
            assert sender["department"] == "あおば町役場 福祉課 高齢者支援係"     # the town is not said twice
            assert message["From"].addresses[0].display_name == "あおば町役場 福祉課 高齢者支援係"
            assert message["From"].addresses[0].addr_spec == manifest["sender"]["email"]
            assert message["Reply-To"].addresses[0].addr_spec == manifest["sender"]["email"]
            text = body(message)
            assert text.startswith(f"{letter['name']} 様\n\nいつもお世話になっております。\nあおば町役場 福祉課 高齢者支援係です。")
            assert meeting["date_text"] in text
            assert "【訂正】" not in text and "先にお送りした" not in text
            attachment = next(message.iter_attachments())
            assert attachment.get_filename() == f"{meeting['title']} 開催通知（{letter['name']}様）.docx"
            assert attachment.get_content() == (batch / letter["file"]).read_bytes()
        first_ids = {m["X-Sasaeai-Letter"]: m["Message-ID"] for m in server.messages}
        assert len(set(first_ids.values())) == len(letters)
        again = send_batch(batch, settings(server.port), really=True)
        assert again.sent == [] and {why for _, why in again.skipped} == {messages.SEND_SKIP_SENT}
        assert len(server.messages) == len(letters)
    assert set(log_states(batch.parent).values()) == {"sent"}
    assert {r["v"] for r in log_records(batch.parent)} == {store.LOG_FORMAT}


def test_short_lines_in_an_edited_template_still_go_out_7bit(batch, tmp_path):
    folder = tmp_path / "mine"
    assert run("templates", "export", folder).exit_code == 0
    (folder / "mail.txt").write_text("件名: 【あおば町】{{ meeting.title }}\n{{ letter.name }} 様\n\n短い行。\n.\n",
                                     encoding="utf-8")
    with Server() as server:
        report = send_batch(batch, settings(server.port), really=True, templates_dir=folder)
        assert report.exit_code == 0
        for raw, message in zip(server.raw, server.messages):
            assert_strict(raw)
            assert message.get_body(("plain",))["Content-Transfer-Encoding"] == "base64"
            assert str(message["Subject"]).startswith("【あおば町】")
            assert body(message).endswith("短い行。\n.\n")


def test_421_then_success(batch):
    _, letters = manifest_letters(batch)
    with Server() as server:
        server.data_replies = ["421 4.3.2 Service not available, try later"]
        report = send_batch(batch, settings(server.port), really=True)
        assert report.exit_code == 0
        assert server.letters() == Counter({key: 1 for key in letters})
    statuses = [(r["status"], r.get("error", "")[:3]) for r in log_records(batch.parent)]
    assert ("retry", "421") in statuses


# --- lost answers: never sent twice ------------------------------------------------------------------

def test_connection_dropped_after_the_final_dot_is_unconfirmed_never_resent(batch):
    _, letters = manifest_letters(batch)
    with Server() as server, Proxy(server.port, "drop_after_dot") as proxy:
        report = send_batch(batch, settings(proxy.port), really=True)
        # The server queued the first message although its answer never came back.
        assert server.letters() == Counter({key: 1 for key in letters})
        [(lost, why)] = report.unconfirmed
        assert "接続が切れた" in why and report.exit_code == 1
        assert len(report.sent) == len(letters) - 1
        first_id = next(m["Message-ID"] for m in server.messages if m["X-Sasaeai-Letter"] == lost.key)
        again = send_batch(batch, settings(proxy.port), really=True)
        assert again.sent == [] and [(i.key, why) for i, why in again.skipped if i.key == lost.key] == [
            (lost.key, messages.SEND_SKIP_UNCONFIRMED)]
        assert again.exit_code == 1
        assert server.letters() == Counter({key: 1 for key in letters})
        # Staff confirmed it did not arrive: the resend carries the same Message-ID.
        retried = send_batch(batch, settings(proxy.port), really=True, retry_unconfirmed=True)
        assert [i.key for i in retried.sent] == [lost.key]
        assert server.messages[-1]["Message-ID"] == first_id
        assert "【訂正】" not in str(server.messages[-1]["Subject"])
    assert log_states(batch.parent)[lost.key] == "sent"


def test_no_answer_after_the_final_dot_is_unconfirmed(batch):
    _, letters = manifest_letters(batch)
    with Server() as server, Proxy(server.port, "silent_after_dot") as proxy:
        report = send_batch(batch, settings(proxy.port, timeout=1), really=True)
        assert len(report.unconfirmed) == 1 and "応答しません" in report.unconfirmed[0][1]
        assert server.letters() == Counter({key: 1 for key in letters})
        send_batch(batch, settings(proxy.port, timeout=1), really=True)
        assert server.letters() == Counter({key: 1 for key in letters})
    records = [r for r in log_records(batch.parent) if r["key"] == report.unconfirmed[0][0].key]
    assert [r["status"] for r in records] == ["attempt", "unconfirmed"]


def test_crash_half_way_and_rerun(batch):
    """`send` is SIGKILLed while the server takes the fifth message: delivered, never confirmed."""
    _, letters = manifest_letters(batch)
    with Server() as server:
        env = dict(os.environ, SASAEAI_SMTP_HOST="127.0.0.1", SASAEAI_SMTP_PORT=str(server.port),
                   SASAEAI_SMTP_TLS="none")
        process = subprocess.Popen([sys.executable, "-m", "generator.cli", "send", str(batch), "--send",
                                    "--retry-wait", "0.01"], env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        server.on_message = lambda n: n == 5 and os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
        assert process.returncode == -signal.SIGKILL
        server.on_message = None
        in_flight = server.messages[4]["X-Sasaeai-Letter"]
        report = send_batch(batch, settings(server.port), really=True)
        assert server.letters() == Counter({key: 1 for key in letters})
        assert [item.key for item, why in report.skipped if why == messages.SEND_SKIP_UNCONFIRMED] == [in_flight]
        assert report.exit_code == 1
    states = log_states(batch.parent)
    assert states[in_flight] == "attempt"
    assert all(states[k] == "sent" for k in letters if k != in_flight)


# --- outages ---------------------------------------------------------------------------------------------

def test_server_down_stops_after_three_failed_connections_then_a_rerun_delivers(batch):
    _, letters = manifest_letters(batch)
    port = free_port()                           # nothing listens there yet
    report = send_batch(batch, settings(port), really=True)
    assert report.exit_code == 1 and not report.sent
    assert len(report.failed) == 1 and "接続を拒否" in report.failed[0][1]
    assert len(report.not_attempted) == len(letters) - 1
    assert report.stopped.startswith("メールサーバーとの接続に 3 回続けて失敗したため")
    assert [r["status"] for r in log_records(batch.parent)] == ["attempt", "retry", "attempt", "retry",
                                                                "attempt", "failed"]
    with Server(port) as server:
        report = send_batch(batch, settings(port), really=True)
        assert report.exit_code == 0 and server.letters() == Counter({key: 1 for key in letters})
    assert set(log_states(batch.parent).values()) == {"sent"}


def test_hung_server_with_timeout_2_gives_up_within_seconds(batch):
    _, letters = manifest_letters(batch)
    with socket.socket() as silent:          # accepts connections (backlog) and never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        env = dict(os.environ, SASAEAI_SMTP_HOST="127.0.0.1", SASAEAI_SMTP_PORT=str(silent.getsockname()[1]),
                   SASAEAI_SMTP_TLS="none")
        started = time.monotonic()
        result = subprocess.run([sys.executable, "-m", "generator.cli", "send", str(batch), "--send",
                                 "--timeout", "2", "--retry-wait", "0.1"], env=env, capture_output=True,
                                text=True, timeout=120)
        elapsed = time.monotonic() - started
    assert result.returncode == 1
    assert "2 秒以内に応答しません" in result.stdout and "3 回続けて失敗したため、送信を中止しました" in result.stdout
    assert f"未送信 {len(letters) - 1} 件" in result.stdout
    assert "Traceback" not in result.stderr
    assert elapsed < 40          # three 2-second waits, not 16 letters x 3 tries x 30 s


def test_hung_server_after_data_stops_the_run(batch):
    """A server that swallows every message's answer costs a few timeouts, not one per letter."""
    _, letters = manifest_letters(batch)
    with Server() as server, Proxy(server.port, "silent_after_dot", times=100) as proxy:
        report = send_batch(batch, settings(proxy.port, timeout=1), really=True)
        assert len(report.unconfirmed) == 3 and report.stopped
        assert len(report.not_attempted) == len(letters) - 3
        assert server.letters() == Counter({item.key: 1 for item, _ in report.unconfirmed})


def test_wrong_password_makes_exactly_one_auth_attempt(batch):
    _, letters = manifest_letters(batch)
    with Server(password="right") as server:
        report = send_batch(batch, settings(server.port, user="aoba", password="wrong"), really=True)
        assert server.logins == 1 and server.messages == []
        assert report.stopped == messages.SEND_AUTH and report.exit_code == 1
        assert len(report.not_attempted) == len(letters) - 1
        assert "wrong" not in json.dumps(log_records(batch.parent), ensure_ascii=False)
        report = send_batch(batch, settings(server.port, user="aoba", password="right"), really=True)
        assert report.exit_code == 0 and server.logins == 2
        assert server.letters() == Counter({key: 1 for key in letters})


def test_missing_starttls_is_permanent(batch):
    with Server() as server:
        report = send_batch(batch, settings(server.port, tls="starttls"), really=True)
        assert report.stopped == messages.SEND_NO_STARTTLS and server.messages == []
        assert [r["status"] for r in log_records(batch.parent)] == ["attempt", "failed"]


def test_refused_sender_stops_the_run_and_a_rerun_delivers(batch):
    _, letters = manifest_letters(batch)
    with Server() as server:
        server.refuse_sender = True
        report = send_batch(batch, settings(server.port), really=True)
        assert report.stopped.startswith("メールサーバーが送信元 shien@town-aoba.example からの送信を拒否しました（550")
        assert len(report.failed) == 1 and len(report.not_attempted) == len(letters) - 1
        server.refuse_sender = False
        assert send_batch(batch, settings(server.port), really=True).exit_code == 0
        assert server.letters() == Counter({key: 1 for key in letters})


def test_rate_limit_spaces_the_messages(batch):
    _, letters = manifest_letters(batch)
    clock = [0.0]
    waits = []

    def sleep(seconds):
        waits.append(round(seconds, 6))
        clock[0] += seconds

    with Server() as server:
        report = send_batch(batch, settings(server.port, rate=30), really=True, sleep=sleep,
                            clock=lambda: clock[0])
        assert report.exit_code == 0 and len(server.messages) == len(letters)
    assert waits == [2.0] * (len(letters) - 1)


# --- private certificate authority -----------------------------------------------------------------------

def _private_ca(folder):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    now = dt.datetime.now(dt.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "あおば町 テスト認証局")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(1).not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=9))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mail")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(2)
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=9))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    (folder / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (folder / "server.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "server.key").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                          serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()))
    return folder / "ca.pem"


def test_private_ca_with_ca_file_and_certificate_errors_in_japanese(batch, tmp_path, monkeypatch):
    import ssl

    _, letters = manifest_letters(batch)
    ca_file = _private_ca(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tmp_path / "server.pem", tmp_path / "server.key")
    with Server(tls_context=context) as server:
        report = send_batch(batch, settings(server.port, tls="starttls"), really=True)
        assert report.stopped == ("メールサーバー 127.0.0.1 の証明書を確認できません（発行元の認証局が信頼されていません）。"
                                  "独自の認証局を使う場合は --ca-file で証明書を指定してください")
        assert "CERTIFICATE_VERIFY_FAILED" not in report.stopped and server.messages == []
        assert len(log_records(batch.parent)) == 2          # one attempt, failed: no retries
        monkeypatch.setenv("SASAEAI_SMTP_CA_FILE", str(ca_file))
        monkeypatch.setenv("SASAEAI_SMTP_PORT", str(server.port))
        from_env = Settings.from_environment(host="127.0.0.1", tls="starttls", retry_wait=0.01)
        assert from_env.ca_file == str(ca_file)
        report = send_batch(batch, from_env, really=True)
        assert report.exit_code == 0 and server.letters() == Counter({key: 1 for key in letters})


def test_bad_settings_are_clear_errors(batch, tmp_path):
    result = run("send", batch, "--send", env={"SASAEAI_SMTP_PORT": "abc"})
    assert result.exit_code == 2
    assert "SMTP のポート番号は 1〜65535 の数字で指定してください（SASAEAI_SMTP_PORT または --port の値: abc）" in result.output
    result = run("send", batch, "--send", "--ca-file", tmp_path / "none.pem")
    assert result.exit_code == 2 and "認証局の証明書ファイル" in result.output and "がありません" in result.output
    (tmp_path / "junk.pem").write_text("not a certificate", encoding="utf-8")
    result = run("send", batch, "--send", "--ca-file", tmp_path / "junk.pem")
    assert result.exit_code == 2 and "PEM 形式の証明書か確かめてください" in result.output


def test_password_comes_only_from_the_environment(monkeypatch):
    monkeypatch.setenv("SASAEAI_SMTP_PASSWORD", "secret")
    monkeypatch.setenv("SASAEAI_SMTP_HOST", "mail.example.jp")
    monkeypatch.delenv("SASAEAI_SMTP_PORT", raising=False)
    s = Settings.from_environment(user="aoba", tls="ssl")
    assert (s.host, s.port, s.user, s.password, s.tls) == ("mail.example.jp", 465, "aoba", "secret", "ssl")
    result = run("send", "x", "--password", "p")
    assert result.exit_code == 2 and "No such option" in result.output


def test_send_without_a_batch_is_a_clear_error(tmp_path):
    result = run("send", tmp_path)
    assert result.exit_code == 2 and "manifest.json がありません" in result.output


def test_edited_mail_template_is_used(batch, tmp_path):
    folder = tmp_path / "mine"
    assert run("templates", "export", folder).exit_code == 0
    text = (folder / "mail.txt").read_text(encoding="utf-8")
    (folder / "mail.txt").write_text(text.replace("件名: ", "件名: 【あおば町】", 1), encoding="utf-8")
    report = send_batch(batch, None, really=False, templates_dir=folder)
    assert report.would_send and all(item.subject.startswith("【あおば町】") for item in report.would_send)


# --- a batch whose files are not what the manifest says -----------------------------------------------------

def test_tampered_letter_refuses_the_whole_batch(batch):
    _, letters = manifest_letters(batch)
    _, letter = next(iter(letters.values()))
    (batch / letter["file"]).write_bytes(b"changed after monthly")
    with Server() as server:
        result = run("send", batch, "--send", env={"SASAEAI_SMTP_HOST": "127.0.0.1",
                                                   "SASAEAI_SMTP_PORT": str(server.port), "SASAEAI_SMTP_TLS": "none"})
        assert result.exit_code == 2 and server.messages == []
    assert letter["file"] in result.output and "sasaeai monthly を再実行してください" in result.output
    assert run("send", batch).exit_code == 2          # the dry run says so too


_KILL_AFTER_WRITES = """
import os, signal, sys
import generator.batch.monthly as monthly
import generator.render.output as output
real = output.atomic_write
count = [0]
def write(path, data):
    real(path, data)
    count[0] += 1
    if count[0] == int(sys.argv[1]):
        os.kill(os.getpid(), signal.SIGKILL)
monthly.atomic_write = output.atomic_write = write
from generator.cli import main
main(sys.argv[2:])
"""


def test_stale_manifest_after_a_killed_monthly(batch, tmp_path):
    _, letters = manifest_letters(batch)
    c005 = {k for k in letters if k.startswith("C0-05/")}
    out = batch.parent
    env = dict(os.environ, SASAEAI_SMTP_HOST="127.0.0.1", SASAEAI_SMTP_TLS="none")
    with Server() as server:
        env["SASAEAI_SMTP_PORT"] = str(server.port)
        assert send_batch(batch, settings(server.port), really=True).exit_code == 0
        ledger = edited_ledger(tmp_path / "moved.xlsx", "C0-05", 場所=NEW_PLACE)
        killed = subprocess.run([sys.executable, "-c", _KILL_AFTER_WRITES, "3", "monthly", str(ledger),
                                 "--month", "2026-12", "--out", str(out)], capture_output=True)
        assert killed.returncode == -signal.SIGKILL
        manifest = json.loads((batch / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["complete"] is False
        result = subprocess.run([sys.executable, "-m", "generator.cli", "send", str(batch), "--send",
                                 "--resend-revised"], env=env, capture_output=True, text=True)
        assert result.returncode == 2 and "sasaeai monthly を再実行してください" in result.stderr
        assert len(server.messages) == len(letters)
        assert run("monthly", ledger, "--month", "2026-12", "--out", out).exit_code == 0
        report = send_batch(batch, settings(server.port), really=True, resend_revised=True)
        assert {item.key for item in report.sent} == c005
        corrections = server.messages[len(letters):]
        assert all(str(m["Subject"]).startswith("【訂正】") and NEW_PLACE in attachment_text(m)
                   for m in corrections)
        again = send_batch(batch, settings(server.port), really=True, resend_revised=True)
        assert again.sent == []
        assert set(server.versions().values()) == {1}
        assert server.letters() == Counter({k: 2 if k in c005 else 1 for k in letters})


# --- revisions -------------------------------------------------------------------------------------------------

def test_revision_found_in_the_next_month(batch, tmp_path):
    _, december = manifest_letters(batch)
    c005 = {k for k in december if k.startswith("C0-05/")}
    assert len(c005) == 6
    out = batch.parent
    with Server() as server:
        assert send_batch(batch, settings(server.port), really=True).exit_code == 0
        ledger = edited_ledger(tmp_path / "moved.xlsx", "C0-05", 場所=NEW_PLACE)
        assert run("monthly", ledger, "--month", "2027-01", "--out", out).exit_code == 0
        january = out / "2027-01"
        _, letters = manifest_letters(january)
        assert c005 <= set(letters)
        report = send_batch(january, settings(server.port), really=True)
        assert {item.key for item, why in report.skipped if why == messages.SEND_SKIP_REVISED} == c005
        assert not c005 & {item.key for item in report.sent}
        assert server.letters()["C0-05/M003"] == 1
        report = send_batch(january, settings(server.port), really=True, resend_revised=True)
        assert {item.key for item in report.sent} == c005
        for message in server.messages[-6:]:
            assert str(message["Subject"]) == "【訂正】第5回 あおば町支え合い推進会議の開催について（通知）"
            assert "先にお送りした開催通知の内容に変更がありました。" in body(message)
            assert NEW_PLACE in attachment_text(message)
        for _ in range(2):
            assert send_batch(january, settings(server.port), really=True, resend_revised=True).sent == []
            assert send_batch(batch, settings(server.port), really=True, resend_revised=True).sent == []
        assert set(server.versions().values()) == {1}
        assert all(server.letters()[k] == 2 for k in c005)


def test_550_then_a_revision_gets_a_plain_letter(batch, tmp_path):
    out = batch.parent
    refused = "C0-05/M003"
    _, december = manifest_letters(batch)
    with Server() as server:
        server.refuse = {december[refused][1]["email"]}
        report = send_batch(batch, settings(server.port), really=True)
        assert [(item.key, why[:3]) for item, why in report.failed] == [(refused, "550")]
        server.refuse = set()        # the member's mailbox works again
        ledger = edited_ledger(tmp_path / "moved.xlsx", "C0-05", 場所=NEW_PLACE)
        assert run("monthly", ledger, "--month", "2027-01", "--out", out).exit_code == 0
        january = out / "2027-01"
        report = send_batch(january, settings(server.port), really=True)
        # Never received anything: a plain letter, no --resend-revised needed, no 【訂正】.
        assert [item.key for item in report.sent if item.key.startswith("C0-05/")] == [refused]
        message = next(m for m in server.messages if m["X-Sasaeai-Letter"] == refused)
        assert str(message["Subject"]) == "第5回 あおば町支え合い推進会議の開催について（通知）"
        assert "先にお送りした" not in body(message) and NEW_PLACE in attachment_text(message)
        report = send_batch(january, settings(server.port), really=True, resend_revised=True)
        assert refused not in {item.key for item in report.sent}
        assert server.letters()[refused] == 1


def test_a_revert_is_a_revision_too(batch, tmp_path):
    out = batch.parent
    key = "C0-05/M004"
    with Server() as server:
        send_batch(batch, settings(server.port), really=True)
        moved = edited_ledger(tmp_path / "moved.xlsx", "C0-05", 場所=NEW_PLACE)
        assert run("monthly", moved, "--month", "2026-12", "--out", out).exit_code == 0
        send_batch(batch, settings(server.port), really=True, resend_revised=True)
        assert run("monthly", SAMPLE, "--month", "2026-12", "--out", out).exit_code == 0
        report = send_batch(batch, settings(server.port), really=True)
        assert (key, messages.SEND_SKIP_REVISED) in {(item.key, why) for item, why in report.skipped}
        report = send_batch(batch, settings(server.port), really=True, resend_revised=True)
        assert key in {item.key for item in report.sent}
        got = [m for m in server.messages if m["X-Sasaeai-Letter"] == key]
        assert [NEW_PLACE in attachment_text(m) for m in got] == [False, True, False]
        assert [str(m["Subject"]).startswith("【訂正】") for m in got] == [False, True, True]
        # Three deliveries, each its own Message-ID (a reader must not drop the last as a duplicate).
        assert len({m["Message-ID"] for m in got}) == 3
        assert send_batch(batch, settings(server.port), really=True, resend_revised=True).sent == []


def test_pdf_attached_later_is_not_a_revision(batch):
    """The version is the letter's content: a PDF made after the .docx went out changes nothing."""
    _, letters = manifest_letters(batch)
    with Server() as server:
        send_batch(batch, settings(server.port), really=True)
        manifest = json.loads((batch / "manifest.json").read_text(encoding="utf-8"))
        for entry in manifest["files"]:
            if entry["kind"] == "letter":
                pdf = entry["path"][:-5] + ".pdf"
                (batch / pdf).write_bytes(b"%PDF-1.4 " + entry["path"].encode())
                entry |= {"pdf": pdf, "pdf_sha256": hashlib.sha256((batch / pdf).read_bytes()).hexdigest()}
        (batch / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
        report = send_batch(batch, settings(server.port), really=True, resend_revised=True)
        assert report.sent == [] and {why for _, why in report.skipped} == {messages.SEND_SKIP_SENT}
        assert len(server.messages) == len(letters)
        # The .docx a PDF stands for is checked too: a changed letter with an old PDF is refused.
        _, letter = next(iter(letters.values()))
        (batch / letter["file"]).write_bytes(b"edited by hand")
        with pytest.raises(SendError) as refused:
            send_batch(batch, settings(server.port), really=True)
        assert letter["file"] in refused.value.message


@pytest.mark.parametrize("history, flags, expected", [
    ([], (False, False), ("", False, "")),
    ([("A", "attempt"), ("A", "failed")], (False, False), ("", False, "")),
    ([("A", "attempt"), ("A", "sent")], (False, False), (messages.SEND_SKIP_SENT, False, "")),
    ([("A", "attempt")], (False, False), (messages.SEND_SKIP_UNCONFIRMED, False, "")),
    ([("A", "attempt"), ("A", "unconfirmed")], (False, True), ("", False, "")),
    ([("B", "sent")], (False, False), (messages.SEND_SKIP_REVISED, False, "")),
    ([("B", "sent")], (True, False), ("", True, "B")),
    ([("A", "attempt"), ("A", "retry"), ("A", "attempt"), ("A", "failed")], (True, False), ("", False, "")),
    ([("A", "sent"), ("B", "sent")], (True, False), ("", True, "B")),
    ([("B", "sent"), ("A", "sent")], (False, False), (messages.SEND_SKIP_SENT, False, "")),
    ([("B", "sent"), ("A", "attempt")], (False, True), ("", True, "B")),
    ([("B", "attempt")], (False, False), (messages.SEND_SKIP_REVISED_UNCONFIRMED, False, "")),
])
def test_decide(history, flags, expected):
    """What a recipient received decides: nothing (plain), this version (skip), another one (【訂正】)."""
    records = [SendRecord(key="K/M", status=status, version=version) for version, status in history]
    decision = decide("A", records, resend_revised=flags[0], retry_unconfirmed=flags[1])
    assert (decision.reason, decision.revised, decision.previous) == expected


# --- older folders and damaged logs ------------------------------------------------------------------------

def test_per_month_log_of_an_older_release_is_still_honoured(batch):
    _, letters = manifest_letters(batch)
    lines = []
    for key, (_, letter) in letters.items():
        meeting_id, member_id = key.split("/")
        lines.append(json.dumps({"time": "2026-11-27T10:00:00+09:00", "key": key, "meeting_id": meeting_id,
                                 "member_id": member_id, "to": letter["email"], "sha256": letter["sha256"],
                                 "status": "sent", "try": 1}, ensure_ascii=False).encode("utf-8"))
    cut = json.dumps({"key": "C0-05/M003", "status": "attempt", "to": "佐藤"}, ensure_ascii=False).encode()
    lines.append(cut[:cut.index("佐".encode()) + 1])          # cut inside a UTF-8 character
    (batch / "送信ログ.jsonl").write_bytes(b"\n".join(lines))
    with Server() as server:
        result = run("send", batch, "--send", env={"SASAEAI_SMTP_HOST": "127.0.0.1",
                                                   "SASAEAI_SMTP_PORT": str(server.port), "SASAEAI_SMTP_TLS": "none"})
        assert result.exit_code == 0 and server.messages == []
    assert f"送信ログ {batch / '送信ログ.jsonl'} の {len(lines)} 行目は途中で切れているか壊れているため読み飛ばしました" \
        in result.output
    assert f"見送り {len(letters)} 件" in result.output


def test_log_with_a_cut_last_line_gets_its_next_record_on_a_new_line(batch):
    (batch.parent / "送信ログ.jsonl").write_bytes(b'{"key": "X/Y", "status": "sent", "to": "\xe4\xbd')
    with Server() as server:
        report = send_batch(batch, settings(server.port), really=True)
        assert report.exit_code == 0 and len(report.bad_log_lines) == 1
    history = store.read_send_history(batch.parent)
    assert [bad.number for bad in history.bad_lines] == [1]
    assert len(history.records) == 2 * len(report.sent)


# --- ledger text in headers (issue 15, point 7) --------------------------------------------------------------

def test_line_breaks_and_non_ascii_ids_in_headers(ledger_file, tmp_path):
    from conftest import minimal, set_cell

    sheets = minimal()
    sheets["基本情報"].append(["メール", "fukushi@test-town.example"])
    set_cell(sheets, "構成員", "氏名", 3, "老人\n三郎")
    set_cell(sheets, "協議体", "名称", 1, "町の\n会議")
    set_cell(sheets, "会議", "会議ID", 2, "会議２")
    ledger = ledger_file(sheets)
    out = tmp_path / "out"
    result = run("monthly", ledger, "--month", "2026-06", "--out", out)
    assert result.exit_code == 0, result.output
    batch = out / "2026-06"
    dry = run("send", batch)
    assert dry.exit_code == 0 and "送信予定 1 件" in dry.output
    with Server() as server:
        report = send_batch(batch, settings(server.port), really=True)
        assert report.exit_code == 0
        [raw] = server.raw
        message = email.message_from_bytes(raw, policy=policy.default)
        assert max(raw) < 128 and message.defects == []
        assert str(message["Subject"]) == "第2回 町の 会議の開催について（通知）"
        assert message["To"].addresses[0].display_name == "老人 三郎 様"
        assert message["X-Sasaeai-Letter"] == "%E4%BC%9A%E8%AD%B02/M03"
        assert message["Message-ID"].endswith("@test-town.example>")
        assert next(message.iter_attachments()).get_filename() == "第2回 町の 会議 開催通知（老人 三郎様）.docx"
        assert body(message).startswith("老人 三郎 様")


def test_display_names_stay_whole_and_subjects_fold_only_at_spaces():
    from generator.batch.send import _address, _fold, encode_text

    name = "あおば町役場 健康福祉部 高齢者支援課 地域包括ケア推進係"
    header = _fold("From", _address(name, "shien@town-aoba.example"))
    assert header.count("=?utf-8?b?") == 1                 # one encoded word: no reader can split it
    subject = "【訂正】第5回 あおば町支え合い推進会議（北部・中部・南部合同）の開催について（通知）"
    folded = _fold("Subject", encode_text(subject))
    raw = (header + folded + "Date: Sun, 20 Dec 2026 10:00:00 +0900\r\n\r\nx\r\n").encode("ascii")
    message = email.message_from_bytes(raw, policy=policy.default)
    assert message["From"].addresses[0].display_name == name and message["From"].defects == ()
    assert str(message["Subject"]) == subject
    # Each encoded word of the subject ends at a space of the decoded text (or at its end).
    words = [email.header.decode_header(w)[0][0].decode("utf-8") for w in folded[9:].split()]
    assert "".join(words) == subject and all(w.endswith(" ") for w in words[:-1])
    assert all(len(line) <= 998 for line in folded.split("\r\n"))


@pytest.mark.parametrize("address, expected", [
    ("m003@mail-aoba.example", "m003@mail-aoba.example"),
    ("info@あおば町.jp", "info@xn--l8jq8iy840a.jp"),
    ("山田@mail-aoba.example", None),
    ("no-at-sign", None),
    ("a b@mail-aoba.example", None),
])
def test_addresses_go_out_as_ascii_or_not_at_all(address, expected):
    from generator.batch.send import ascii_address

    assert ascii_address(address) == expected


def test_a_second_send_on_the_same_output_folder_waits_its_turn(batch):
    with store.SendLog(batch.parent), Server() as server:
        with pytest.raises(SendError) as refused:
            send_batch(batch, settings(server.port), really=True)
        assert "別の sasaeai send が送信中です" in refused.value.message and server.messages == []


def test_an_endless_mail_template_is_a_template_error_not_a_hang(tmp_path):
    from generator.batch.send import _mail_template
    from generator.render.engine import render_limited
    from generator.errors import TemplateError

    folder = tmp_path / "mine"
    folder.mkdir()
    # A plain sandbox would happily build this 2 MB body; the limited one refuses it.
    (folder / "mail.txt").write_text('件名: x\n{{ "x" * 2000000 }}', encoding="utf-8")
    template = _mail_template(folder)
    with pytest.raises(TemplateError, match="mail.txt"):
        render_limited(template, {}, "mail.txt")
