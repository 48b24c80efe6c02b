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
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator

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
    return _names(ledger).table(meeting)


# How Japanese minutes refer to a person by one part of the name: 山田さん, 山田委員, 花子さん, 高橋SC.
_AFTER_PART_WORDS = ("さん", "様", "氏", "くん", "君", "ちゃん", "委員", "座長", "副座長", "会長", "代表", "先生", "SC", "ＳＣ",
                     "コーディネーター")
# What may follow a whole name and goes with it when it is replaced ('山田 太郎 様').
_AFTER_NAME_WORDS = ("さん", "様", "氏")


def _pieces(name: str) -> list[str]:
    return re.split(r"[\s\u3000]+", name.strip())


def _parts(table: dict[str, str], pieces: Callable[[str], list[str]] = _pieces) -> dict[str, str]:
    """Family and given names of the spaced names in `table`, each with the label of its person."""
    parts: dict[str, str] = {}
    for name, label in table.items():
        split = pieces(name)
        if len(split) == 2:
            for piece in split:
                parts.setdefault(piece, label)
    return parts


# --- finding many names at once ------------------------------------------------------------
#
# A city has thousands of spellings of names, and every public document is searched for
# all of them. One search per name made the check cost documents x names; a trie of the
# names as one regex finds, in one pass in C, each place where some name may start, and
# only there are the names looked up. Every place is found, so the answers are the same
# as searching for each name: a name is found exactly when it occurs.

_TRIE_DEPTH = 8     # the trie holds names' first characters only: a long name cannot nest groups too deep


