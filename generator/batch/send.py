"""E-mail a batch's letters to the メール members: never twice, never a wrong letter.

What each recipient received is read from the output folder's one send log
(store.py), keyed by the letter's content version, across every month:

- A letter version a server accepted (250 after the final ".") is not sent
  again. A version whose body went out but whose answer never came (a
  dropped connection, no reply, a killed run) is *unconfirmed*: it may have
  arrived, so it is resent only with --retry-unconfirmed.
- A recipient whose last received version differs from the current one
  (a change, or a change undone) gets the current one only with
  --resend-revised, marked 【訂正】. Someone who never received any version
  (refused with 550, say) gets a plain letter.
- The manifest must describe the files on disk: a batch that a killed
  `monthly` left half rewritten, or whose attachments differ from their
  sha256, is refused as a whole.

Each attempt is logged and forced to disk before its first byte goes out.
Messages are built by hand as 7-bit ASCII (base64 body, RFC 2047 headers
split only between characters, RFC 2231 file names): the standard library's
header folding was most of the cost of a batch, and its folding split words.
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import os
import re
import smtplib
import socket
import ssl
import time
import unicodedata
from dataclasses import dataclass, field
from email.utils import format_datetime
from pathlib import Path
from typing import Callable
from urllib.parse import quote

import jinja2

from .. import messages
from ..documents.base import default_template_bytes
from ..documents.templates import MAIL_TEMPLATE, MAIL_TEMPLATES
from ..errors import OutputError, SasaeaiError, UsageError
from ..render.engine import make_text_environment, render_limited
from ..render.output import inside
from . import store
from .store import MANIFEST, Manifest, ManifestMissing, SendLog, SendLogBusy, SendRecord


class SendError(SasaeaiError):
    """The batch cannot be sent at all (no manifest, no sender address, bad settings, stale files)."""


# --- settings ---------------------------------------------------------------------------

@dataclass
class Settings:
    """How to reach the SMTP server, and how patient to be with it."""

    host: str = "localhost"
    port: int = 25
    user: str = ""
    password: str = ""
    tls: str = "starttls"          # starttls, ssl or none
    timeout: float = 30.0          # seconds for connecting and for each server reply
    retries: int = 3               # attempts per message for temporary failures
    retry_wait: float = 2.0        # seconds before the first retry; doubles each time
    rate: float = 0.0              # messages per minute at most; 0 = as fast as the server takes them
    ca_file: str = ""              # a private certificate authority's certificate (PEM)
    max_connection_failures: int = 3   # in a row, then the run stops

    @classmethod
    def from_environment(cls, **given) -> "Settings":
        """Options given win; then SASAEAI_SMTP_* variables. The password only ever comes from the environment."""
        env = os.environ
        port = given.get("port")
        if port is None and env.get("SASAEAI_SMTP_PORT", "").strip():
            text = env["SASAEAI_SMTP_PORT"].strip()
            if not text.isascii() or not text.isdigit():
                raise UsageError(messages.SEND_PORT.format(value=text))
            port = int(text)
        if port is not None and not 1 <= port <= 65535:
            raise UsageError(messages.SEND_PORT.format(value=port))
        values = {
            "host": given.get("host") or env.get("SASAEAI_SMTP_HOST") or "localhost",
            "user": given.get("user") or env.get("SASAEAI_SMTP_USER") or "",
            "password": env.get("SASAEAI_SMTP_PASSWORD", ""),
            "tls": (given.get("tls") or env.get("SASAEAI_SMTP_TLS") or "starttls").lower(),
            "ca_file": given.get("ca_file") or env.get("SASAEAI_SMTP_CA_FILE") or "",
        }
        if values["tls"] not in ("starttls", "ssl", "none"):
            raise UsageError(messages.SEND_TLS.format(value=values["tls"]))
        values["port"] = port or {"ssl": 465, "starttls": 587, "none": 25}[values["tls"]]
        for key in ("retries", "retry_wait", "timeout", "rate"):
            if given.get(key) is not None:
                values[key] = given[key]
        settings = cls(**values)
        settings.tls_context()     # a CA file that cannot be used is an error before anything is sent
        return settings

    def tls_context(self) -> ssl.SSLContext:
        """The TLS context: the system's authorities, or the --ca-file one."""
        if not self.ca_file:
            return ssl.create_default_context()
        path = Path(self.ca_file)
        if not path.is_file():
            raise UsageError(messages.SEND_CA_MISSING.format(path=path))
        try:
            return ssl.create_default_context(cafile=str(path))
        except (ssl.SSLError, OSError, ValueError):
            raise UsageError(messages.SEND_CA_BAD.format(path=path)) from None


