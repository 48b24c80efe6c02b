"""What a document type is.

Each document type is one unit: its templates, how its context is built,
how its files are named, when the monthly batch makes it and how it leaves
the office. The CLI, `templates export/check` and the monthly batch iterate
the registry (`generator.documents.registry`) instead of knowing the types.
"""
from __future__ import annotations

import datetime as dt
from concurrent.futures import Executor
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Callable, ClassVar, TypeVar

from .. import messages
from ..errors import UsageError
from ..ledger.findings import Finding, Report
from ..ledger.model import Ledger, Meeting
from ..render.engine import CompiledTemplate

# How a document leaves the office.
MAILED = "mailed"           # to every member, by post or e-mail (送付方法)
INTERNAL = "internal"       # kept and printed by staff
PREFECTURE = "prefecture"   # sent to the 都道府県

TEMPLATE_PACKAGE = "generator.templates"
_T = TypeVar("_T")


@dataclass(frozen=True)
class TemplateFile:
    """One template a document type renders: its short name, file and Japanese title."""

    name: str
    filename: str
    title: str


def default_template_bytes(filename: str) -> bytes:
    """A shipped template, read through importlib.resources (any kind of install)."""
    return resources.files(TEMPLATE_PACKAGE).joinpath(filename).read_bytes()


def template_file(filename: str, custom_dir: str | Path | None = None) -> Path | None:
    """The staff's edited copy of a template in custom_dir, or None for the shipped one."""
    if custom_dir is None:
        return None
    custom = Path(custom_dir)
    if not custom.is_dir():
        raise UsageError(messages.TEMPLATES_DIR_MISSING.format(path=custom))
    candidate = custom / filename
    return candidate if candidate.exists() else None


def load_template(filename: str, custom_dir: str | Path | None = None) -> CompiledTemplate:
    """The compiled template to render: the staff's copy when custom_dir has one, else the shipped one."""
    edited = template_file(filename, custom_dir)
    if edited is not None:
        return CompiledTemplate(edited)
    return CompiledTemplate(Path(filename), data=default_template_bytes(filename))


@dataclass
class Item:
    """One thing the monthly batch makes for one meeting (or for the year: meeting None)."""

    kind: str                          # the document type's key
    meeting: Meeting | None
    skip_reason: str = ""
    blocking: list[Finding] = field(default_factory=list)
    path: Path | None = None           # the single file of a one-file document


