"""The batch folders' own files: manifest.json, 一覧.txt and 送信ログ.jsonl.

This module is their only reader and writer. The manifest says which files
a batch holds (with sha256 and the ledger rows each came from) and which
letters go to whom; the send log says what was e-mailed. Records are typed
and carry a format version; the manifest is written atomically.

There is one send log for the whole output folder (DIR/送信ログ.jsonl), not
one per month: a letter for a January meeting may go out from December's
batch and its correction from January's, and who received which version
must be known across both. Logs that older releases kept inside each month
folder are still read.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..render.output import write_if_changed

MANIFEST = "manifest.json"
SUMMARY = "一覧.txt"
SEND_LOG = "送信ログ.jsonl"
FORMAT = 2
LOG_FORMAT = 2


def sha256(data: bytes) -> str:
    """Hex sha256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def letter_version(meeting_version: str, docx_sha256: str) -> str:
    """The content version of one recipient's letter: what the meeting is and what the letter says.

    Built from the .docx, never from the attachment actually sent, so a PDF
    made later of the same letter is the same version, not a revision.
    """
    return hashlib.sha256(f"{meeting_version}\0{docx_sha256}".encode()).hexdigest()[:24]


# --- the manifest ------------------------------------------------------------------

@dataclass
class FileEntry:
    """One file of the batch."""

    path: str                          # relative to the batch folder, '/'-separated
    sha256: str
    kind: str                          # letter, print, labels, sendlist, minutes, annual
    rows: list[str]                    # ledger rows it came from: '会議!12'
    meeting_id: str = ""
    member_id: str = ""
    pdf: str = ""                      # its PDF copy, when one was made
    pdf_sha256: str = ""

    def to_json(self) -> dict:
        out = {"path": self.path, "sha256": self.sha256, "kind": self.kind, "rows": self.rows}
        if self.meeting_id:
            out["meeting_id"] = self.meeting_id
        if self.member_id:
            out["member_id"] = self.member_id
        if self.pdf:
            out |= {"pdf": self.pdf, "pdf_sha256": self.pdf_sha256}
        return out

    @classmethod
    def from_json(cls, data: dict) -> "FileEntry":
        return cls(path=str(data.get("path", "")), sha256=str(data.get("sha256", "")),
                   kind=str(data.get("kind", "")), rows=list(data.get("rows", [])),
                   meeting_id=str(data.get("meeting_id", "")), member_id=str(data.get("member_id", "")),
                   pdf=str(data.get("pdf", "")), pdf_sha256=str(data.get("pdf_sha256", "")))


@dataclass
class LetterEntry:
    """One invitation letter and its recipient."""

    member_id: str
    name: str
    honorific: str
    delivery: str
    email: str
    file: str
    sha256: str                        # of the .docx letter
    pdf: str = ""
    version: str = ""                  # letter_version(): what a recipient receives with it

    def to_json(self) -> dict:
        return {"member_id": self.member_id, "name": self.name, "honorific": self.honorific,
                "delivery": self.delivery, "email": self.email, "file": self.file, "sha256": self.sha256,
                "pdf": self.pdf, "version": self.version}

    @classmethod
    def from_json(cls, data: dict) -> "LetterEntry":
        return cls(**{k: str(data.get(k, "様" if k == "honorific" else "") or "") for k in
                      ("member_id", "name", "honorific", "delivery", "email", "file", "sha256", "pdf",
                       "version")})


@dataclass
class MeetingEntry:
    """One meeting's share of the batch: its invitations or its minutes."""

    kind: str
    meeting_id: str
    date: str
    date_text: str
    title: str
    skipped: str = ""
    # invitations
    version: str = ""
    history: list[str] = field(default_factory=list)
    late: bool = False
    days_left: int | None = None
    revised: bool = False
    letters: list[LetterEntry] = field(default_factory=list)
    # a one-file document (minutes)
    file: str = ""

    def to_json(self) -> dict:
        out = {"kind": self.kind, "meeting_id": self.meeting_id, "date": self.date, "date_text": self.date_text,
               "title": self.title}
        if self.kind == "invitation":
            out |= {"version": self.version, "history": self.history, "late": self.late,
                    "days_left": self.days_left, "revised": self.revised, "skipped": self.skipped,
                    "letters": [letter.to_json() for letter in self.letters]}
        elif self.letters:      # another document sent to each member (会議のまとめ)
            out |= {"version": self.version, "skipped": self.skipped,
                    "letters": [letter.to_json() for letter in self.letters]}
        else:
            out |= {"skipped": self.skipped, "file": self.file}
        return out

    @classmethod
    def from_json(cls, data: dict) -> "MeetingEntry":
        entry = cls._from_json(data)
        for letter in entry.letters:
            if not letter.version:       # a manifest from before letters carried their version
                letter.version = letter_version(entry.version, letter.sha256)
        return entry

    @classmethod
    def _from_json(cls, data: dict) -> "MeetingEntry":
        return cls(kind=str(data.get("kind", "")), meeting_id=str(data.get("meeting_id", "")),
                   date=str(data.get("date", "")), date_text=str(data.get("date_text", "")),
                   title=str(data.get("title", "")), skipped=str(data.get("skipped", "") or ""),
                   version=str(data.get("version", "")), history=list(data.get("history", [])),
                   late=bool(data.get("late")), days_left=data.get("days_left"),
                   revised=bool(data.get("revised")),
                   letters=[LetterEntry.from_json(x) for x in data.get("letters", [])],
                   file=str(data.get("file", "")))