# --- what to send -----------------------------------------------------------------------

@dataclass
class Outgoing:
    """One letter to e-mail, and what was decided about it."""

    key: str                      # letter_key(): meeting ID / member ID, with the kind unless an invitation
    meeting_id: str
    member_id: str
    name: str
    to: str
    attachment: Path
    attachment_name: str
    sha256: str                   # of the attachment, as the manifest lists it
    version: str                  # the letter's content version (not the attachment's bytes)
    batch: str                    # the month folder
    letter: Path | None = None    # the .docx the version stands for, when a PDF of it is attached
    letter_sha256: str = ""
    kind: str = "invitation"      # which document: an invitation or a 会議のまとめ
    revised: bool = False         # 【訂正】: the recipient may hold an earlier, different version
    previous: str = ""            # that version
    message_id: str = ""
    subject: str = ""
    wire: bytes = b""             # the whole message, dot-quoted and ending with CRLF.CRLF


@dataclass
class SendReport:
    """What a run sent, could not send, left alone, and why."""

    sent: list[Outgoing] = field(default_factory=list)
    failed: list[tuple[Outgoing, str]] = field(default_factory=list)
    unconfirmed: list[tuple[Outgoing, str]] = field(default_factory=list)   # body out, no answer
    skipped: list[tuple[Outgoing, str]] = field(default_factory=list)
    would_send: list[Outgoing] = field(default_factory=list)
    not_attempted: list[Outgoing] = field(default_factory=list)   # left when the run stopped
    stopped: str = ""                                             # why the run stopped early
    bad_log_lines: list[store.BadLine] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 when every letter is sent or was before; 1 when staff must look at something."""
        unconfirmed = any(reason == messages.SEND_SKIP_UNCONFIRMED for _, reason in self.skipped)
        return 1 if (self.failed or self.unconfirmed or self.not_attempted or self.stopped
                     or unconfirmed) else 0


def load_manifest(batch: Path) -> Manifest:
    """The batch's manifest, refused unless it is complete."""
    try:
        manifest = store.read_manifest(batch)
    except ManifestMissing:
        raise SendError(messages.SEND_NO_MANIFEST.format(path=batch)) from None
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        raise SendError(messages.SEND_BAD_MANIFEST.format(path=batch / MANIFEST)) from None
    if not manifest.complete:
        raise SendError(messages.SEND_INCOMPLETE.format(path=batch))
    return manifest


# What each kind of e-mailed letter is called in an attachment's name.
MAILED_KINDS = {"invitation": "開催通知", "meeting_summary": "会議のまとめ"}


def letter_key(kind: str, meeting_id: str, member_id: str) -> str:
    """The send log's key of one recipient's letter; invitations keep the key they always had."""
    return f"{meeting_id}/{member_id}" if kind == "invitation" else f"{meeting_id}/{kind}/{member_id}"


def outgoing(batch: Path, manifest: Manifest) -> list[Outgoing]:
    """Every メール letter of the batch, with the PDF attached when the batch has one."""
    out = []
    files = {f.path: f for f in manifest.files}
    for meeting in manifest.meetings:
        if meeting.kind not in MAILED_KINDS:
            continue
        what = MAILED_KINDS[meeting.kind]
        for letter in meeting.letters:
            if letter.delivery != "メール":
                continue
            entry = files.get(letter.file)
            if entry is not None and entry.pdf:
                attachment, digest, suffix = entry.pdf, entry.pdf_sha256, ".pdf"
            else:
                attachment, digest, suffix = letter.file, letter.sha256, ".docx"
            name = one_line(f"{letter.name} {letter.honorific}")
            try:
                path = inside(batch, attachment)
                docx = inside(batch, letter.file) if suffix == ".pdf" else None
            except OutputError:
                raise SendError(messages.SEND_STALE.format(path=batch, file=attachment)) from None
            out.append(Outgoing(
                key=letter_key(meeting.kind, meeting.meeting_id, letter.member_id), kind=meeting.kind,
                meeting_id=meeting.meeting_id,
                member_id=letter.member_id, name=name, to=one_line(letter.email).strip(), attachment=path,
                attachment_name=one_line(f"{meeting.title} {what}（{letter.name}{letter.honorific}）{suffix}"),
                sha256=digest, version=letter.version, batch=batch.name, letter=docx,
                letter_sha256=letter.sha256))
    return out


