"""E-mail a batch's letters to the メール members, so that none is sent twice.

Every attempt is appended to 送信ログ.jsonl in the batch folder before the
message goes out ("attempt") and after the server's answer ("sent" or
"failed"). A rerun skips what was sent, retries what failed, and does not
guess about an attempt with no answer (the run was killed mid-send): that
letter is reported for staff to confirm, and resent only when asked.
Temporary failures (4xx, a dropped or refused connection) are retried with
back-off; permanent ones (5xx) are reported per recipient.
"""
from __future__ import annotations

import os
import smtplib
import socket
import ssl
import time
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Callable

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from .. import messages
from ..errors import SasaeaiError, UsageError
from .store import (MANIFEST, Manifest, ManifestMissing, SendRecord, append_send_record, read_manifest,
                    read_send_log)
from ..render.output import inside
from ..documents.base import default_template_bytes
from ..documents.templates import MAIL_TEMPLATE


class SendError(SasaeaiError):
    """The batch cannot be sent at all (no manifest, no sender address, bad settings)."""


@dataclass
class Settings:
    host: str = "localhost"
    port: int = 25
    user: str = ""
    password: str = ""
    tls: str = "starttls"          # starttls, ssl or none
    timeout: float = 30.0
    retries: int = 3               # attempts per message for temporary failures
    retry_wait: float = 2.0        # seconds before the first retry; doubles each time

    @classmethod
    def from_environment(cls, **given) -> "Settings":
        """Options given win; then SASAEAI_SMTP_* variables. The password only ever comes from the environment."""
        env = os.environ
        values = {
            "host": given.get("host") or env.get("SASAEAI_SMTP_HOST") or "localhost",
            "port": given.get("port") or int(env.get("SASAEAI_SMTP_PORT") or 0),
            "user": given.get("user") or env.get("SASAEAI_SMTP_USER") or "",
            "password": env.get("SASAEAI_SMTP_PASSWORD", ""),
            "tls": (given.get("tls") or env.get("SASAEAI_SMTP_TLS") or "starttls").lower(),
        }
        if values["tls"] not in ("starttls", "ssl", "none"):
            raise UsageError(messages.SEND_TLS.format(value=values["tls"]))
        if not values["port"]:
            values["port"] = {"ssl": 465, "starttls": 587, "none": 25}[values["tls"]]
        for key in ("retries", "retry_wait", "timeout"):
            if given.get(key) is not None:
                values[key] = given[key]
        return cls(**values)


@dataclass
class Outgoing:
    """One letter to e-mail."""

    key: str                      # meeting ID / member ID
    meeting_id: str
    member_id: str
    name: str
    to: str
    attachment: Path
    attachment_name: str
    sha256: str                   # of the attachment: a changed letter has a new one
    revised: bool
    message: EmailMessage | None = None


@dataclass
class SendReport:
    sent: list[Outgoing] = field(default_factory=list)
    failed: list[tuple[Outgoing, str]] = field(default_factory=list)
    skipped: list[tuple[Outgoing, str]] = field(default_factory=list)
    would_send: list[Outgoing] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        unconfirmed = any(reason == messages.SEND_SKIP_UNCONFIRMED for _, reason in self.skipped)
        return 1 if self.failed or unconfirmed else 0


def load_manifest(batch: Path) -> Manifest:
    try:
        return read_manifest(batch)
    except ManifestMissing:
        raise SendError(messages.SEND_NO_MANIFEST.format(path=batch)) from None
    except (OSError, ValueError, TypeError, KeyError):
        raise SendError(messages.SEND_BAD_MANIFEST.format(path=batch / MANIFEST)) from None


