"""当日の資料: 会議次第, 受付名簿 and 名札 for each of next month's meetings.

They are printed together the week before a meeting, from the same rows,
so they are one document unit with three templates: the running order the
guidebook recommends (第1節3(6) 当日進行上の留意点), the reception list with
each member's RSVP and a signature column, and A4 tent cards whose top half
is turned upside down so the name reads upright on both faces when folded.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .. import messages
from ..japanese import format_date, format_time_range
from ..ledger.model import Ledger, Meeting, Member
from ..render.context import meeting_context, meeting_title, recipient_context
from ..render.output import inside, safe_filename
from .base import (not_in_letters, INTERNAL, BatchRun, DocumentType, Item, MonthPlan, TemplateFile, example_ledger,
                   load_template, worker_build, WorkerSave)
from .invitation import COUNCIL_IN_NAME
from .minutes import next_meeting

AGENDA_TEMPLATE = TemplateFile("agenda", "agenda.docx", "会議次第")
ROSTER_TEMPLATE = TemplateFile("roster", "roster.docx", "受付名簿")
NAMEPLATES_TEMPLATE = TemplateFile("nameplates", "nameplates.docx", "名札（A4 二つ折り）")
BLANK_ROWS = 5
ANSWER_UNKNOWN = "未回答"


def meeting_folder(ledger: Ledger, meeting: Meeting) -> str:
    """'C0-05_あおば町支え合い推進会議_第5回': a meeting's folder, as the invitations name it."""
    council = ledger.council(meeting.council_id)
    name = council.name if council else meeting.council_id
    number = f"_第{meeting.number}回" if meeting.number else ""
    return safe_filename(f"{meeting.meeting_id}_{name[:COUNCIL_IN_NAME]}{number}")


def members_in_office(ledger: Ledger, meeting: Meeting) -> list[Member]:
    """The council's members on the meeting's day, in ledger order."""
    return [m for m in ledger.members_of(meeting.council_id) if meeting.date and m.in_office_on(meeting.date)]


def answers(ledger: Ledger, meeting: Meeting) -> dict[str, str]:
    """Member ID -> 出欠 answer for the meeting."""
    return {a.member_id: a.answer for a in ledger.valid_attendance(meeting) if a.answer}


def _person(member: Member, answer: str) -> dict:
    recipient = recipient_context(member)
    return {"name": member.name, "org_line": recipient["org_line"] or ("" if member.organisation else member.org),
            "answer": answer}


def _next_text(ledger: Ledger, meeting: Meeting) -> str:
    upcoming = next_meeting(ledger, meeting)
    if upcoming is None or upcoming.date is None:
        return ""
    time = format_time_range(upcoming.start, upcoming.end) if upcoming.start else ""
    return "　".join(x for x in (format_date(upcoming.date, ledger.info.date_style), time, upcoming.place) if x)


def papers_context(ledger: Ledger, meeting: Meeting) -> dict:
    """What agenda.docx, roster.docx and nameplates.docx print for one meeting."""
    council = ledger.council(meeting.council_id)
    got = answers(ledger, meeting)
    people = [_person(m, got.get(m.member_id, ANSWER_UNKNOWN)) for m in members_in_office(ledger, meeting)]
    count = {key: sum(1 for p in people if p["answer"] == key) for key in ("出席", "代理出席", "欠席", ANSWER_UNKNOWN)}
    organiser = council.sender or (f"{council.name} 事務局（{council.secretariat}）" if council.secretariat else
                                   f"{ledger.info.municipality} {ledger.info.department}")
    return {
        "title": meeting_title(council, meeting),
        "meeting": meeting_context(ledger, council, meeting),
        "vision": ledger.info.vision,
        "agenda": list(meeting.agenda),
        "next": _next_text(ledger, meeting),
        "materials": [],
        "organiser": organiser.strip(),
        "members": people,
        # Tent cards for those who come: everyone but who said they will not.
        "cards": [p for p in people if p["answer"] != "欠席"],
        "blank_rows": list(range(1, BLANK_ROWS + 1)),
        "counts": {"present": count["出席"], "proxy": count["代理出席"], "absent": count["欠席"],
                   "unanswered": count[ANSWER_UNKNOWN], "as_of": "作成時"},
    }


