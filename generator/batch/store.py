"""The batch folder's own files: manifest.json, 一覧.txt and 送信ログ.jsonl.

This module is their only reader and writer. The manifest says which files
a batch holds (with sha256 and the ledger rows each came from) and which
letters go to whom; the send log says what was e-mailed. Records are typed;
the manifest carries a format version, and is written atomically.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..render.output import write_if_changed

MANIFEST = "manifest.json"
SUMMARY = "一覧.txt"
SEND_LOG = "送信ログ.jsonl"
FORMAT = 1


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


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
    sha256: str
    pdf: str = ""

    def to_json(self) -> dict:
        return {"member_id": self.member_id, "name": self.name, "honorific": self.honorific,
                "delivery": self.delivery, "email": self.email, "file": self.file, "sha256": self.sha256,
                "pdf": self.pdf}

    @classmethod
    def from_json(cls, data: dict) -> "LetterEntry":
        return cls(**{k: str(data.get(k, "様" if k == "honorific" else "")) for k in
                      ("member_id", "name", "honorific", "delivery", "email", "file", "sha256", "pdf")})


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
        else:
            out |= {"skipped": self.skipped, "file": self.file}
        return out

    @classmethod
    def from_json(cls, data: dict) -> "MeetingEntry":
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

    def to_json(self) -> dict:
        return {"format": self.format, "month": self.month,
                "ledger": {"name": self.ledger_name, "sha256": self.ledger_sha256},
                "sender": self.sender,
                "meetings": [m.to_json() for m in self.meetings],
                "files": [f.to_json() for f in self.files]}

    @classmethod
    def from_json(cls, data: dict) -> "Manifest":
        if not isinstance(data, dict):
            raise ValueError("manifest is not an object")
        ledger = data.get("ledger") or {}
        return cls(month=str(data.get("month", "")), ledger_name=str(ledger.get("name", "")),
                   ledger_sha256=str(ledger.get("sha256", "")), sender=dict(data.get("sender") or {}),
                   meetings=[MeetingEntry.from_json(m) for m in data.get("meetings", [])],
                   files=[FileEntry.from_json(f) for f in data.get("files", [])],
                   format=int(data.get("format", FORMAT)))

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
    data = (json.dumps(manifest.to_json(), ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    return write_if_changed(Path(folder) / MANIFEST, data)


def write_summary(folder: Path, text: str) -> bool:
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

@dataclass
class SendRecord:
    """One line of 送信ログ.jsonl: an attempt to e-mail one letter, or its outcome."""

    key: str                           # meeting ID / member ID
    status: str                        # attempt, retry, sent, failed
    meeting_id: str = ""
    member_id: str = ""
    to: str = ""
    sha256: str = ""
    attachment: str = ""
    message_id: str = ""
    attempt: int = 0
    error: str = ""
    permanent: bool | None = None
    time: str = ""

    def to_json(self) -> dict:
        out = {"time": self.time, "key": self.key, "meeting_id": self.meeting_id, "member_id": self.member_id,
               "to": self.to, "sha256": self.sha256, "attachment": self.attachment,
               "message_id": self.message_id, "status": self.status, "try": self.attempt}
        if self.error:
            out["error"] = self.error
        if self.permanent is not None:
            out["permanent"] = self.permanent
        return out

    @classmethod
    def from_json(cls, data: dict) -> "SendRecord":
        return cls(key=str(data.get("key", "")), status=str(data.get("status", "")),
                   meeting_id=str(data.get("meeting_id", "") or ""), member_id=str(data.get("member_id", "") or ""),
                   to=str(data.get("to", "")), sha256=str(data.get("sha256", "")),
                   attachment=str(data.get("attachment", "")), message_id=str(data.get("message_id", "")),
                   attempt=int(data.get("try", 0) or 0), error=str(data.get("error", "")),
                   permanent=data.get("permanent"), time=str(data.get("time", "")))


def read_send_log(folder: Path) -> list[SendRecord]:
    """Every readable record of a batch's send log, in order; a line cut short by a crash is skipped."""
    path = Path(folder) / SEND_LOG
    if not path.exists():
        return []
    records = []
    for line in path.read_bytes().decode("utf-8", errors="replace").splitlines():
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if isinstance(data, dict):
            records.append(SendRecord.from_json(data))
    return records


def append_send_record(folder: Path, record: SendRecord) -> None:
    """Append one record and force it to disk: the log is what prevents a second send."""
    if not record.time:
        record.time = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    line = json.dumps(record.to_json(), ensure_ascii=False) + "\n"
    with open(Path(folder) / SEND_LOG, "a", encoding="utf-8") as log:
        log.write(line)
        log.flush()
        os.fsync(log.fileno())


def emailed_letters(folder: Path) -> set[tuple[str, str]]:
    """(meeting ID, member ID) pairs e-mailed from a batch, by its send log."""
    return {(r.meeting_id, r.member_id) for r in read_send_log(folder) if r.status == "sent"}