_MONTH = re.compile(r"\d{4}-\d{2}")


def superseded(batch: Path) -> dict[str, str]:
    """Meeting ID -> the later month folder that made its letters again (a revision found later).

    Those letters of this batch are out of date: sending them, even as a
    correction, would send a wrong letter.
    """
    if not _MONTH.fullmatch(batch.name):
        return {}
    later = {}
    for month, manifest in store.batch_manifests(batch.parent, "9999-99"):
        if _MONTH.fullmatch(month) and month > batch.name:
            for meeting in manifest.meetings:
                if meeting.kind == "invitation" and meeting.letters:
                    later[meeting.meeting_id] = month
    return later


def verify(batch: Path, items: list[Outgoing]) -> dict[str, bytes]:
    """Each attachment's bytes, after checking them against the manifest; refuses an inconsistent batch."""
    seen: set[str] = set()
    data: dict[str, bytes] = {}
    for item in items:
        if item.key in seen:     # one letter listed twice: the manifest cannot be trusted
            raise SendError(messages.SEND_STALE.format(path=batch, file=item.key))
        seen.add(item.key)
        try:
            content = item.attachment.read_bytes()
        except OSError:
            content = None
        if content is None or store.sha256(content) != item.sha256:
            raise SendError(messages.SEND_STALE.format(
                path=batch, file=item.attachment.relative_to(batch.resolve()).as_posix()))
        # A PDF is checked, and so is the .docx it was made from: that is what the version means.
        if item.letter is not None and not _matches(item.letter, item.letter_sha256):
            raise SendError(messages.SEND_STALE.format(
                path=batch, file=item.letter.relative_to(batch.resolve()).as_posix()))
        data[item.key] = content
    return data


def _matches(path: Path, digest: str) -> bool:
    try:
        return store.sha256(path.read_bytes()) == digest
    except OSError:
        return False


# --- decisions from the log ---------------------------------------------------------------

@dataclass
class Decision:
    """Send now (with or without 【訂正】), or why not."""

    reason: str = ""
    revised: bool = False
    previous: str = ""


def decide(version: str, history: list[SendRecord], resend_revised: bool, retry_unconfirmed: bool) -> Decision:
    """What to do with the letter `version` for a recipient whose log records are `history`."""
    # Versions that reached the recipient or may have, in the order they went out.
    went_out: list[list[str]] = []           # [version, SENT or UNCONFIRMED]
    open_attempt: dict[str, list[str]] = {}
    for record in history:
        if record.status == store.ATTEMPT:
            entry = [record.version, store.UNCONFIRMED]      # no answer yet: it may arrive
            went_out.append(entry)
            open_attempt[record.version] = entry
            continue
        entry = open_attempt.pop(record.version, None)
        if record.status in (store.RETRY, store.FAILED):
            if entry is not None:
                went_out.remove(entry)                       # the server never took it
        elif record.status in (store.SENT, store.UNCONFIRMED):
            if entry is None:
                entry = [record.version, record.status]
                went_out.append(entry)
            entry[1] = record.status
    if not went_out:
        return Decision()
    last_version, last_state = went_out[-1]
    if last_version == version:
        if last_state == store.SENT:
            return Decision(messages.SEND_SKIP_SENT)
        if not retry_unconfirmed:
            return Decision(messages.SEND_SKIP_UNCONFIRMED)
        previous = next((v for v, _ in reversed(went_out) if v != version), "")
        return Decision(revised=bool(previous), previous=previous)
    if not resend_revised:
        return Decision(messages.SEND_SKIP_REVISED if last_state == store.SENT
                        else messages.SEND_SKIP_REVISED_UNCONFIRMED)
    return Decision(revised=True, previous=last_version)


# --- composing --------------------------------------------------------------------------

_LINE_BREAKS = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+")


def one_line(text: str) -> str:
    """Header text: line breaks (Alt+Enter in a cell) become spaces, other control characters go."""
    text = _LINE_BREAKS.sub(" ", str(text))
    return "".join(ch for ch in text if ch == "\t" or unicodedata.category(ch) != "Cc").strip()


def _one_line_values(value):
    if isinstance(value, str):
        return one_line(value)
    if isinstance(value, dict):
        return {k: _one_line_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_one_line_values(v) for v in value]
    return value


