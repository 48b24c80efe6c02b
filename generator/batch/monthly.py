"""The monthly batch: everything staff need for one month, in DIR/YYYY-MM/.

Each registered document type says what is due in the month (invitations
for next month's meetings and late ones for this month, minutes for this
month's meetings, the annual report in March) and writes it; this module
runs them, keeps the manifest of every file (sha256 and the ledger rows it
came from) and writes the summary. A rerun with the same ledger writes the
same bytes and touches nothing that did not change; a meeting whose date,
time, place or agenda changed since its letters were made is made again
and marked 改訂, with the people who got the old version listed.

Before the first file of a rerun changes, the manifest is marked incomplete;
a run killed half way leaves it so, and `send` refuses the batch until a
rerun has written the manifest that describes the files on disk.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..documents.base import BatchRun, Item, MonthPlan
from ..documents.invitation import check_label_start, meeting_version, parse_month
from ..documents.registry import DOCUMENT_TYPES, document_type
from ..japanese import fiscal_year_of, format_date
from ..ledger.check import load_and_check
from ..ledger.model import Ledger, Meeting
from ..ledger.findings import Report
from ..render.context import meeting_title
from ..render.output import (atomic_write, check_out_folder, ensure_distinct, inside, make_out_folder, protect_input,
                             remove_temp_files, write_if_changed)
from . import store
from .store import FileEntry, LetterEntry, Manifest, MeetingEntry

__all__ = ["Batch", "run_monthly", "meeting_version"]


@dataclass
class Batch:
    """What one run of the monthly batch made."""

    month: str
    folder: Path
    ledger: Ledger
    report: Report
    items: list[Item] = field(default_factory=list)
    files: list[FileEntry] = field(default_factory=list)
    written: int = 0
    pdfs: int = 0

    @property
    def has_errors(self) -> bool:
        return any(item.blocking for item in self.items)

    @property
    def annual(self) -> list[Path]:
        return [path for item in self.items if item.kind == "annual" for path in getattr(item, "paths", [])]


def _earlier_invitations(out_root: Path, month: str) -> tuple[dict[str, dict], dict[str, dict]]:
    """Invitation entries of earlier batches and of this batch's last run, by meeting ID.

    Batches are folders named YYYY-MM; the latest earlier one wins.
    """
    earlier: dict[str, dict] = {}
    this_run: dict[str, dict] = {}
    for batch, manifest in store.batch_manifests(out_root, month):
        for entry in manifest.meetings:
            if entry.kind == "invitation" and entry.letters:
                (this_run if batch == month else earlier)[entry.meeting_id] = entry.to_json() | {"batch": batch}
    return earlier, this_run


def _made_before(out_root: Path, month: str) -> set[tuple[str, str]]:
    """(document kind, meeting ID) that an earlier month's batch made files for."""
    return {(entry.kind, entry.meeting_id) for batch, manifest in store.batch_manifests(out_root, month)
            if batch < month for entry in manifest.meetings if entry.file or entry.letters}


def _last_month_ran(out_root: Path, year: int, mon: int) -> bool:
    last = f"{year - (mon == 1):04d}-{12 if mon == 1 else mon - 1:02d}"
    return store.read_manifest_or_empty(out_root / last) is not None


def _emailed(out_root: Path) -> Callable[[str, str, str], bool]:
    """Whether some version of a meeting's letter reached a member, by the output folder's send log."""
    cache: list[set[tuple[str, str]]] = []

    def emailed(batch: str, meeting_id: str, member_id: str) -> bool:
        if not cache:
            cache.append(store.emailed_letters(out_root))
        return (meeting_id, member_id) in cache[0]

    return emailed


def _order(items: list[Item]) -> list[Item]:
    """Meetings by date and time, each meeting's documents in registry order; the year's last."""
    rank = {doc.key: i for i, doc in enumerate(DOCUMENT_TYPES)}

    def key(item: Item) -> tuple:
        m = item.meeting
        if m is None:
            return (1, dt.date.max, dt.time(0), 0, rank[item.kind])
        return (0, m.date, m.start or dt.time(0), m.row, rank[item.kind])

    return sorted(items, key=key)