@dataclass
class Manifest:
    """manifest.json of one batch folder."""

    month: str
    ledger_name: str = ""
    ledger_sha256: str = ""
    sender: dict[str, str] = field(default_factory=dict)
    meetings: list[MeetingEntry] = field(default_factory=list)
    files: list[FileEntry] = field(default_factory=list)
    format: int = FORMAT
    # False while a run rewrites the batch: the files may no longer be the ones listed.
    complete: bool = True

    def to_json(self) -> dict:
        return self._head() | {"meetings": [m.to_json() for m in self.meetings],
                               "files": [f.to_json() for f in self.files]}

    def _head(self) -> dict:
        out = {"format": self.format, "month": self.month}
        if not self.complete:
            out["complete"] = False
        return out | {"ledger": {"name": self.ledger_name, "sha256": self.ledger_sha256}, "sender": self.sender}

    def json_bytes(self) -> bytes:
        """The manifest as written: json.dumps(to_json(), ensure_ascii=False, indent=1) and a newline.

        Made one entry at a time, each indented as json.dumps indents it at its depth
        (JSON text has no raw line breaks, so indenting is adding spaces after each).
        The whole tree of dicts of a city's manifest, thousands of files, was several
        times the size of its JSON and the highest point of the batch's memory.
        """
        out = io.BytesIO()

        def put(value: object, depth: int) -> None:
            text = json.dumps(value, ensure_ascii=False, indent=1)
            out.write((text.replace("\n", "\n" + " " * depth) if depth else text).encode("utf-8"))

        fields = [*self._head().items(), ("meetings", self.meetings), ("files", self.files)]
        for index, (key, value) in enumerate(fields):
            out.write(b"{\n " if index == 0 else b",\n ")
            put(key, 0)
            out.write(b": ")
            if key not in ("meetings", "files"):
                put(value, 1)
            elif not value:
                out.write(b"[]")
            else:
                for number, entry in enumerate(value):
                    out.write(b"[\n  " if number == 0 else b",\n  ")
                    put(entry.to_json(), 2)
                out.write(b"\n ]")
        out.write(b"\n}\n")
        return out.getvalue()

    @classmethod
    def from_json(cls, data: dict) -> "Manifest":
        if not isinstance(data, dict):
            raise ValueError("manifest is not an object")
        ledger = data.get("ledger") or {}
        return cls(month=str(data.get("month", "")), ledger_name=str(ledger.get("name", "")),
                   ledger_sha256=str(ledger.get("sha256", "")), sender=dict(data.get("sender") or {}),
                   meetings=[MeetingEntry.from_json(m) for m in data.get("meetings", [])],
                   files=[FileEntry.from_json(f) for f in data.get("files", [])],
                   format=int(data.get("format", FORMAT)), complete=data.get("complete", True) is not False)

    def file(self, path: str) -> FileEntry | None:
        return next((f for f in self.files if f.path == path), None)

    def meeting(self, meeting_id: str, kind: str) -> MeetingEntry | None:
        return next((m for m in self.meetings if m.meeting_id == meeting_id and m.kind == kind), None)


class ManifestMissing(Exception):
    """The folder has no manifest.json."""


def read_manifest(folder: Path) -> Manifest:
    """The batch's manifest; ManifestMissing when there is none, ValueError/OSError when unreadable."""
    path = Path(folder) / MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestMissing(str(path)) from None
    return Manifest.from_json(json.loads(text))


def read_manifest_or_empty(folder: Path) -> Manifest | None:
    """The batch's manifest, or None when it is missing or unreadable (a first run, a killed one)."""
    try:
        return read_manifest(folder)
    except (ManifestMissing, OSError, ValueError, TypeError):
        return None


