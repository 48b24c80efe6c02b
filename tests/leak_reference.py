"""The public documents' name guard as it was before the names were found in one pass (one search per name).

Kept only as the reference the tests compare the new guard with: it must find,
and replace, exactly what this finds and replaces. Copied verbatim from main at
8354775, imports aside.
"""
from __future__ import annotations

import hashlib
import io
import re
import zipfile
from typing import Callable

from generator.documents.public_minutes import SC_TITLE, PROXY, _spellings, public_labels
from generator.ledger.model import Ledger, Meeting


def private_names(ledger: Ledger, meeting: Meeting) -> dict[str, str]:
    """Every spelling of a private person's name that could reach the minutes -> what to print instead.

    Every member of the municipality counts, not only this council's: minutes
    mention people of other councils too.
    """
    own = ledger.members_of(meeting.council_id)
    others = [m for m in ledger.members if m.council_id != meeting.council_id]
    labels = public_labels(ledger, own) | {k: v for k, v in public_labels(ledger, others).items()}
    replace: dict[str, str] = {}
    for member in own + others:
        if member.member_id in labels:
            for form in _spellings(member.name):
                replace.setdefault(form, labels[member.member_id])
    for sc in ledger.coordinators:
        for form in _spellings(sc.name):
            replace.setdefault(form, SC_TITLE)
    for answer in ledger.attendance_of(meeting.meeting_id):
        if answer.proxy.strip():
            for form in _spellings(re.sub(r"^代理(者)?[\s\u3000:：・]*", "", answer.proxy)):
                replace.setdefault(form, PROXY)
    return replace


# How Japanese minutes refer to a person by one part of the name: 山田さん, 山田委員, 花子さん, 高橋SC.
_AFTER_PART = "(?:さん|様|氏|くん|君|ちゃん|委員|座長|副座長|会長|代表|先生|SC|ＳＣ|コーディネーター)"


def _parts(table: dict[str, str]) -> dict[str, str]:
    """Family and given names of the spaced names in `table`, each with the label of its person."""
    parts: dict[str, str] = {}
    for name, label in table.items():
        pieces = re.split(r"[\s\u3000]+", name.strip())
        if len(pieces) == 2:
            for piece in pieces:
                parts.setdefault(piece, label)
    return parts


def _redact(value: object, pattern: re.Pattern, table: dict[str, str]) -> object:
    if isinstance(value, str):
        return pattern.sub(lambda m: table[m.group(1)], value)
    if isinstance(value, dict):
        return {k: _redact(v, pattern, table) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v, pattern, table) for v in value]
    return value


def redactor(ledger: Ledger, meeting: Meeting) -> Callable[[object], object]:
    """A function that replaces private persons' names in any string, dict or list of a context."""
    table = private_names(ledger, meeting)
    if not table:
        return lambda value: value
    names = "|".join(re.escape(n) for n in sorted(table, key=len, reverse=True))
    # 'さん' or ' 様' after a name would be left dangling after a title: it goes with the name.
    pattern = re.compile(f"({names})(?:[\\s\u3000]*(?:さん|様|氏))?")
    parts = _parts(table)
    part = (re.compile(f"({'|'.join(re.escape(p) for p in sorted(parts, key=len, reverse=True))}){_AFTER_PART}")
            if parts else None)

    def apply(value: object) -> object:
        value = _redact(value, pattern, table)
        if part is not None:
            value = _redact(value, part, parts)
        # Lines built as '名前（所属）' now read '所属（所属）': keep one.
        return _redact(value, _DOUBLED, _Same())

    return apply


_DOUBLED = re.compile(r"(.+?)（\1）")


def private_place(ledger: Ledger, meeting: Meeting) -> bool:
    """True when the meeting was held where a private person is named (山田 太郎様宅): its address is private."""
    return any(name in meeting.place or name in meeting.place_address for name in private_names(ledger, meeting))


class _Same(dict):
    def __getitem__(self, key: str) -> str:
        return key


def leaked_names(data: bytes, table: dict[str, str]) -> list[str]:
    """Names of `table` (or a part of one before さん, 委員…) found anywhere in a .docx package."""
    parts = _parts(table)
    part = (re.compile(f"({'|'.join(re.escape(p) for p in sorted(parts, key=len, reverse=True))}){_AFTER_PART}")
            if parts else None)
    found = set()
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for name in package.namelist():
            if name.endswith((".xml", ".rels")):
                seen, plain = _part_names(package.read(name))
                found |= {n for n in table if seen(n)}
                if part is not None:
                    found |= {m.group(0) for m in part.finditer(plain)}
    return sorted(found)


# Parts already searched, by content: styles.xml and its kin (0.8 MB of the template, the same in
# every document) were searched again for every SC's spellings in every meeting, the slowest step
# of a city's batch. Each part remembers its answer per name.
_PARTS: dict[bytes, tuple[str, str, dict[str, bool]]] = {}
_PARTS_KEPT = 16


def _part_names(raw: bytes):
    key = hashlib.blake2b(raw, digest_size=32).digest()
    part = _PARTS.pop(key, None)       # taken out and put back last: the least recently used go first
    if part is None:
        if len(_PARTS) >= _PARTS_KEPT:
            _PARTS.pop(next(iter(_PARTS)))
        text = raw.decode("utf-8", "replace")
        part = (text, re.sub(r"<[^>]+>", "", text), {})
    _PARTS[key] = part
    text, plain, answers = part

    def seen(n: str) -> bool:
        if n not in answers:
            answers[n] = n in text or n in plain
        return answers[n]

    return seen, plain