def run_monthly(ledger_path: str | Path, month: str, out_root: str | Path, *, pdf: bool = False, jobs: int = 1,
                annual: bool = False, templates_dir: str | None = None, password: str | None = None,
                pdf_timeout: float | None = None,
                today: dt.date | None = None, label_start: int = 1,
                progress: Callable[[int], None] = lambda n: None,
                on_total: Callable[[int], None] = lambda n: None) -> Batch:
    """Make the month's documents into out_root/YYYY-MM and return what was made."""
    year, mon = parse_month(month)
    check_label_start(label_start)
    month = f"{year:04d}-{mon:02d}"
    fiscal_year = fiscal_year_of(dt.date(year, mon, 1))
    check_out_folder(out_root)
    protect_input(ledger_path)
    out_root = Path(out_root)
    earlier, this_run = _earlier_invitations(out_root, month)
    # The batches hold the letters already made: a meeting with one is not "without a letter".
    ledger, report = load_and_check(ledger_path, fiscal_year, password, as_of=today, lettered={*earlier, *this_run})
    folder = make_out_folder(inside(out_root, month))
    written: list[Path] = []
    marked: list[bool] = []
    digests: dict[Path, str] = {}

    def invalidate() -> None:
        # Before the first file changes, the old manifest stops vouching for the folder
        # (send refuses it until this run writes the new one); unchanged reruns touch nothing.
        if not marked:
            store.mark_incomplete(folder)
            marked.append(True)

    def save(path: Path, data: bytes) -> bool:
        digests[path] = store.sha256(data)
        if marked:
            changed = write_if_changed(path, data)
        elif _differs(path, data):
            invalidate()
            atomic_write(path, data)
            changed = True
        else:
            changed = False
        if changed:
            written.append(path)
        return changed

    run = BatchRun(ledger=ledger, report=report, folder=folder, templates_dir=templates_dir, save=save,
                   progress=progress, fiscal_year=fiscal_year, jobs=jobs, label_start=label_start,
                   digests=digests)
    # With --jobs the workers start here and compile their templates while this process plans.
    run.start_workers()
    try:
        remove_temp_files(folder)
        previous = store.read_manifest_or_empty(folder)
        plan = MonthPlan(ledger=ledger, report=report, year=year, month=mon, fiscal_year=fiscal_year,
                         out_root=out_root, annual=annual, earlier_invitations=earlier,
                         this_run_invitations=this_run, emailed=_emailed(out_root),
                         today=today or dt.date.today(), made_before=_made_before(out_root, month),
                         last_month_ran=_last_month_ran(out_root, year, mon))
        batch = Batch(month, folder, ledger, report)
        batch.items = _order([item for doc in DOCUMENT_TYPES for item in doc.plan_month(plan)])
        # Names that would be one file on Windows stop the batch before anything is written.
        for doc in DOCUMENT_TYPES:
            ensure_distinct([name for item in batch.items if item.kind == doc.key
                             for name in doc.planned_names(ledger, item)], folder / doc.folder)
        on_total(sum(document_type(i.kind).progress_units(i) for i in batch.items))
        if jobs > 1:
            invalidate()      # worker processes write files without going through `save`
        for doc in DOCUMENT_TYPES:
            due = [item for item in batch.items if item.kind == doc.key]
            if due:
                doc.make_month(run, due)
    finally:
        run.close()

    batch.files = _file_entries(batch, digests)
    if pdf:
        from .pdf import convert_batch

        batch.pdfs = convert_batch(folder, batch.files, previous, timeout=pdf_timeout)
    _remove_stale(folder, previous, batch.files, invalidate)
    store.write_manifest(folder, _manifest(batch, ledger_path))
    from ..summary import format_monthly

    store.write_summary(folder, format_monthly(batch))
    batch.written = len(written) + run.written_elsewhere
    return batch


def _rows(ledger: Ledger, meeting: Meeting | None, member_ids: list[str] | None = None,
          names: dict[str, str] | None = None) -> list[str]:
    """The ledger rows a file came from ('会議!12'); `names` shares each such text between files."""
    names = {} if names is None else names

    def shared(text: str) -> str:
        return names.setdefault(text, text)

    if meeting is None:
        return [shared("基本情報")]
    rows = [shared(f"会議!{meeting.row}")]
    council = ledger.council(meeting.council_id)
    if council:
        rows.append(shared(f"協議体!{council.row}"))
    if member_ids is not None:
        rows += [shared(f"構成員!{member.row}") for member in map(ledger.member, member_ids) if member]
    return rows