def write_manifest(folder: Path, manifest: Manifest) -> bool:
    """Write manifest.json atomically, unless it already holds exactly this; True when written."""
    return write_if_changed(Path(folder) / MANIFEST, manifest.json_bytes())


def mark_incomplete(folder: Path) -> None:
    """Say in manifest.json that the batch is being rewritten, before the first file changes.

    The earlier run's entries stay (a rerun still needs them to know what was
    made before), but nothing may trust its sha256s until the run that
    changes the files writes the manifest anew. A run killed in between
    leaves a manifest that says so, never one that describes other files.
    """
    manifest = read_manifest_or_empty(folder)
    if manifest is not None and manifest.complete:
        manifest.complete = False
        write_manifest(folder, manifest)


def write_summary(folder: Path, text: str) -> bool:
    """Write 一覧.txt unless unchanged."""
    return write_if_changed(Path(folder) / SUMMARY, (text + "\n").encode("utf-8"))


def batch_manifests(out_root: Path, up_to: str) -> list[tuple[str, Manifest]]:
    """(month, manifest) of every readable batch under out_root up to and including `up_to`, oldest first."""
    found = []
    for path in sorted(Path(out_root).glob(f"*/{MANIFEST}")):
        month = path.parent.name
        if month > up_to:
            continue
        manifest = read_manifest_or_empty(path.parent)
        if manifest is not None:
            found.append((month, manifest))
    return found


def lettered_meetings(out_root: Path) -> set[str]:
    """IDs of the meetings whose letters some batch under out_root made."""
    return {entry.meeting_id for _month, manifest in batch_manifests(out_root, "9999-12")
            for entry in manifest.meetings if entry.kind == "invitation" and entry.letters}


# --- the send log ---------------------------------------------------------------------

# What a record says about one delivery attempt of one letter version.
ATTEMPT = "attempt"          # about to send: written and forced to disk before the first byte goes out
RETRY = "retry"              # not delivered (no body went out, or the server said 4xx); tried again
SENT = "sent"                # the server accepted it (250 after the final ".")
FAILED = "failed"            # not delivered, and not tried again in this run
UNCONFIRMED = "unconfirmed"  # the whole body went out but no answer came: it may have arrived


@dataclass
class SendRecord:
    """One line of 送信ログ.jsonl: an attempt to e-mail one letter version, or its outcome."""

    key: str                           # meeting ID / member ID
    status: str                        # ATTEMPT, RETRY, SENT, FAILED, UNCONFIRMED
    meeting_id: str = ""
    member_id: str = ""
    to: str = ""
    version: str = ""                  # letter_version() of what was sent
    batch: str = ""                    # the month folder it was sent from
    sha256: str = ""                   # of the attachment
    attachment: str = ""
    message_id: str = ""
    attempt: int = 0
    error: str = ""
    permanent: bool | None = None
    time: str = ""
    format: int = LOG_FORMAT

    def to_json(self) -> dict:
        out = {"v": self.format, "time": self.time, "key": self.key, "meeting_id": self.meeting_id,
               "member_id": self.member_id, "to": self.to, "version": self.version, "batch": self.batch,
               "sha256": self.sha256, "attachment": self.attachment, "message_id": self.message_id,
               "status": self.status, "try": self.attempt}
        if self.error:
            out["error"] = self.error
        if self.permanent is not None:
            out["permanent"] = self.permanent
        return out

    @classmethod
    def from_json(cls, data: dict) -> "SendRecord":
        def text(name: str) -> str:
            return str(data.get(name, "") or "")

        return cls(key=text("key"), status=text("status"), meeting_id=text("meeting_id"),
                   member_id=text("member_id"), to=text("to"), version=text("version"), batch=text("batch"),
                   sha256=text("sha256"), attachment=text("attachment"), message_id=text("message_id"),
                   attempt=int(data.get("try", 0) or 0), error=text("error"), permanent=data.get("permanent"),
                   time=text("time"), format=int(data.get("v", 1) or 1))


@dataclass
class BadLine:
    """A line of a send log that could not be read (cut short by a crash, or edited by hand)."""

    path: Path
    number: int


@dataclass
class SendHistory:
    """Every send record under an output folder, oldest first, and the lines that could not be read."""

    records: list[SendRecord] = field(default_factory=list)
    bad_lines: list[BadLine] = field(default_factory=list)

    def by_key(self) -> dict[str, list[SendRecord]]:
        """The records of each letter (meeting ID / member ID), in order."""
        out: dict[str, list[SendRecord]] = {}
        for record in self.records:
            out.setdefault(record.key, []).append(record)
        return out


