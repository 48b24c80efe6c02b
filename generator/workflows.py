"""The jobs a user runs, as library calls.

Each takes plain arguments and progress callbacks and returns a result
value; the CLI (and any other front end) calls these and formats the
results with `generator.summary`. Nothing here prints.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import messages
from .batch import store
from .batch.monthly import Batch, run_monthly
from .batch.send import SendReport, Settings, send_batch
from .documents.annual import AnnualResult, write_annual
from .documents.appointments import AppointmentsResult, write_appointments
from .documents.handover import write_handover
from .documents.invitation import (MeetingResult, Templates, check_label_start, plan_meeting, select_meetings,
                                   write_meeting)
from .documents.minutes import MinutesResult, write_minutes
from .documents.templates import TemplateCheck, check_templates, export
from .errors import UsageError
from .ledger.blank import write_blank_ledger
from .ledger.check import load_and_check
from .japanese import fiscal_year_era, fiscal_year_of, fiscal_year_range, format_date
from .ledger.findings import Report
from .ledger.values import ValueProblem, parse_date
from .render.context import meeting_title
from .render.output import check_out_folder, ensure_distinct, protect_input

Progress = Callable[[int], None]

__all__ = [
    "Batch", "InvitationsRun", "MinutesRun", "SendReport", "Settings", "check_ledger", "check_templates",
    "export_templates", "init_ledger", "make_annual", "make_appointments", "make_handover", "parse_day", "make_invitations", "make_minutes", "run_monthly",
    "send_batch",
]


def _nothing(_n: int) -> None:
    return None


def init_ledger(path: str | Path, force: bool = False) -> Path:
    """Write the empty ledger; refuses to overwrite unless `force`."""
    return write_blank_ledger(path, force=force)


def check_ledger(path: str | Path, fiscal_year: int | None = None, password: str | None = None, *,
                 as_of: dt.date | None = None, out_root: str | Path | None = None) -> Report:
    """The findings of a ledger for a fiscal year (default: this one), as of a day (default today).

    With `out_root` (the monthly output folder) the letters its batches made count as made.
    """
    lettered = store.lettered_meetings(Path(out_root)) if out_root is not None else None
    return load_and_check(path, fiscal_year, password, as_of=as_of, lettered=lettered)[1]


@dataclass
class InvitationsRun:
    """What `make_invitations` made, meeting by meeting."""

    results: list[MeetingResult] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(r.plan.blocking for r in self.results)


def _one_of(meeting_id: str | None, month: str | None) -> None:
    if bool(meeting_id) == bool(month):
        raise UsageError(messages.MEETING_OR_MONTH)


def make_invitations(ledger_path: str | Path, out_dir: str | Path, *, meeting_id: str | None = None,
                     month: str | None = None, templates_dir: str | Path | None = None,
                     password: str | None = None, label_start: int = 1, progress: Progress = _nothing,
                     on_total: Progress = _nothing) -> InvitationsRun:
    """Letters, print file, labels and 送付リスト for one meeting or a month's meetings.

    `label_start` (1-12): each meeting's labels begin on that label of a part-used sheet.
    """
    _one_of(meeting_id, month)
    check_label_start(label_start)
    check_out_folder(out_dir)
    protect_input(ledger_path)
    ledger, report = load_and_check(ledger_path, None, password)
    meetings = select_meetings(ledger, meeting_id, month)
    run = InvitationsRun()
    if not meetings:
        return run
    plans = [plan_meeting(ledger, report, m) for m in meetings]
    ensure_distinct([p.folder for p in plans if not p.skip_reason], out_dir)
    templates = Templates(templates_dir)
    on_total(sum(len(p.recipients) for p in plans if not p.skip_reason))
    for plan in plans:
        run.results.append(write_meeting(ledger, plan, out_dir, templates, progress, label_start=label_start))
    return run


@dataclass
class MinutesRun:
    """What `make_minutes` made, with each meeting's title for the summary."""

    results: list[MinutesResult] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)

    @property
    def has_errors(self) -> bool:
        return any(r.blocking for r in self.results)


