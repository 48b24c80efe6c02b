"""`sasaeai send` against a real SMTP server on loopback (aiosmtpd), with faults."""
import email
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from collections import Counter
from email import policy

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from conftest import SAMPLE

from generator.cli import main
from generator.batch.send import Settings, send_batch


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A loopback SMTP server that records messages and misbehaves on request."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.messages = []
        self.data_replies = []          # replies to give to the next DATA commands instead of 250
        self.refuse = set()             # recipients answered with 550
        self.disconnect_next_data = False
        self.on_message = None
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.disconnect_next_data:
            self.disconnect_next_data = False
            server.transport.close()
            return "421 4.4.2 connection dropped"
        if self.data_replies:
            return self.data_replies.pop(0)
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)
        if self.on_message:
            self.on_message(len(self.messages))
        return "250 2.0.0 OK"

    def letters(self):
        return Counter(m["X-Sasaeai-Letter"] for m in self.messages)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


@pytest.fixture(scope="module")
def made_batch(tmp_path_factory):
    out = tmp_path_factory.mktemp("batch")
    result = CliRunner().invoke(main, ["monthly", str(SAMPLE), "--month", "2026-12", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out / "2026-12"


@pytest.fixture
def batch(made_batch, tmp_path):
    copy = tmp_path / "2026-12"
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
    return Settings(host="127.0.0.1", port=port, tls="none", timeout=10, retries=3, retry_wait=0.01, **extra)


def log_states(batch):
    states = {}
    for line in (batch / "送信ログ.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["status"] in ("sent", "failed", "attempt", "retry"):
            states[record["key"]] = record["status"]
    return states


def test_dry_run_lists_and_sends_nothing(batch):
    _, letters = manifest_letters(batch)
    result = CliRunner().invoke(main, ["send", str(batch)])
    assert result.exit_code == 0
    assert f"送信予定 {len(letters)} 件、見送り 0 件" in result.output
    assert not (batch / "送信ログ.jsonl").exists()


def test_every_letter_delivered_once_with_japanese_headers(batch):
    manifest, letters = manifest_letters(batch)
    with Server() as server:
        report = send_batch(batch, settings(server.port), really=True)
        assert report.exit_code == 0 and len(report.sent) == len(letters)
        assert server.letters() == Counter({key: 1 for key in letters})
        for message in server.messages:
            meeting, letter = letters[message["X-Sasaeai-Letter"]]
            assert str(message["Subject"]) == f"{meeting['title']}の開催について（通知）"
            assert message["To"].addresses[0].addr_spec == letter["email"]
            assert message["From"].addresses[0].addr_spec == manifest["sender"]["email"]
            assert message["Reply-To"].addresses[0].addr_spec == manifest["sender"]["email"]
            body = message.get_body(("plain",)).get_content()
            assert body.startswith(f"{letter['name']} 様") and meeting["date_text"] in body
            attachment = next(message.iter_attachments())
            assert attachment.get_filename() == f"{meeting['title']} 開催通知（{letter['name']}様）.docx"
            assert attachment.get_content() == (batch / letter["file"]).read_bytes()
        # A rerun sends nothing again.
        again = send_batch(batch, settings(server.port), really=True)
        assert again.sent == [] and len(again.skipped) == len(letters)
        assert len(server.messages) == len(letters)
    assert set(log_states(batch).values()) == {"sent"}


def test_connection_refused_then_a_rerun_delivers(batch):
    _, letters = manifest_letters(batch)
    port = free_port()                           # nothing listens there yet
    report = send_batch(batch, settings(port), really=True)
    assert report.exit_code == 1 and len(report.failed) == len(letters) and not report.sent
    assert "接続できません" in report.failed[0][1]
    assert set(log_states(batch).values()) == {"failed"}
    with Server(port) as server:
        report = send_batch(batch, settings(port), really=True)
        assert report.exit_code == 0 and server.letters() == Counter({key: 1 for key in letters})
    assert set(log_states(batch).values()) == {"sent"}


def test_421_then_success(batch):
    _, letters = manifest_letters(batch)
    with Server() as server:
        server.data_replies = ["421 4.3.2 Service not available, try later"]
        report = send_batch(batch, settings(server.port), really=True)
        assert report.exit_code == 0
        assert server.letters() == Counter({key: 1 for key in letters})
    log = (batch / "送信ログ.jsonl").read_text(encoding="utf-8")
    assert '"status": "retry"' in log and "421" in log


def test_550_for_one_recipient(batch):
    _, letters = manifest_letters(batch)
    bad_key, (_, bad) = next(iter(letters.items()))
    with Server() as server:
        server.refuse = {bad["email"]}
        report = send_batch(batch, settings(server.port), really=True)
        assert report.exit_code == 1
        assert [(item.key, why[:3]) for item, why in report.failed] == [(bad_key, "550")]
        assert server.letters() == Counter({key: 1 for key in letters if key != bad_key})
        # A rerun retries only the failed one (and it fails again, permanently).
        again = send_batch(batch, settings(server.port), really=True)
        assert [item.key for item, _ in again.failed] == [bad_key] and again.sent == []
    states = log_states(batch)
    assert states[bad_key] == "failed" and all(v == "sent" for k, v in states.items() if k != bad_key)


def test_disconnect_in_the_middle_of_data(batch):
    _, letters = manifest_letters(batch)
    with Server() as server:
        server.disconnect_next_data = True
        report = send_batch(batch, settings(server.port), really=True)
        assert report.exit_code == 0
        assert server.letters() == Counter({key: 1 for key in letters})
    assert set(log_states(batch).values()) == {"sent"}


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
        # Every letter reached the server exactly once ...
        assert server.letters() == Counter({key: 1 for key in letters})
        # ... and the one whose answer never came back is reported, not sent twice.
        assert [item.key for item, why in report.skipped if "確認できません" in why] == [in_flight]
        assert report.exit_code == 1
    states = log_states(batch)
    assert states[in_flight] == "attempt"
    assert all(states[k] == "sent" for k in letters if k != in_flight)


def test_revised_letter_is_sent_again_only_when_asked(batch, tmp_path):
    _, letters = manifest_letters(batch)
    with Server() as server:
        send_batch(batch, settings(server.port), really=True)
        # Pretend one letter changed after it was sent (its attachment's digest is new).
        manifest = json.loads((batch / "manifest.json").read_text(encoding="utf-8"))
        meeting = next(m for m in manifest["meetings"] if m.get("letters"))
        letter = next(l for l in meeting["letters"] if l["delivery"] == "メール")
        letter["sha256"] = "0" * 64
        meeting["revised"] = True
        (batch / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
        key = f"{meeting['meeting_id']}/{letter['member_id']}"
        report = send_batch(batch, settings(server.port), really=True)
        assert report.sent == [] and any(item.key == key and "--resend-revised" in why for item, why in report.skipped)
        report = send_batch(batch, settings(server.port), really=True, resend_revised=True)
        assert [item.key for item in report.sent] == [key]
        resent = server.messages[-1]
        assert str(resent["Subject"]).startswith("【訂正】")


def test_password_comes_only_from_the_environment(monkeypatch):
    monkeypatch.setenv("SASAEAI_SMTP_PASSWORD", "secret")
    monkeypatch.setenv("SASAEAI_SMTP_HOST", "mail.example.jp")
    s = Settings.from_environment(user="aoba", tls="ssl")
    assert (s.host, s.port, s.user, s.password, s.tls) == ("mail.example.jp", 465, "aoba", "secret", "ssl")
    result = CliRunner().invoke(main, ["send", "x", "--password", "p"])
    assert result.exit_code == 2 and "No such option" in result.output


def test_send_without_a_batch_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["send", str(tmp_path)])
    assert result.exit_code == 2 and "manifest.json がありません" in result.output


def test_edited_mail_template_is_used(batch, tmp_path):
    folder = tmp_path / "mine"
    assert CliRunner().invoke(main, ["templates", "export", str(folder)]).exit_code == 0
    text = (folder / "mail.txt").read_text(encoding="utf-8")
    (folder / "mail.txt").write_text(text.replace("件名: ", "件名: 【あおば町】", 1), encoding="utf-8")
    report = send_batch(batch, None, really=False, templates_dir=folder)
    assert all(str(item.message["Subject"]).startswith("【あおば町】") for item in report.would_send)