class MeetingDayPapers(DocumentType):
    """会議次第・受付名簿・名札, per meeting of next month."""

    key = "meeting_day"
    title = "会議次第・受付名簿・名札"
    label = "当日資料"
    templates = (AGENDA_TEMPLATE, ROSTER_TEMPLATE, NAMEPLATES_TEMPLATE)
    folder = "当日資料"
    leaves_by = INTERNAL
    due = "翌月の会議（中止を除く）"

    def example_contexts(self) -> dict[str, dict]:
        ledger, _council, meeting, _member = example_ledger()
        context = papers_context(ledger, meeting)
        return {"agenda": context, "roster": context, "nameplates": context | {"members": _with_backs(context["cards"])}}

    def plan_month(self, month: MonthPlan) -> list[Item]:
        year, mon = month.following
        return [PapersItem(self.key, m) for m in month.ledger.meetings if m.in_month(year, mon) and not m.cancelled]

    def make_month(self, run: BatchRun, items: list[Item]) -> None:
        if run.jobs > 1 and len(items) > 1:
            # The batch's worker processes render and write each meeting's papers; the contexts
            # (which need the check's report) are made here.
            futures = []
            for item in items:
                context = self._context(run, item)
                if context is None:
                    futures.append(None)
                    continue
                folder = inside(run.folder, self.folder, meeting_folder(run.ledger, item.meeting))
                futures.append(run.pool().submit(_write_in_worker, folder, context))
            for item, future in zip(items, futures):
                if future is not None:
                    item.paths, digests, written = future.result()
                    run.digests.update(digests)
                    run.written_elsewhere += written
                run.progress(1)
            return
        compiled = _compile(run.templates_dir)
        for item in items:
            context = self._context(run, item)
            if context is not None:
                folder = inside(run.folder, self.folder, meeting_folder(run.ledger, item.meeting))
                item.paths = _write_papers(folder, context, compiled, run.save)
            run.progress(1)

    def _context(self, run: BatchRun, item: Item) -> dict | None:
        """The meeting's papers context, or None (with the item's skip reason) when its rows have errors."""
        meeting = item.meeting
        council = run.ledger.council(meeting.council_id)
        rows = {"会議": {meeting.row}, "協議体": {council.row} if council else set(),
                "構成員": {m.row for m in run.ledger.members_of(meeting.council_id)},
                "出欠": {a.row for a in run.ledger.attendance_of(meeting.meeting_id)}}
        item.blocking = run.report.errors_on(rows, whole_sheets=("基本情報",), ignore=not_in_letters(run.ledger))
        if item.blocking or council is None:
            item.skip_reason = messages.SKIP_ERRORS
            return None
        return papers_context(run.ledger, meeting)

    def files(self, item: Item) -> list[tuple[Path, str, str | None]]:
        return [(path, name, None) for path, name in item.paths]

    def summary_detail(self, item: Item) -> str:
        return item.skip_reason or messages.MEETING_DAY_MADE


CARD_MM = (180, 118)
FILES = {"agenda": "会議次第.docx", "roster": "受付名簿.docx", "nameplates": "名札.docx"}


def _compile(templates_dir: str | Path | None) -> dict:
    return {t.name: load_template(t.filename, templates_dir) for t in MeetingDayPapers.templates}


def _compile_in_worker(_ledger: Ledger, templates_dir: str | Path | None) -> dict:
    """A worker process's compiled templates, built when it starts."""
    return _compile(templates_dir)


_worker_templates = worker_build("meeting_day", _compile_in_worker)


def _write_papers(folder: Path, context: dict, compiled: dict, save: Callable[[Path, bytes], object]
                  ) -> list[tuple[Path, str]]:
    """Render and save one meeting's 次第, 受付名簿 and (when someone comes) 名札; (path, name) of each."""
    paths = []
    for name, filename in FILES.items():
        if name == "nameplates" and not context["cards"]:
            continue
        data = context | {"members": _with_backs(context["cards"])} if name == "nameplates" else context
        path = folder / filename
        save(path, compiled[name].render(data))
        paths.append((path, name))
    return paths


def _write_in_worker(folder: Path, context: dict) -> tuple[list[tuple[Path, str]], dict[Path, str], int]:
    """In a worker process: _write_papers, with each file's sha256 and how many were written."""
    save = WorkerSave()
    paths = _write_papers(folder, context, _worker_templates(), save)
    return paths, save.digests, save.written


def _with_backs(cards: list[dict]) -> list[dict]:
    """Each card with its back face (所属 and 氏名 upside down, a vector picture) and its name's size."""
    from ..render.engine import InlineImage
    from ..render.nameplate import NAME_PT, card_layout, upside_down_card

    out = []
    for card in cards:
        # Drawn per card, not shared between cards with the same text: a card costs tens of
        # microseconds, and the engine stores each picture it places anyway.
        lines = card_layout(card["org_line"], card["name"], *CARD_MM)
        back = InlineImage(upside_down_card(card["org_line"], card["name"], *CARD_MM, lines=lines), *CARD_MM,
                           name="名札", extension="emf")
        out.append(card | {"back": back, "long_name": lines[-1].points < NAME_PT})
    return out


@dataclass
class PapersItem(Item):
    paths: list[tuple[Path, str]] = field(default_factory=list)


TYPE = MeetingDayPapers()