_PLAIN_HEADER = re.compile(r"[ -~]*")


def encode_text(text: str) -> list[str]:
    """RFC 2047 encoded words for header text, one per space-separated run, so folds fall only at spaces.

    Each space stays inside the word before it: readers drop whitespace
    between encoded words, so the decoded text is exactly `text`, and no
    reader can show a break inside a word (「福祉課|高齢者」).
    """
    if _PLAIN_HEADER.fullmatch(text) and len(text) < 70 and "=?" not in text:
        return [text] if text else []
    runs = re.findall(r"[^ ]+ *| +", text)
    return [f"=?utf-8?b?{base64.b64encode(run.encode('utf-8')).decode('ascii')}?=" for run in runs]


def _fold(name: str, parts: list[str]) -> str:
    """`Name: part part…` with a fold (CRLF space) before any part that would pass 76 characters."""
    line, lines = f"{name}:", []
    for part in parts:
        if len(line) + 1 + len(part) > 76 and line != f"{name}:":
            lines.append(line)
            line = ""
        line += " " + part
    lines.append(line)
    return "\r\n".join(lines) + "\r\n"


_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~. -]*")


def _address(display: str, addr: str) -> list[str]:
    display = one_line(display)
    if not display:
        return [addr]
    if _ATOM.fullmatch(display) and "=?" not in display and len(display) < 60:
        return [f'"{display}"', f"<{addr}>"]
    # One encoded word for the whole name: readers differ on the space between two words of a
    # phrase (some drop it, some double it), so a name is never split where it could be mis-joined.
    return [f"=?utf-8?b?{base64.b64encode(display.encode('utf-8')).decode('ascii')}?=", f"<{addr}>"]


def ascii_address(address: str) -> str | None:
    """The address with an IDNA domain, or None when it cannot go over plain SMTP."""
    local, at, domain = address.strip().rpartition("@")
    if not at or not local or not domain or not local.isascii() or any(c in local for c in ' <>()[]\\,;:"'):
        return None
    try:
        domain = domain.encode("idna").decode("ascii") if not domain.isascii() else domain
    except UnicodeError:
        return None
    if not re.fullmatch(r"[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]", domain):
        return None
    return f"{local}@{domain}"


def _param(name: str, value: str) -> list[str]:
    """An RFC 2231 parameter (name*0*=utf-8''…; name*1*=…) in pieces that fit a header line.

    Pieces end between characters: some readers decode each piece on its own.
    """
    pieces, piece = [], ""
    for ch in value:
        encoded = quote(ch.encode("utf-8"), safe="")
        if piece and len(piece) + len(encoded) > 60:
            pieces.append(piece)
            piece = ""
        piece += encoded
    pieces.append(piece)
    return [f"{name}*{i}*={'utf-8' + chr(39) * 2 if i == 0 else ''}{piece};" for i, piece in enumerate(pieces)]


def _base64_lines(data: bytes) -> bytes:
    encoded = binascii.b2a_base64(data, newline=False)
    return b"".join(encoded[i:i + 76] + b"\r\n" for i in range(0, len(encoded), 76))