def outgoing(batch: Path, manifest: Manifest) -> list[Outgoing]:
    """Every メール letter of the batch, with the PDF attached when the batch has one."""
    out = []
    files = {f.path: f for f in manifest.files}
    for meeting in manifest.meetings:
        if meeting.kind != "invitation":
            continue
        for letter in meeting.letters:
            if letter.delivery != "メール":
                continue
            entry = files.get(letter.file)
            if entry is not None and entry.pdf:
                attachment, digest, suffix = entry.pdf, entry.pdf_sha256, ".pdf"
            else:
                attachment, digest, suffix = letter.file, letter.sha256, ".docx"
            out.append(Outgoing(
                key=f"{meeting.meeting_id}/{letter.member_id}", meeting_id=meeting.meeting_id,
                member_id=letter.member_id, name=f"{letter.name} {letter.honorific}",
                to=letter.email, attachment=inside(batch, attachment),
                attachment_name=f"{meeting.title} 開催通知（{letter.name}{letter.honorific}）{suffix}",
                sha256=digest, revised=meeting.revised))
    return out


def _mail_template(templates_dir: str | Path | None) -> jinja2.Template:
    env = SandboxedEnvironment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    edited = Path(templates_dir) / MAIL_TEMPLATE if templates_dir else None
    if edited is not None and edited.exists():
        source, where = edited.read_text(encoding="utf-8"), edited
    else:
        source, where = default_template_bytes(MAIL_TEMPLATE).decode("utf-8"), MAIL_TEMPLATE
    try:
        return env.from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        raise SendError(messages.SEND_TEMPLATE.format(path=where, error=exc.message)) from exc


def compose(item: Outgoing, manifest: Manifest, template: jinja2.Template) -> EmailMessage:
    """The message for one letter: Japanese subject and body, the letter attached."""
    sender = manifest.sender
    meeting = manifest.meeting(item.meeting_id, "invitation")
    letter = next(x for x in meeting.letters if x.member_id == item.member_id)
    try:
        text = template.render(sender=sender, meeting=meeting.to_json(), letter=letter.to_json(),
                               revised=item.revised)
    except jinja2.TemplateError as exc:
        raise SendError(messages.SEND_TEMPLATE.format(path=MAIL_TEMPLATE, error=exc)) from exc
    first, _, body = text.partition("\n")
    subject = first.removeprefix("件名:").strip()
    msg = EmailMessage()
    display = " ".join(x for x in (sender.get("municipality"), sender.get("department")) if x)
    domain = sender["email"].rsplit("@", 1)[-1]
    msg["From"] = Address(display_name=display, addr_spec=sender["email"])
    msg["Reply-To"] = Address(display_name=display, addr_spec=sender["email"])
    msg["To"] = Address(display_name=item.name, addr_spec=item.to)
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(idstring=item.key.replace("/", "."), domain=domain)
    msg["X-Sasaeai-Letter"] = item.key
    msg.set_content(body.lstrip("\n"))
    data = item.attachment.read_bytes()
    if item.attachment.suffix == ".pdf":
        maintype, subtype = "application", "pdf"
    else:
        maintype, subtype = "application", "vnd.openxmlformats-officedocument.wordprocessingml.document"
    msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=item.attachment_name)
    return msg


# --- the log ----------------------------------------------------------------------

def read_log(batch: Path) -> dict[str, list[SendRecord]]:
    by_key: dict[str, list[SendRecord]] = {}
    for record in read_send_log(batch):
        by_key.setdefault(record.key, []).append(record)
    return by_key


def decide(item: Outgoing, history: list[SendRecord], resend_revised: bool, retry_unconfirmed: bool) -> str | None:
    """None to send now, else why not."""
    last_by_sha: dict[str, str] = {}
    for record in history:
        if record.status in ("attempt", "retry", "sent", "failed"):
            last_by_sha[record.sha256] = record.status
    sent_shas = [sha for sha, status in last_by_sha.items() if status == "sent"]
    state = last_by_sha.get(item.sha256)
    if state == "sent":
        return messages.SEND_SKIP_SENT
    if state == "attempt" and not retry_unconfirmed:
        return messages.SEND_SKIP_UNCONFIRMED
    if sent_shas and not resend_revised:
        return messages.SEND_SKIP_REVISED
    return None