def _trie_pattern(words: Iterable[str]) -> str:
    """A regex matching any of the words' first _TRIE_DEPTH characters, branches sharing prefixes."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word[:_TRIE_DEPTH]:
            node = node.setdefault(ch, {})
        node[""] = True

    def branch(node: dict) -> str:
        if "" in node:
            return ""       # a word (or a cut prefix) ends here: any text from here on will do
        alternatives = [re.escape(ch) + branch(node[ch]) for ch in sorted(node)]
        return alternatives[0] if len(alternatives) == 1 else f"(?:{'|'.join(alternatives)})"

    return branch(trie)


class NameFinder:
    """Which of many names occur in a text, and where, in one pass over it."""

    def __init__(self, names: Iterable[str]):
        self.names = frozenset(n for n in names if n)
        self.lengths = sorted({len(n) for n in self.names}, reverse=True)
        self._starts = re.compile(_trie_pattern(self.names)) if self.names else None

    def positions(self, text: str) -> Iterator[int]:
        """Every index of `text` where one of the names may start (and every one where one does)."""
        if self._starts is None:
            return
        search = self._starts.search
        match = search(text)
        while match is not None:
            yield match.start()
            match = search(text, match.start() + 1)

    def at(self, text: str, index: int) -> list[str]:
        """The names that start at `index`, longest first."""
        room = len(text) - index
        return [text[index:index + n] for n in self.lengths if n <= room and text[index:index + n] in self.names]

    def found(self, text: str) -> set[str]:
        """The names that occur in `text`."""
        return {name for index in self.positions(text) for name in self.at(text, index)}


class _Names:
    """A set of names to look for: a prepared finder for the many, plain search for a few more."""

    def __init__(self, finder: NameFinder, extra: Iterable[str] = ()):
        self.finder = finder
        self.extra = sorted({n for n in extra if n and n not in finder.names}, key=len, reverse=True)

    def found(self, text: str) -> set[str]:
        return self.finder.found(text) | {n for n in self.extra if n in text}

    def positions(self, text: str) -> list[int]:
        places = set(self.finder.positions(text))
        for name in self.extra:
            index = text.find(name)
            while index >= 0:
                places.add(index)
                index = text.find(name, index + 1)
        return sorted(places)

    def at(self, text: str, index: int) -> list[str]:
        """The names that start at `index`, longest first (as an alternation sorted by length tries them)."""
        names = self.finder.at(text, index) + [n for n in self.extra if text.startswith(n, index)]
        return sorted(names, key=len, reverse=True)

    def replace(self, text: str, labels: dict[str, str], after: tuple[str, ...], required: bool,
                spaces: bool) -> str:
        """`text` with each name (and what `after` allows to follow it) replaced by its label.

        The same scan as re.sub with `(name1|name2|…)` longest first, followed by
        `(?:after1|after2|…)` when `required`, else an optional `(?:<spaces>(?:after…))?` (`spaces`):
        left to right, matches never overlap, the longest name that fits wins.
        """
        out, done = [], 0
        for index in self.positions(text):
            if index < done:
                continue
            for name in self.at(text, index):
                end = index + len(name)
                tail = end
                if spaces:
                    while tail < len(text) and text[tail].isspace():
                        tail += 1
                word = next((w for w in after if text.startswith(w, tail)), None)
                if word is not None:
                    end = tail + len(word)
                elif required:
                    continue
                out += (text[done:index], labels[name])
                done = end
                break
        return "".join(out) + text[done:] if out else text


class PrivateNames:
    """The private persons' names of one ledger, prepared once for all of a batch's public documents.

    Which spellings there are does not depend on the meeting (every member of the
    municipality counts); only the labels they are replaced by, and the proxies of
    the day, do. So the spellings, their parts and their finders are made once here.
    """

    def __init__(self, ledger: Ledger):
        self.ledger = ledger
        self._spellings: dict[str, list[str]] = {}
        self._pieces: dict[str, list[str]] = {}
        self._finders: dict[str, NameFinder] = {}
        self._last: tuple[Meeting, dict[str, str]] | None = None

    def spellings(self, name: str) -> list[str]:
        found = self._spellings.get(name)
        if found is None:
            found = self._spellings[name] = _spellings(name)
        return found

    def pieces(self, name: str) -> list[str]:
        found = self._pieces.get(name)
        if found is None:
            found = self._pieces[name] = _pieces(name)
        return found

    def table(self, meeting: Meeting) -> dict[str, str]:
        """Every spelling -> its replacement, for one meeting (in the order replacements were always chosen)."""
        if self._last is not None and self._last[0] is meeting:
            return self._last[1]
        ledger = self.ledger
        own = ledger.members_of(meeting.council_id)
        others = [m for m in ledger.members if m.council_id != meeting.council_id]
        labels = public_labels(ledger, own) | {k: v for k, v in public_labels(ledger, others).items()}
        replace: dict[str, str] = {}
        for member in own + others:
            if member.member_id in labels:
                for form in self.spellings(member.name):
                    replace.setdefault(form, labels[member.member_id])
        for sc in ledger.coordinators:
            for form in self.spellings(sc.name):
                replace.setdefault(form, SC_TITLE)
        for form in self._proxies(meeting):
            replace.setdefault(form, PROXY)
        self._last = (meeting, replace)
        return replace

    def _proxies(self, meeting: Meeting) -> list[str]:
        return [form for answer in self.ledger.attendance_of(meeting.meeting_id) if answer.proxy.strip()
                for form in self.spellings(re.sub(r"^代理(者)?[\s\u3000:：・]*", "", answer.proxy))]

    def _base(self) -> list[str]:
        """The spellings every meeting's table holds: of every person member and every SC."""
        persons = {m.member_id for m in self.ledger.members if not m.organisation}
        return ([form for m in self.ledger.members if m.member_id in persons for form in self.spellings(m.name)]
                + [form for sc in self.ledger.coordinators for form in self.spellings(sc.name)])

    def _finder(self, kind: str) -> NameFinder:
        finder = self._finders.get(kind)
        if finder is None:
            base = self._base()
            if kind == "parts":
                base = list(_parts(dict.fromkeys(base, ""), self.pieces))
            finder = self._finders[kind] = NameFinder(base)
        return finder

    def names(self, meeting: Meeting) -> _Names:
        """The meeting's spellings to look for."""
        return _Names(self._finder("names"), self._proxies(meeting))

    def parts(self, meeting: Meeting) -> tuple[_Names, dict[str, str]]:
        """The meeting's name parts to look for, and the label of each."""
        parts = _parts(self.table(meeting), self.pieces)
        return _Names(self._finder("parts"), parts), parts

    def leaked(self, data: bytes, meeting: Meeting) -> list[str]:
        """Names of the meeting's table (or a part of one before さん, 委員…) found anywhere in a .docx package."""
        names = self.names(meeting)
        parts, _ = self.parts(meeting)
        return _leaked(data, names, parts)


_ACTIVE: list[PrivateNames] = []


@contextmanager
def prepared(ledger: Ledger) -> Iterator[PrivateNames]:
    """Within this block, the public documents of `ledger` share one PrivateNames: a batch prepares the names once."""
    _ACTIVE.append(PrivateNames(ledger))
    try:
        yield _ACTIVE[-1]
    finally:
        _ACTIVE.pop()


def _names(ledger: Ledger) -> PrivateNames:
    if _ACTIVE and _ACTIVE[-1].ledger is ledger:
        return _ACTIVE[-1]
    return PrivateNames(ledger)


def _redact(value: object, replace: Callable[[str], str]) -> object:
    if isinstance(value, str):
        return replace(value)
    if isinstance(value, dict):
        return {k: _redact(v, replace) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v, replace) for v in value]
    return value