def _file_entries(batch: Batch, digests: dict[Path, str]) -> list[FileEntry]:
    """Every file of the batch with its sha256 (as saved, else read back) and the ledger rows it came from."""
    entries = []
    # A member's row is named by their letter, the print file, the labels and the 送付リスト:
    # one string for all of them, not one each (a city's batch lists tens of thousands).
    names: dict[str, str] = {}
    for item in batch.items:
        doc = document_type(item.kind)
        made = doc.files(item)
        everyone = [m for _, _, m in made if m]
        for path, kind, member_id in made:
            if item.meeting is None:
                rows = _rows(batch.ledger, None, names=names)
            elif kind == "minutes" or not everyone:
                rows = _rows(batch.ledger, item.meeting, names=names)
            else:
                rows = _rows(batch.ledger, item.meeting, [member_id] if member_id else everyone, names)
            entries.append(FileEntry(
                path=path.relative_to(batch.folder).as_posix(),
                sha256=digests.get(path) or store.sha256(path.read_bytes()),
                kind=kind, rows=rows, meeting_id=item.meeting.meeting_id if item.meeting else "",
                member_id=member_id or ""))
    return entries


def _differs(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size != len(data) or path.read_bytes() != data
    except OSError:
        return True


def _remove_stale(folder: Path, previous: Manifest | None, files: list[FileEntry],
                  invalidate: Callable[[], None]) -> None:
    """Files an earlier run of this batch made that this run did not (a member who left, say)."""
    if previous is None:
        return
    keep = {f.path for f in files} | {f.pdf for f in files if f.pdf}
    for entry in previous.files:
        for rel in (entry.path, entry.pdf):
            if rel and rel not in keep:
                invalidate()
                try:
                    inside(folder, rel).unlink()
                except OSError:
                    pass


def _letters(batch: Batch, item: Item, version: str, by_path: dict[str, FileEntry]) -> list[LetterEntry]:
    """One entry per recipient's letter of an item that was made."""
    if not (item.result and item.result.folder):
        return []
    letters = []
    for path, member in zip(item.result.letters, item.plan.recipients):
        rel = path.relative_to(batch.folder).as_posix()
        letters.append(LetterEntry(
            member_id=member.member_id, name=member.name, honorific=member.honorific or "様",
            delivery=member.delivery, email=member.email, file=rel, sha256=by_path[rel].sha256,
            pdf=by_path[rel].pdf, version=store.letter_version(version, by_path[rel].sha256)))
    return letters


def _manifest(batch: Batch, ledger_path: str | Path) -> Manifest:
    info = batch.ledger.info
    by_path = {f.path: f for f in batch.files}
    meetings = []
    for item in batch.items:
        meeting = item.meeting
        if meeting is None:
            continue
        council = batch.ledger.council(meeting.council_id)
        entry = MeetingEntry(kind=item.kind, meeting_id=meeting.meeting_id, date=str(meeting.date),
                             date_text=format_date(meeting.date, info.date_style),
                             title=meeting_title(council, meeting) if council else meeting.meeting_id,
                             skipped=item.skip_reason)
        if item.kind == "invitation":
            entry.version, entry.history, entry.late = meeting_version(meeting), item.history, item.late
            entry.days_left, entry.revised = item.days_left, item.revised
            entry.letters = _letters(batch, item, entry.version, by_path)
        elif getattr(item, "result", None) is not None:
            # A document each member receives (会議のまとめ): its letters are versioned apart from
            # the invitations', so one never stands for the other in the send log.
            entry.version = f"{item.kind}:{meeting_version(meeting)}"
            entry.letters = _letters(batch, item, entry.version, by_path)
        else:
            entry.file = item.path.relative_to(batch.folder).as_posix() if item.path else ""
        meetings.append(entry)
    ledger_file = Path(ledger_path)
    return Manifest(
        month=batch.month, ledger_name=ledger_file.name, ledger_sha256=store.sha256(ledger_file.read_bytes()),
        sender={"municipality": info.municipality, "mayor_title": info.mayor_title, "mayor_name": info.mayor_name,
                "department": info.department, "contact_person": info.contact_person, "phone": info.phone,
                "fax": info.fax, "email": info.email},
        meetings=meetings, files=batch.files)
