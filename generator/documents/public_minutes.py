"""公開用会議録: the minutes of a 公開 council with no private person's name in them.

The minutes' own context is built, then every member who is a person (敬称
not 御中) is named by 所属・役職, or 委員A, B… where there is none; proxies
become 代理の方 and the SC appear by title. Addresses, phone numbers and
e-mail addresses are never in the minutes to begin with. As a last guard the
rendered package is searched for every member's name, SC's name and proxy's
name (with and without the space between family and given name): a file
that still holds one is not written, and the batch says why.
"""
from __future__ import annotations

import hashlib
import io
import re
import zipfile
from typing import Callable

from .. import messages
from ..ledger.model import Ledger, Meeting, Member
from ..render.output import inside, safe_filename
from .base import PREFECTURE, BatchRun, DocumentType, Item, MonthPlan, load_template
from .meeting_day import meeting_folder
from .minutes import MINUTES_TEMPLATE, minutes_context

PROXY = "代理の方"
PRIVATE_PLACE = "（個人宅のため非公開）"
SC_TITLE = "生活支援コーディネーター"


def _spellings(name: str) -> list[str]:
    """'小川 和子' is also written '小川　和子' and '小川和子'."""
    compact = re.sub(r"[\s\u3000]+", "", name)
    spaced = re.split(r"[\s\u3000]+", name.strip())
    forms = {name.strip(), compact, " ".join(spaced), "\u3000".join(spaced)}
    return sorted((f for f in forms if f), key=len, reverse=True)


def public_labels(ledger: Ledger, members: list[Member]) -> dict[str, str]:
    """Member ID -> how the public minutes name that person: 所属・役職, else 委員A, B…"""
    labels: dict[str, str] = {}
    used: dict[str, int] = {}
    letters = iter("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    for member in members:
        if member.organisation:
            continue
        label = " ".join(x for x in (member.org, member.position) if x)
        if not label:
            label = f"委員{next(letters, '')}"
        used[label] = used.get(label, 0) + 1
        labels[member.member_id] = label
    # Two people with the same 所属・役職 stay two: number them.
    seen: dict[str, int] = {}
    for member_id, label in list(labels.items()):
        if used[label] > 1:
            seen[label] = seen.get(label, 0) + 1
            labels[member_id] = f"{label}（{seen[label]}）"
    return labels


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


def public_context(ledger: Ledger, meeting: Meeting) -> dict:
    """The minutes' context with private persons' names replaced."""
    context = minutes_context(ledger, meeting)
    context["title"] = context["title"] + "（公開用）"
    if private_place(ledger, meeting):
        context["meeting"] = context["meeting"] | {"place": PRIVATE_PLACE, "place_address": ""}
    return redactor(ledger, meeting)(context)


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


def save_public(run: BatchRun, item: Item, folder: str, stem: str, data: bytes) -> None:
    """Write a document for outside readers, unless a private name is still in it: then say why instead."""
    leaks = leaked_names(data, private_names(run.ledger, item.meeting))
    if leaks:
        item.skip_reason = messages.PUBLIC_MINUTES_LEAK.format(count=len(leaks))
        return
    item.path = inside(run.folder, folder, safe_filename(f"{stem}_{meeting_folder(run.ledger, item.meeting)}") + ".docx")
    run.save(item.path, data)


class PublicMinutes(DocumentType):
    """公開用会議録, per held meeting of this month of a council whose 公開 is 公開."""

    key = "public_minutes"
    title = "公開用会議録"
    label = "公開用"
    templates = ()            # the 議事録 template, rendered with names replaced
    folder = "公開用会議録"
    leaves_by = PREFECTURE
    due = "今月の開催済みの会議のうち、協議体の公開が「公開」のもの"

    def example_contexts(self) -> dict[str, dict]:
        return {}

    def plan_month(self, month: MonthPlan) -> list[Item]:
        public = {c.council_id for c in month.ledger.councils if c.openness == "公開"}
        return [Item(self.key, m) for m in month.held_meetings(self.key) if m.council_id in public]

    def make_month(self, run: BatchRun, items: list[Item]) -> None:
        template = load_template(MINUTES_TEMPLATE.filename, run.templates_dir)
        for item in items:
            meeting = item.meeting
            rows = {"会議": {meeting.row}, "協議記録": {r.row for r in run.ledger.records_of(meeting.meeting_id)},
                    "出欠": {a.row for a in run.ledger.attendance_of(meeting.meeting_id)}}
            item.blocking = run.report.errors_on(rows)
            if item.blocking:
                item.skip_reason = messages.SKIP_ERRORS
                run.progress(1)
                continue
            save_public(run, item, self.folder, "公開用会議録", template.render(public_context(run.ledger, meeting)))
            run.progress(1)

    def summary_detail(self, item: Item) -> str:
        return item.skip_reason or messages.PUBLIC_MINUTES_MADE


TYPE = PublicMinutes()