def send_log_path(out_root: Path) -> Path:
    """The send log of an output folder (the parent of its YYYY-MM batches)."""
    return Path(out_root) / SEND_LOG


def _read_log_file(path: Path, history: SendHistory) -> list[SendRecord]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    records = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw.decode("utf-8"))
            if not isinstance(item, dict) or not item.get("key"):
                raise ValueError("not a record")
            records.append(SendRecord.from_json(item))
        except (ValueError, TypeError):   # UnicodeDecodeError and JSONDecodeError are ValueErrors
            history.bad_lines.append(BadLine(path, number))
    return records


def _legacy_versions(folder: Path) -> dict[tuple[str, str], str]:
    """(key, attachment sha256) -> letter version, from an old batch's manifest."""
    manifest = read_manifest_or_empty(folder)
    if manifest is None:
        return {}
    files = {f.path: f for f in manifest.files}
    out = {}
    for meeting in manifest.meetings:
        for letter in meeting.letters:
            key = f"{meeting.meeting_id}/{letter.member_id}"
            out[(key, letter.sha256)] = letter.version
            entry = files.get(letter.file)
            if entry is not None and entry.pdf_sha256:
                out[(key, entry.pdf_sha256)] = letter.version
    return out


def read_send_history(out_root: Path) -> SendHistory:
    """What was e-mailed from every batch under out_root: the shared log and older per-month logs.

    Records of an older per-month log name the attachment's sha256, not the
    letter's version; the batch's manifest maps one to the other. A record
    it cannot map stands for an earlier version unlike any current one.
    """
    out_root = Path(out_root)
    history = SendHistory()
    legacy: list[SendRecord] = []
    for path in sorted(out_root.glob(f"*/{SEND_LOG}")):
        versions = _legacy_versions(path.parent)
        for record in _read_log_file(path, history):
            record.batch = record.batch or path.parent.name
            if not record.version:
                record.version = versions.get((record.key, record.sha256)) or f"sha256:{record.sha256}"
            legacy.append(record)
    # Old logs were per month; their times put sends from different months in order.
    legacy.sort(key=lambda r: r.time)
    history.records = legacy + _read_log_file(send_log_path(out_root), history)
    return history


class SendLogBusy(Exception):
    """Another process is sending from the same output folder."""


class SendLog:
    """The output folder's send log opened for appending, locked against a second sender."""

    def __init__(self, out_root: Path):
        self.path = send_log_path(out_root)
        self.handle = open(self.path, "ab")
        try:
            _lock(self.handle)
        except OSError:
            self.handle.close()
            raise SendLogBusy(str(self.path)) from None
        # A crash can leave a last line without its newline; the next record must not join it.
        if self.handle.tell() > 0:
            with open(self.path, "rb") as check:
                check.seek(-1, os.SEEK_END)
                if check.read(1) != b"\n":
                    self._write(b"\n")

    def _write(self, data: bytes) -> None:
        self.handle.write(data)
        self.handle.flush()

    def append(self, record: SendRecord) -> None:
        """Append one record; it reaches the operating system at once (a killed process loses nothing).

        Only an attempt must be on disk before its message goes out (see
        `sync_in_background`); an outcome lost to a power cut leaves the
        attempt unanswered, which reads as unconfirmed: never sent again.
        """
        if not record.time:
            record.time = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        self._write((json.dumps(record.to_json(), ensure_ascii=False) + "\n").encode("utf-8"))

    def sync_in_background(self) -> Callable[[], None]:
        """Start forcing the log to disk; the returned function waits for it (and raises if it failed)."""
        failure: list[OSError] = []

        def sync() -> None:
            try:
                os.fsync(self.handle.fileno())
            except OSError as exc:
                failure.append(exc)

        worker = threading.Thread(target=sync, daemon=True)
        worker.start()

        def wait() -> None:
            worker.join()
            if failure:
                raise failure[0]

        return wait

    def close(self) -> None:
        """Force the last records to disk and release the lock."""
        try:
            os.fsync(self.handle.fileno())
        except OSError:
            pass
        self.handle.close()

    def __enter__(self) -> "SendLog":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _lock(handle) -> None:
    try:
        import fcntl
    except ImportError:     # Windows: msvcrt locks byte ranges of a file opened for appending
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        handle.seek(0, os.SEEK_END)
        return
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def emailed_letters(out_root: Path) -> set[tuple[str, str]]:
    """(meeting ID, member ID) pairs of letters some version of which a server accepted."""
    return {(r.meeting_id or r.key.split("/")[0], r.member_id or r.key.rpartition("/")[2])
            for r in read_send_history(out_root).records if r.status == SENT}