_ATTACHMENT_TYPES = {".pdf": "application/pdf",
                     ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def message_id(item: Outgoing, domain: str) -> str:
    """The same for the same letter version, recipient and earlier version: reruns and retries reuse it."""
    digest = hashlib.sha256("\0".join((item.key, item.version, item.previous, item.to)).encode("utf-8"))
    return f"<{digest.hexdigest()[:32]}.sasaeai@{domain}>"


class Composer:
    """Builds the messages of one batch; what all of them share is built once."""

    def __init__(self, manifest: Manifest, templates: dict[str, jinja2.Template], now: Callable[[], dt.datetime]):
        self.manifest = manifest
        self.templates = templates
        self.now = now
        sender = manifest.sender
        address = ascii_address(sender.get("email", ""))
        if address is None:
            raise SendError(messages.SEND_BAD_SENDER.format(address=one_line(sender.get("email", ""))))
        self.sender = address
        self.domain = address.rpartition("@")[2].strip("[]") or "sasaeai.invalid"
        if not re.fullmatch(r"[A-Za-z0-9.-]+", self.domain):
            self.domain = "sasaeai.invalid"
        display = office_name(sender)
        parts = _address(display, address)
        self.shared = (_fold("From", parts) + _fold("Reply-To", parts)).encode("ascii")
        self.context_sender = _one_line_values(dict(sender) | {"office": display})
        self.letters = {(m.kind, m.meeting_id, l.member_id): (m, l) for m in manifest.meetings
                        if m.kind in MAILED_KINDS for l in m.letters}
        self.meeting_contexts: dict[tuple[str, str], dict] = {}

    def compose(self, item: Outgoing, attachment: bytes) -> None:
        """Fill item.subject, item.message_id and item.wire; a problem with this one letter raises ValueError."""
        to = ascii_address(item.to)
        if to is None:
            raise ValueError(messages.SEND_BAD_ADDRESS.format(address=item.to))
        meeting, letter = self.letters[(item.kind, item.meeting_id, item.member_id)]
        name = MAIL_TEMPLATES[item.kind]
        try:
            if (item.kind, meeting.meeting_id) not in self.meeting_contexts:
                self.meeting_contexts[(item.kind, meeting.meeting_id)] = _one_line_values(meeting.to_json())
            text = render_limited(self.templates[item.kind], {
                "sender": self.context_sender, "meeting": self.meeting_contexts[(item.kind, meeting.meeting_id)],
                "letter": _one_line_values(letter.to_json()), "revised": item.revised}, name)
        except jinja2.TemplateError as exc:
            raise SendError(messages.SEND_TEMPLATE.format(path=name, error=exc)) from exc
        first, _, body = text.partition("\n")
        item.subject = one_line(first.removeprefix("件名:"))
        item.message_id = message_id(item, self.domain)
        boundary = f"=_sasaeai_{item.message_id[1:33]}"
        kind = _ATTACHMENT_TYPES.get(item.attachment.suffix, "application/octet-stream")
        body = "\r\n".join(body.lstrip("\n").splitlines()) + "\r\n"
        head = (self.shared
                + _fold("To", _address(item.name, to)).encode("ascii")
                + _fold("Subject", encode_text(item.subject)).encode("ascii")
                + f"Date: {format_datetime(self.now())}\r\n"
                  f"Message-ID: {item.message_id}\r\n"
                  f"X-Sasaeai-Letter: {quote(item.key, safe='/')}\r\n"
                  "MIME-Version: 1.0\r\n"
                  f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'.encode("ascii"))
        parts = (f"--{boundary}\r\n"
                 'Content-Type: text/plain; charset="utf-8"\r\n'
                 "Content-Transfer-Encoding: base64\r\n\r\n").encode("ascii") + _base64_lines(body.encode("utf-8"))
        parts += (f"--{boundary}\r\n"
                  + _fold("Content-Type", [f"{kind};"] + _param("name", item.attachment_name)).rstrip(";\r\n")
                  + "\r\nContent-Transfer-Encoding: base64\r\n"
                  + _fold("Content-Disposition", ["attachment;"] + _param("filename", item.attachment_name))
                  .rstrip(";\r\n") + "\r\n\r\n").encode("ascii") + _base64_lines(attachment)
        parts += f"--{boundary}--\r\n".encode("ascii")
        # No line can start with "." (header names, folds, "--" boundaries and base64 only),
        # so the message needs no dot-quoting before the final ".".
        item.wire = head + parts + b".\r\n"


def office_name(sender: dict) -> str:
    """「あおば町 福祉課」: the municipality and department, without saying the town twice (「あおば町役場 福祉課」)."""
    town, department = one_line(sender.get("municipality", "")), one_line(sender.get("department", ""))
    if town and department.startswith(town):
        return department
    return " ".join(x for x in (town, department) if x)


def _mail_template(templates_dir: str | Path | None, name: str = MAIL_TEMPLATE) -> jinja2.Template:
    # The same limits as the Word templates: no endless loops or output bombs from an edited mail.txt.
    env = make_text_environment()
    edited = Path(templates_dir) / name if templates_dir else None
    if edited is not None and edited.exists():
        source, where = edited.read_text(encoding="utf-8"), edited
    else:
        source, where = default_template_bytes(name).decode("utf-8"), name
    try:
        return env.from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        raise SendError(messages.SEND_TEMPLATE.format(path=where, error=exc.message)) from exc


def _mail_templates(templates_dir: str | Path | None) -> dict[str, jinja2.Template]:
    return {kind: _mail_template(templates_dir, name) for kind, name in MAIL_TEMPLATES.items()}


# --- delivery -------------------------------------------------------------------------------

class _Fatal(Exception):
    """A failure no other message would escape: bad password, certificate, missing STARTTLS or AUTH."""


class _Unwilling(Exception):
    """The server answered the connection, EHLO or STARTTLS with an error."""


_AUTH_ORDER = ("CRAM-MD5", "PLAIN", "LOGIN")


class _Connection:
    """One SMTP session, opened on demand and reopened after a failure."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def get(self) -> smtplib.SMTP:
        if self.smtp is None:
            s = self.settings
            smtp = None
            try:
                if s.tls == "ssl":
                    smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=s.tls_context())
                else:
                    smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                smtp.ehlo_or_helo_if_needed()
                if s.tls == "starttls":
                    if not smtp.has_extn("starttls"):
                        raise _Fatal(messages.SEND_NO_STARTTLS)
                    smtp.starttls(context=s.tls_context())
                    smtp.ehlo()
                if s.user:
                    self._login(smtp)
            except smtplib.SMTPResponseException as exc:
                # A server that will not talk (554 greeting, 454 to STARTTLS) is a failed connection,
                # not an answer about one message.
                if smtp is not None:
                    _close(smtp)
                raise _Unwilling(_reply_text(exc.smtp_code, exc.smtp_error)) from None
            except BaseException:
                if smtp is not None:
                    _close(smtp)
                raise
            self.smtp = smtp
        return self.smtp

    def _login(self, smtp: smtplib.SMTP) -> None:
        """One AUTH command, whatever happens: a second guess with a wrong password risks a lockout."""
        offered = (smtp.esmtp_features.get("auth") or "").upper().split()
        mechanism = next((m for m in _AUTH_ORDER if m in offered), None)
        if mechanism is None:
            raise _Fatal(messages.SEND_NO_AUTH)
        smtp.user, smtp.password = self.settings.user, self.settings.password
        method = getattr(smtp, "auth_" + mechanism.lower().replace("-", "_"))
        try:
            smtp.auth(mechanism, method, initial_response_ok=True)
        except smtplib.SMTPAuthenticationError:
            raise _Fatal(messages.SEND_AUTH) from None
        except (smtplib.SMTPException, OSError):
            # Some servers hang up on a wrong password; trying again would be a second guess.
            raise _Fatal(messages.SEND_AUTH_DROPPED) from None

    def drop(self) -> None:
        if self.smtp is not None:
            _close(self.smtp)
        self.smtp = None

    def quit(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                _close(self.smtp)
        self.smtp = None


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.close()
    except Exception:  # noqa: BLE001 - a broken connection is being thrown away
        pass


_CERT_REASONS = {10: messages.SEND_CERT_EXPIRED, 18: messages.SEND_CERT_SELF_SIGNED,
                 19: messages.SEND_CERT_SELF_SIGNED, 20: messages.SEND_CERT_UNKNOWN_CA,
                 21: messages.SEND_CERT_UNKNOWN_CA, 62: messages.SEND_CERT_HOSTNAME}


def _connection_failure(exc: BaseException, settings: Settings) -> str | None:
    """The Japanese reason a connection could not be opened, or None if `exc` is no such failure."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        raise _Fatal(messages.SEND_CERT.format(
            host=settings.host, why=_CERT_REASONS.get(exc.verify_code, messages.SEND_CERT_OTHER))) from None
    if isinstance(exc, ssl.CertificateError):
        raise _Fatal(messages.SEND_CERT.format(host=settings.host, why=messages.SEND_CERT_HOSTNAME)) from None
    if isinstance(exc, ssl.SSLError):
        raise _Fatal(messages.SEND_TLS_FAILED.format(host=settings.host, port=settings.port)) from None
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        raise _Fatal(messages.SEND_NO_STARTTLS) from None
    if isinstance(exc, _Unwilling):
        return messages.SEND_UNWILLING.format(host=settings.host, port=settings.port, reply=exc)
    if isinstance(exc, socket.gaierror):
        return messages.SEND_UNKNOWN_HOST.format(host=settings.host)
    if isinstance(exc, (socket.timeout, TimeoutError)) or (
            isinstance(exc, smtplib.SMTPServerDisconnected) and "timed out" in str(exc)):
        return messages.SEND_TIMEOUT.format(host=settings.host, port=settings.port, seconds=settings.timeout)
    if isinstance(exc, ConnectionRefusedError):
        return messages.SEND_REFUSED.format(host=settings.host, port=settings.port)
    if isinstance(exc, (smtplib.SMTPServerDisconnected, OSError)):
        return messages.SEND_CONNECT.format(host=settings.host, port=settings.port)
    return None