# --- delivery -------------------------------------------------------------------------

class _Connection:
    """One SMTP session, opened on demand and reopened after a failure."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def get(self) -> smtplib.SMTP:
        if self.smtp is None:
            s = self.settings
            if s.tls == "ssl":
                smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.tls == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
            if s.user:
                smtp.login(s.user, s.password)
            self.smtp = smtp
        return self.smtp

    def drop(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.close()
            except Exception:  # noqa: BLE001 - a broken connection is being thrown away
                pass
        self.smtp = None

    def quit(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
        self.smtp = None


def _classify(exc: Exception) -> tuple[bool, str]:
    """(temporary?, description) of a sending failure."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return False, messages.SEND_AUTH
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()))
        return 400 <= code < 500, f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return 400 <= exc.smtp_code < 500, f"{exc.smtp_code} {text}"
    if isinstance(exc, (ConnectionRefusedError, socket.gaierror)):
        return True, messages.SEND_CONNECT.format(error=exc)
    if isinstance(exc, (smtplib.SMTPServerDisconnected, ConnectionError, socket.timeout, TimeoutError)):
        return True, messages.SEND_DISCONNECTED.format(error=exc)
    if isinstance(exc, OSError):
        return True, messages.SEND_CONNECT.format(error=exc)
    return False, str(exc)


def send_batch(batch: str | Path, settings: Settings | None = None, *, really: bool = False,
               resend_revised: bool = False, retry_unconfirmed: bool = False,
               templates_dir: str | Path | None = None, sleep: Callable[[float], None] = time.sleep,
               progress: Callable[[int], None] = lambda n: None,
               on_total: Callable[[int], None] = lambda n: None) -> SendReport:
    """Send (or, without `really`, list) the e-mails of a batch folder."""
    batch = Path(batch)
    manifest = load_manifest(batch)
    if not manifest.sender.get("email"):
        raise SendError(messages.SEND_NO_SENDER)
    template = _mail_template(templates_dir)
    items = outgoing(batch, manifest)
    log = read_log(batch)
    report = SendReport()
    todo = []
    for item in items:
        reason = decide(item, log.get(item.key, []), resend_revised, retry_unconfirmed)
        if reason:
            report.skipped.append((item, reason))
        else:
            item.message = compose(item, manifest, template)
            todo.append(item)
    if not really:
        report.would_send = todo
        return report
    connection = _Connection(settings or Settings.from_environment())
    on_total(len(todo))
    try:
        for item in todo:
            _deliver(batch, item, connection, settings or connection.settings, report, sleep)
            progress(1)
    finally:
        connection.quit()
    return report


def _deliver(batch: Path, item: Outgoing, connection: _Connection, settings: Settings, report: SendReport,
             sleep: Callable[[float], None]) -> None:
    def log(status: str, attempt: int, **outcome) -> None:
        append_send_record(batch, SendRecord(
            key=item.key, meeting_id=item.meeting_id, member_id=item.member_id, to=item.to, sha256=item.sha256,
            attachment=item.attachment_name, message_id=item.message["Message-ID"], status=status,
            attempt=attempt, **outcome))

    wait = settings.retry_wait
    for attempt in range(1, settings.retries + 1):
        log("attempt", attempt)
        try:
            refused = connection.get().send_message(item.message)
            if refused:
                raise smtplib.SMTPRecipientsRefused(refused)
        except Exception as exc:  # noqa: BLE001 - every failure is classified and logged
            connection.drop()
            temporary, why = _classify(exc)
            if temporary and attempt < settings.retries:
                log("retry", attempt, error=why)
                sleep(wait)
                wait *= 2
                continue
            log("failed", attempt, error=why, permanent=not temporary)
            report.failed.append((item, why))
            return
        log("sent", attempt)
        report.sent.append(item)
        return