@dataclass
class MonthPlan:
    """What every document type needs to decide what is due in a month's batch."""

    ledger: Ledger
    report: Report
    year: int
    month: int
    fiscal_year: int
    out_root: Path
    annual: bool = False               # --annual: the annual report outside March
    today: dt.date = field(default_factory=dt.date.today)   # what counts as held already
    # (document kind, meeting ID) made in an earlier month's batch: not made again.
    made_before: set[tuple[str, str]] = field(default_factory=set)
    # Whether last month had a batch at all: only then are its late meetings caught up here.
    last_month_ran: bool = False

    def held_meetings(self, kind: str) -> list[Meeting]:
        """Meetings held by `today` that a document made after the meeting is due for.

        This month's, and, when last month had a batch, last month's that it
        did not make the document for: a batch run early in the month must not
        lose the meetings held after it. A first run does not reach back.
        """
        last = (self.year - (self.month == 1), 12 if self.month == 1 else self.month - 1)
        return [m for m in self.ledger.meetings if m.held_as_of(self.today) and (
            m.in_month(self.year, self.month)
            or (self.last_month_ran and m.in_month(*last) and (kind, m.meeting_id) not in self.made_before))]
    # Invitation entries of earlier batches / of this batch's last run, by meeting ID.
    earlier_invitations: dict[str, dict] = field(default_factory=dict)
    this_run_invitations: dict[str, dict] = field(default_factory=dict)
    # (batch, meeting ID, member ID) -> True when the letter was e-mailed from that batch.
    emailed: Callable[[str, str, str], bool] = lambda batch, meeting, member: False

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def following(self) -> tuple[int, int]:
        return (self.year + self.month // 12, self.month % 12 + 1)


# What a worker process of the monthly batch holds: the ledger, the templates folder, and what
# document types built from them (compiled templates), each made once per process.
_WORKER: dict = {}
# What document types have every worker build when it starts, by key (see worker_build).
_WORKER_BUILDS: dict[str, Callable[[Ledger, str | Path | None], object]] = {}


def _init_worker(ledger: Ledger, templates_dir: str | Path | None,
                 builds: dict[str, Callable[[Ledger, str | Path | None], object]]) -> None:
    import signal

    # Ctrl-C reaches every process of the terminal. The batch stops its workers itself
    # (close), dropping the work not begun; a worker waiting for its next task died of it
    # printing a multiprocessing traceback under 「中断しました。」.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER.clear()
    _WORKER.update(ledger=ledger, templates_dir=templates_dir)
    # Built now, while the batch is still planning (BatchRun.start_workers), not in the first
    # task of each document type, where both workers did it while the batch waited.
    for key, build in builds.items():
        try:
            _WORKER[key] = build(ledger, templates_dir)
        except Exception:
            pass     # a failing initializer breaks the pool: the first task builds it again and says why


def in_worker(key: str, build: Callable[[Ledger, str | Path | None], _T]) -> _T:
    """In a worker process: build(ledger, templates_dir) made once per process and kept under `key`."""
    if key not in _WORKER:
        _WORKER[key] = build(_WORKER["ledger"], _WORKER["templates_dir"])
    return _WORKER[key]


def worker_build(key: str, build: Callable[[Ledger, str | Path | None], _T]) -> Callable[[], _T]:
    """Have every worker process build(ledger, templates_dir) when it starts; returns the getter its tasks use.

    `build` must be a module-level function: a worker started by spawn receives it pickled.
    """
    _WORKER_BUILDS[key] = build
    return lambda: in_worker(key, build)


def worker_ledger() -> Ledger:
    """In a worker process: the batch's ledger."""
    return _WORKER["ledger"]


@dataclass
class WorkerSave:
    """The `save` of a worker process: writes a file unless unchanged, and keeps its sha256.

    Hashed here, in parallel, so the batch's manifest need not read the file back;
    the task returns `digests` and `written` to the batch.
    """

    digests: dict[Path, str] = field(default_factory=dict)
    written: int = 0

    def __call__(self, path: Path, data: bytes) -> bool:
        import hashlib

        from ..render.output import write_if_changed

        self.digests[path] = hashlib.sha256(data).hexdigest()
        changed = write_if_changed(path, data)
        self.written += changed
        return changed


@dataclass
class BatchRun:
    """How the monthly batch asks a document type to write its items."""

    ledger: Ledger
    report: Report
    folder: Path                       # the month's folder
    templates_dir: str | Path | None
    save: Callable[[Path, bytes], bool]
    progress: Callable[[int], None]
    fiscal_year: int
    jobs: int = 1
    label_start: int = 1               # first free label of the sheet the month's labels go on
    written_elsewhere: int = 0         # files written by worker processes (their `save` is not ours)
    # sha256 of every file saved in this run (written or found unchanged), by path: the manifest
    # lists them without reading the files back. Worker processes report theirs here too.
    digests: dict[Path, str] = field(default_factory=dict)
    _pool: Executor | None = field(default=None, repr=False)

    def pool(self) -> Executor:
        """The batch's `jobs` worker processes, started on first use with the ledger; shared by document types."""
        if self._pool is None:
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(max_workers=self.jobs, initializer=_init_worker,
                                             initargs=(self.ledger, self.templates_dir, dict(_WORKER_BUILDS)))
        return self._pool

    def start_workers(self) -> None:
        """With jobs > 1, start the worker processes now, so they get ready while the batch plans."""
        if self.jobs > 1:
            self.pool().submit(int)      # a pool starts its processes with its first task

    def close(self) -> None:
        """Stop the worker processes, if any were started; work not begun is dropped (a failed batch stops sooner)."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


class DocumentType:
    """Base class of a document type; each module registers one instance."""

    key: ClassVar[str] = ""
    title: ClassVar[str] = ""              # Japanese, for summaries and the README
    label: ClassVar[str] = ""              # the short tag of its lines in the monthly summary
    templates: ClassVar[tuple[TemplateFile, ...]] = ()
    folder: ClassVar[str] = ""             # its subfolder in a monthly batch
    leaves_by: ClassVar[str] = INTERNAL
    due: ClassVar[str] = ""                # when the monthly batch makes it (Japanese)

    def example_contexts(self) -> dict[str, dict]:
        """A context per template name, built from a made-up meeting: what templates may use."""
        raise NotImplementedError

    def plan_month(self, month: MonthPlan) -> list[Item]:
        """The items due in a month's batch (none by default: made on request only)."""
        return []

    def progress_units(self, item: Item) -> int:
        """How many progress steps writing `item` reports."""
        return 1

    def planned_names(self, ledger: Ledger, item: Item) -> list[str]:
        """Names of the files or folders `item` will make in self.folder, known before writing."""
        return []

    def make_month(self, run: BatchRun, items: list[Item]) -> None:
        """Write the files of `items` into run.folder/self.folder, filling each item's result."""
        raise NotImplementedError

    def files(self, item: Item) -> list[tuple[Path, str, str | None]]:
        """(path, file kind, member ID or None) of every file the item made."""
        return [(item.path, self.key, None)] if item.path else []

    def summary_detail(self, item: Item) -> str:
        """What the monthly summary says about one item."""
        return item.skip_reason or self.title

    def summary_notes(self, item: Item) -> list[str]:
        """Indented lines the monthly summary adds below an item."""
        return []


# Values no letter, 次第 or 委嘱状 prints: an error in one of them stops only the documents that use them.
_NOT_IN_LETTERS = {"基本情報": ("honorarium_rate", "proxy_honorarium"), "協議体": ("openness",),
                   "構成員": ("honorarium",)}


def not_in_letters(ledger: Ledger) -> frozenset[tuple[str, str]]:
    """(sheet, cell) of every value the letters do not use, for Report.errors_on(ignore=...)."""
    # Asked once per meeting by several document types; built each time it scanned every member
    # per meeting, which made a city's batch grow with (meetings x members).
    return ledger.derived("not_in_letters", lambda: _not_in_letters(ledger),
                          ledger.councils, ledger.members, ledger.info_cells, ledger.columns)


def _not_in_letters(ledger: Ledger) -> frozenset[tuple[str, str]]:
    cells = {(sheet, ledger.info_cells[f]) for sheet, fields in _NOT_IN_LETTERS.items() if sheet == "基本情報"
             for f in fields if f in ledger.info_cells}
    for records, sheet in ((ledger.councils, "協議体"), (ledger.members, "構成員")):
        for record in records:
            cells |= {ledger.where(record, f) for f in _NOT_IN_LETTERS[sheet]}
    return frozenset(cells)


def example_ledger():
    """A made-up one-meeting ledger: the council, meeting and member example contexts are built from."""
    from ..ledger.model import Council, Info, Member

    council = Council(council_id="C", name="例協議体", layer=2, area_id="A")
    meeting = Meeting(meeting_id="K", council_id="C", number=1, date=dt.date(2026, 12, 21),
                      start=dt.time(14), place="例会館", agenda=("例",))
    member = Member(member_id="M", council_id="C", name="例 花子", org_kind="住民", delivery="郵送",
                    postal_code="0000000", address1="例町1")
    ledger = Ledger(info=Info(municipality="例町", mayor_title="例町長", mayor_name="例 太郎",
                              department="福祉課", phone="000-000-0000"),
                    councils=[council], meetings=[meeting], members=[member])
    return ledger, council, meeting, member