def _reply_text(code: int, text) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return f"{code} {one_line(text)}"[:300]


def _transact(smtp: smtplib.SMTP, sender: str, to: str, wire: bytes, body_out: list[bool],
              before_body: Callable[[], None]) -> None:
    """MAIL, RCPT, DATA for one message; `body_out` becomes [True] once the final "." has gone out.

    `before_body` runs just before the message itself is sent: nothing can be
    delivered before that, so the log's attempt record needs to be on disk
    only by then, and its fsync overlaps the envelope's round trips.
    """
    code, reply = smtp.mail(sender)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    code, reply = smtp.rcpt(to)
    if code not in (250, 251):
        raise smtplib.SMTPRecipientsRefused({to: (code, reply)})
    smtp.putcmd("data")
    code, reply = smtp.getreply()
    if code != 354:
        raise smtplib.SMTPDataError(code, reply)
    before_body()
    smtp.send(wire)
    body_out.append(True)
    code, reply = smtp.getreply()
    if code != 250:
        raise smtplib.SMTPDataError(code, reply)


class _Run:
    """Delivers the letters of one `send --send`, logging every step."""

    def __init__(self, settings: Settings, log: SendLog, sender: str, report: SendReport,
                 sleep: Callable[[float], None], clock: Callable[[], float]):
        self.settings, self.log, self.sender, self.report = settings, log, sender, report
        self.sleep, self.clock = sleep, clock
        self.connection = _Connection(settings)
        self.failures_in_a_row = 0
        self.last_start: float | None = None

    def record(self, item: Outgoing, status: str, attempt: int, **outcome) -> None:
        self.log.append(SendRecord(
            key=item.key, status=status, meeting_id=item.meeting_id, member_id=item.member_id, to=item.to,
            version=item.version, batch=item.batch, sha256=item.sha256, attachment=item.attachment_name,
            message_id=item.message_id, attempt=attempt, **outcome))

    def _pace(self) -> None:
        if self.settings.rate > 0 and self.last_start is not None:
            wait = self.last_start + 60.0 / self.settings.rate - self.clock()
            if wait > 0:
                self.sleep(wait)
        self.last_start = self.clock()

    def _stop(self, why: str) -> None:
        self.report.stopped = why

    def deliver(self, item: Outgoing) -> None:
        """Send one message: retried while nothing of it can have arrived, never after its body went out."""
        self._pace()
        wait = self.settings.retry_wait
        to = ascii_address(item.to)
        for attempt in range(1, self.settings.retries + 1):
            self.record(item, store.ATTEMPT, attempt)
            synced = self._synced()
            body_out: list[bool] = []
            try:
                smtp = self.connection.get()
                _transact(smtp, self.sender, to, item.wire, body_out, synced)
            except _Fatal as exc:
                self.connection.drop()
                self.record(item, store.FAILED, attempt, error=str(exc), permanent=True)
                self.report.failed.append((item, str(exc)))
                self._stop(str(exc))
                return
            except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused) as exc:
                if isinstance(exc, smtplib.SMTPRecipientsRefused):
                    code, text = next(iter(exc.recipients.values()))
                else:
                    code, text = exc.smtp_code, exc.smtp_error
                why = _reply_text(code, text)
                if body_out and not 400 <= code < 600:
                    # A garbled answer after the body: it may have been accepted.
                    self.connection.drop()
                    self.record(item, store.UNCONFIRMED, attempt, error=why)
                    self.report.unconfirmed.append((item, why))
                    return
                # The server answered with a refusal: nothing of this message arrived.
                self.failures_in_a_row = 0
                if code == 421 or not self._reset():
                    self.connection.drop()
                if 400 <= code < 500 and attempt < self.settings.retries:
                    self.record(item, store.RETRY, attempt, error=why)
                    self.sleep(wait)
                    wait *= 2
                    continue
                self.record(item, store.FAILED, attempt, error=why, permanent=code >= 500)
                self.report.failed.append((item, why))
                if isinstance(exc, smtplib.SMTPSenderRefused) and code >= 500:
                    self._stop(messages.SEND_SENDER_REFUSED.format(sender=self.sender, reply=why))
                return
            except Exception as exc:  # noqa: BLE001 - no answer from the server; classified below
                self.connection.drop()
                try:
                    why = _connection_failure(exc, self.settings) or messages.SEND_UNEXPECTED.format(
                        error=type(exc).__name__)
                except _Fatal as fatal:
                    self.record(item, store.FAILED, attempt, error=str(fatal), permanent=True)
                    self.report.failed.append((item, str(fatal)))
                    self._stop(str(fatal))
                    return
                self.failures_in_a_row += 1
                if body_out:
                    # The server may have queued it: sending again could deliver it twice.
                    self.record(item, store.UNCONFIRMED, attempt, error=why)
                    self.report.unconfirmed.append((item, why))
                elif attempt < self.settings.retries and not self._too_many():
                    self.record(item, store.RETRY, attempt, error=why)
                    self.sleep(wait)
                    wait *= 2
                    continue
                else:
                    self.record(item, store.FAILED, attempt, error=why, permanent=False)
                    self.report.failed.append((item, why))
                if self._too_many():
                    self._stop(messages.SEND_STOPPED_CONNECTION.format(count=self.failures_in_a_row, why=why))
                return
            self.failures_in_a_row = 0
            self.record(item, store.SENT, attempt)
            self.report.sent.append(item)
            return

    def _synced(self) -> Callable[[], None]:
        wait = self.log.sync_in_background()

        def synced() -> None:
            try:
                wait()
            except OSError as exc:    # the attempt is not safely recorded: nothing may go out
                raise _Fatal(messages.SEND_LOG_UNWRITABLE.format(path=self.log.path, error=exc.strerror)) from None

        return synced

    def _too_many(self) -> bool:
        return self.failures_in_a_row >= self.settings.max_connection_failures

    def _reset(self) -> bool:
        """RSET after a refused message, so the session can carry the next one."""
        if self.connection.smtp is None:
            return False
        try:
            return self.connection.smtp.rset()[0] == 250
        except (smtplib.SMTPException, OSError):
            return False