def redactor(ledger: Ledger, meeting: Meeting) -> Callable[[object], object]:
    """A function that replaces private persons' names in any string, dict or list of a context."""
    prepared_names = _names(ledger)
    table = prepared_names.table(meeting)
    if not table:
        return lambda value: value
    names = prepared_names.names(meeting)
    parts, part_labels = prepared_names.parts(meeting)

    def replace(text: str) -> str:
        # 'さん' or ' 様' after a name would be left dangling after a title: it goes with the name.
        text = names.replace(text, table, _AFTER_NAME_WORDS, required=False, spaces=True)
        if part_labels:
            text = parts.replace(text, part_labels, _AFTER_PART_WORDS, required=True, spaces=False)
        # Lines built as '名前（所属）' now read '所属（所属）': keep one.
        return _DOUBLED.sub(lambda m: m.group(1), text)

    return lambda value: _redact(value, replace)


_DOUBLED = re.compile(r"(.+?)（\1）")


def private_place(ledger: Ledger, meeting: Meeting) -> bool:
    """True when the meeting was held where a private person is named (山田 太郎様宅): its address is private."""
    names = _names(ledger).names(meeting)
    return bool(names.found(meeting.place) or names.found(meeting.place_address))


def public_context(ledger: Ledger, meeting: Meeting) -> dict:
    """The minutes' context with private persons' names replaced."""
    context = minutes_context(ledger, meeting)
    context["title"] = context["title"] + "（公開用）"
    if private_place(ledger, meeting):
        context["meeting"] = context["meeting"] | {"place": PRIVATE_PLACE, "place_address": ""}
    return redactor(ledger, meeting)(context)


def leaked_names(data: bytes, table: dict[str, str]) -> list[str]:
    """Names of `table` (or a part of one before さん, 委員…) found anywhere in a .docx package."""
    parts = _parts(table)
    return _leaked(data, _Names(NameFinder(table)), _Names(NameFinder(parts)))


def _leaked(data: bytes, names: _Names, parts: _Names) -> list[str]:
    found: set[str] = set()
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for name in package.namelist():
            if name.endswith((".xml", ".rels")):
                text, plain, seen = _part_text(package.read(name))
                # A part the same in every document (styles, theme: 0.8 MB of the template) is
                # searched once per finder; the few names of the day are searched each time.
                base = seen.get(names.finder)
                if base is None:
                    if len(seen) >= 4:
                        seen.clear()        # finders of earlier batches
                    base = seen[names.finder] = names.finder.found(text) | names.finder.found(plain)
                found |= base | {n for n in names.extra if n in text or n in plain}
                found |= _part_matches(plain, parts)
    return sorted(found)


def _part_matches(plain: str, parts: _Names) -> set[str]:
    """What re.finditer finds of `(part1|part2|…)(?:さん|様|…)`, longest part first: a part before a word of address."""
    found, done = set(), 0
    for index in parts.positions(plain):
        if index < done:
            continue
        for part in parts.at(plain, index):
            end = index + len(part)
            word = next((w for w in _AFTER_PART_WORDS if plain.startswith(w, end)), None)
            if word is not None:
                found.add(plain[index:end + len(word)])
                done = end + len(word)
                break
    return found


# Parts already read, by content: styles.xml and its kin are the same in every document.
_PARTS: dict[bytes, tuple[str, str, dict[NameFinder, set[str]]]] = {}
_PARTS_KEPT = 16


def _part_text(raw: bytes) -> tuple[str, str, dict[NameFinder, set[str]]]:
    key = hashlib.blake2b(raw, digest_size=32).digest()
    part = _PARTS.pop(key, None)       # taken out and put back last: the least recently used go first
    if part is None:
        if len(_PARTS) >= _PARTS_KEPT:
            _PARTS.pop(next(iter(_PARTS)))
        text = raw.decode("utf-8", "replace")
        part = (text, re.sub(r"<[^>]+>", "", text), {})
    _PARTS[key] = part
    return part


def save_public(run: BatchRun, item: Item, folder: str, stem: str, data: bytes) -> None:
    """Write a document for outside readers, unless a private name is still in it: then say why instead."""
    leaks = _names(run.ledger).leaked(data, item.meeting)
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
        with prepared(run.ledger):
            for item in items:
                meeting = item.meeting
                rows = {"会議": {meeting.row}, "協議記録": {r.row for r in run.ledger.records_of(meeting.meeting_id)},
                        "出欠": {a.row for a in run.ledger.attendance_of(meeting.meeting_id)}}
                item.blocking = run.report.errors_on(rows)
                if item.blocking:
                    item.skip_reason = messages.SKIP_ERRORS
                    run.progress(1)
                    continue
                save_public(run, item, self.folder, "公開用会議録",
                            template.render(public_context(run.ledger, meeting)))
                run.progress(1)

    def summary_detail(self, item: Item) -> str:
        return item.skip_reason or messages.PUBLIC_MINUTES_MADE


TYPE = PublicMinutes()