def make_minutes(ledger_path: str | Path, out_dir: str | Path, *, meeting_id: str | None = None,
                 month: str | None = None, templates_dir: str | Path | None = None,
                 password: str | None = None) -> MinutesRun:
    """議事録 for one meeting or a month's meetings."""
    _one_of(meeting_id, month)
    check_out_folder(out_dir)
    protect_input(ledger_path)
    ledger, report = load_and_check(ledger_path, None, password)
    meetings = select_meetings(ledger, meeting_id, month)
    run = MinutesRun()
    if not meetings:
        return run
    run.results = write_minutes(ledger, report, meetings, out_dir, templates_dir)
    for meeting in meetings:
        council = ledger.council(meeting.council_id)
        run.titles[meeting.meeting_id] = meeting_title(council, meeting) if council else meeting.meeting_id
    return run


def make_annual(ledger_path: str | Path, fiscal_year: int, out_dir: str | Path, *,
                templates_dir: str | Path | None = None, password: str | None = None,
                as_of: str | dt.date | None = None) -> AnnualResult:
    """年次報告書 and 年次集計 for a fiscal year, counted as of `as_of` (default: today)."""
    day = parse_day(as_of)
    first, _last = fiscal_year_range(fiscal_year)
    if day < first:     # nothing of the year can have happened yet: a typo in the year or the date
        raise UsageError(messages.ANNUAL_AS_OF_BEFORE_YEAR.format(
            as_of=format_date(day, weekday=False), year=fiscal_year_era(fiscal_year),
            first=format_date(first, weekday=False)))
    check_out_folder(out_dir)
    protect_input(ledger_path)
    ledger, report = load_and_check(ledger_path, fiscal_year, password, as_of=day)
    return write_annual(ledger, report, fiscal_year, out_dir, templates_dir, as_of=day)


def parse_day(value: str | dt.date | None, option: str = "--as-of") -> dt.date:
    """A date the user typed, in any form the ledger accepts (2027-03-31, R9.3.31 …); today when None."""
    if value is None or value == "":
        return dt.date.today()
    try:
        return parse_date(value)
    except ValueProblem as problem:
        raise UsageError(messages.DATE_OPTION.format(option=option, problem=problem.detail)) from problem


def make_handover(ledger_path: str | Path, out_dir: str | Path, *, as_of: dt.date | None = None,
                  templates_dir: str | Path | None = None, password: str | None = None) -> Path:
    """引継書 as of a date (default today)."""
    day = as_of or dt.date.today()
    ledger, report = load_and_check(ledger_path, fiscal_year_of(day), password, as_of=day)
    return write_handover(ledger, report, day, out_dir, templates_dir)


def make_appointments(ledger_path: str | Path, council_id: str, out_dir: str | Path, *,
                      as_of: dt.date | None = None, templates_dir: str | Path | None = None,
                      password: str | None = None) -> AppointmentsResult:
    """委嘱状 for every member of a council in office on a date (default today), and its 委員名簿."""
    day = as_of or dt.date.today()
    ledger, report = load_and_check(ledger_path, fiscal_year_of(day), password)
    return write_appointments(ledger, report, council_id, day, out_dir, templates_dir)


def export_templates(folder: str | Path, force: bool = False) -> list[Path]:
    """Copy the shipped templates into folder for editing."""
    return export(folder, force)


@dataclass
class TemplateReport:
    """`templates check`: each template with the variables it uses that do not exist."""

    checks: list[TemplateCheck]

    @property
    def ok(self) -> bool:
        return not any(check.unknown or check.error for check in self.checks)


def check_template_folder(folder: str | Path) -> TemplateReport:
    """Each template in folder (or the shipped one) with the variables it uses that do not exist."""
    return TemplateReport(check_templates(folder))