def send_batch(batch: str | Path, settings: Settings | None = None, *, really: bool = False,
               resend_revised: bool = False, retry_unconfirmed: bool = False,
               templates_dir: str | Path | None = None, sleep: Callable[[float], None] = time.sleep,
               clock: Callable[[], float] = time.monotonic,
               now: Callable[[], dt.datetime] = lambda: dt.datetime.now().astimezone(),
               progress: Callable[[int], None] = lambda n: None,
               on_total: Callable[[int], None] = lambda n: None) -> SendReport:
    """Send (or, without `really`, list) the e-mails of a batch folder."""
    batch = Path(batch).resolve()      # its parent holds the send log, even when given as "."
    manifest = load_manifest(batch)
    if not manifest.sender.get("email"):
        raise SendError(messages.SEND_NO_SENDER)
    composer = Composer(manifest, _mail_templates(templates_dir), now)
    items = outgoing(batch, manifest)
    attachments = verify(batch, items)
    history = store.read_send_history(batch.parent)
    by_key = history.by_key()
    report = SendReport(bad_log_lines=history.bad_lines)
    newer = superseded(batch)
    todo = []
    for item in items:
        if item.kind == "invitation" and item.meeting_id in newer:
            report.skipped.append((item, messages.SEND_SKIP_SUPERSEDED.format(month=newer[item.meeting_id])))
            continue
        decision = decide(item.version, by_key.get(item.key, []), resend_revised, retry_unconfirmed)
        if decision.reason:
            report.skipped.append((item, decision.reason))
            continue
        item.revised, item.previous = decision.revised, decision.previous
        try:
            composer.compose(item, attachments[item.key])
        except ValueError as exc:     # this one letter cannot go out; the others still can
            report.failed.append((item, str(exc)))
            continue
        todo.append(item)
    if not really:
        report.would_send = todo
        return report
    settings = settings or Settings.from_environment()
    try:
        log = SendLog(batch.parent)
    except SendLogBusy:
        raise SendError(messages.SEND_BUSY.format(path=batch.parent)) from None
    except OSError as exc:
        raise SendError(messages.SEND_LOG_UNWRITABLE.format(path=store.send_log_path(batch.parent),
                                                            error=exc.strerror)) from exc
    on_total(len(todo))
    run = _Run(settings, log, composer.sender, report, sleep, clock)
    try:
        for item in todo:
            if report.stopped:
                report.not_attempted.append(item)
                continue
            run.deliver(item)
            progress(1)
    finally:
        run.connection.quit()
        log.close()
    return report
