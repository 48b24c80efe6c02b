"""議事録 (minutes) for a meeting, in the order the guidebook recommends running one.

第1節3(6) 当日進行上の留意点 and the facilitation one-point: share the vision
and the last meeting's results first, an ice-break of recent news, each
agenda item, issues / resources / ideas on one board, agreements reached by
consensus, homework with owner and date, the next meeting, and the photo of
the whiteboard. What 協議記録 holds fills the sections; the rest is ruled
space to write in by hand.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..render.context import meeting_context, meeting_title
from ..ledger.findings import Finding, Report
from ..japanese import format_date, format_time_range
from ..ledger.model import Ledger, Meeting, MeetingRecord
from ..render.output import atomic_write, inside, safe_filename
from .base import BatchRun, DocumentType, INTERNAL, Item, MonthPlan, TemplateFile, example_ledger, load_template

MINUTES_TEMPLATE = TemplateFile("minutes", "minutes.docx", "議事録")
BLANK_ROWS = 4


def _records(ledger: Ledger, meeting: Meeting) -> dict[str, list[MeetingRecord]]:
    out: dict[str, list[MeetingRecord]] = {}
    for record in ledger.records:
        if record.meeting_id == meeting.meeting_id:
            out.setdefault(record.kind, []).append(record)
    return out


def previous_meeting(ledger: Ledger, meeting: Meeting) -> Meeting | None:
    """The last meeting of the same council before this one that was not cancelled."""
    earlier = [m for m in ledger.meetings if m.council_id == meeting.council_id and m.date and not m.cancelled
               and (m.date, m.row) < (meeting.date, meeting.row)]
    return max(earlier, key=lambda m: (m.date, m.row), default=None)


def next_meeting(ledger: Ledger, meeting: Meeting) -> Meeting | None:
    later = [m for m in ledger.meetings if m.council_id == meeting.council_id and m.date and not m.cancelled
             and (m.date, m.row) > (meeting.date, meeting.row)]
    return min(later, key=lambda m: (m.date, m.row), default=None)


def _item(record: MeetingRecord, style: str) -> dict:
    return {"content": record.content, "owner": record.owner,
            "due": format_date(record.due, style) if record.due else ""}


def _member_line(member) -> dict:
    org = " ".join(x for x in (member.org, member.position) if x)
    return {"name": member.name, "org": org, "label": f"{member.name}（{org}）" if org else member.name}


def minutes_context(ledger: Ledger, meeting: Meeting) -> dict:
    """Everything templates/minutes.docx prints for one meeting."""
    style = ledger.info.date_style
    council = ledger.index("councils", "council_id")[meeting.council_id]
    records = _records(ledger, meeting)
    members = {m.member_id: m for m in ledger.members}
    answers = [a for a in ledger.attendance if a.meeting_id == meeting.meeting_id]
    attendance = {"出席": [], "代理出席": [], "欠席": [], "未回答": []}
    for answer in answers:
        member = members.get(answer.member_id)
        if member is None:
            continue
        line = _member_line(member)
        if answer.answer == "代理出席" and answer.proxy:
            line["label"] += f"　代理: {answer.proxy}"
        attendance[answer.answer].append(line)
    in_office = [m for m in ledger.members if m.council_id == meeting.council_id and m.in_office_on(meeting.date)]
    scs = [sc for sc in ledger.coordinators if sc.area_id == council.area_id
           and sc.in_office(meeting.date, meeting.date)]
    previous = previous_meeting(ledger, meeting)
    prev_records = _records(ledger, previous) if previous else {}
    upcoming = next_meeting(ledger, meeting)
    ideas = [records.get(k, []) for k in ("地域課題", "地域資源", "アイデア")]
    board_rows = max([len(x) for x in ideas] + [0])
    board = [[(x[i].content if i < len(x) else "") for x in ideas] for i in range(board_rows or BLANK_ROWS)]
    homework = [_item(r, style) for r in records.get("宿題", [])]
    return {
        "meeting": meeting_context(ledger, council, meeting) | {
            "form": meeting.form or "会議", "facilitator": meeting.facilitator or "",
        },
        "title": f"{meeting_title(council, meeting)} 議事録",
        "municipality": {"name": ledger.info.municipality},
        "vision": ledger.info.vision,
        "has_attendance": bool(answers),
        "attendance": {"present": attendance["出席"], "proxy": attendance["代理出席"],
                       "absent": attendance["欠席"], "unanswered": attendance["未回答"],
                       "counts": f"出席 {len(attendance['出席'])} 名、代理出席 {len(attendance['代理出席'])} 名、"
                                 f"欠席 {len(attendance['欠席'])} 名" + (
                                     f"、未回答 {len(attendance['未回答'])} 名" if attendance["未回答"] else "")},
        "checklist": [_member_line(m) for m in in_office],
        "secretariat": council.secretariat or "",
        "coordinators": "、".join(f"{sc.name}（{sc.org}）" for sc in scs),
        "previous": {
            "exists": previous is not None,
            "title": (f"第{previous.number}回（{format_date(previous.date, style)}）" if previous and previous.number
                      else (format_date(previous.date, style) if previous else "")),
            "decisions": [_item(r, style) for r in prev_records.get("決定事項", [])],
            "homework": [_item(r, style) for r in prev_records.get("宿題", [])],
        },
        "news": [_item(r, style) for r in records.get("近況報告", [])],
        "discussion": [_item(r, style) for r in records.get("協議内容", [])],
        "board": [{"issue": a, "resource": b, "idea": c} for a, b, c in board],
        "decisions": [_item(r, style) for r in records.get("決定事項", [])],
        "homework": homework or [{"content": "", "owner": "", "due": ""}] * 3,
        "next": {
            "exists": upcoming is not None,
            "text": (f"{meeting_title(council, upcoming)}　{format_date(upcoming.date, style)}　"
                     f"{format_time_range(upcoming.start, upcoming.end) if upcoming.start else ''}　"
                     f"{upcoming.place}").rstrip("　") if upcoming else "",
        },
    }


@dataclass
class MinutesResult:
    meeting: Meeting
    path: Path | None = None
    skip_reason: str = ""
    blocking: list[Finding] | None = None


def minutes_file_name(ledger: Ledger, meeting: Meeting) -> str:
    council = ledger.index("councils", "council_id").get(meeting.council_id)
    name = council.name if council else meeting.council_id
    number = f"_第{meeting.number}回" if meeting.number else ""
    return safe_filename(f"議事録_{meeting.meeting_id}_{name}{number}") + ".docx"


def write_minutes(ledger: Ledger, report: Report, meetings: list[Meeting], out_dir: str | Path,
                  templates_dir: str | Path | None = None,
                  save: Callable[[Path, bytes], object] = atomic_write) -> list[MinutesResult]:
    """One 議事録 per meeting; cancelled meetings and meetings with errors get none."""
    from .. import messages

    template = load_template(MINUTES_TEMPLATE.filename, templates_dir)
    councils = ledger.index("councils", "council_id")
    results = []
    for meeting in meetings:
        result = MinutesResult(meeting)
        council = councils.get(meeting.council_id)
        blocking = report.errors_on({
            "会議": {meeting.row}, "協議体": {council.row} if council else set(),
            "協議記録": {r.row for r in ledger.records if r.meeting_id == meeting.meeting_id},
            "出欠": {a.row for a in ledger.attendance if a.meeting_id == meeting.meeting_id}})
        if meeting.cancelled:
            result.skip_reason = messages.SKIP_CANCELLED_MINUTES
        elif blocking or council is None or meeting.date is None:
            result.skip_reason, result.blocking = messages.SKIP_ERRORS, blocking
        else:
            result.path = inside(out_dir, minutes_file_name(ledger, meeting))
            save(result.path, template.render(minutes_context(ledger, meeting)))
        results.append(result)
    return results


class Minutes(DocumentType):
    """議事録, per meeting of this month (not for cancelled meetings)."""

    key = "minutes"
    title = "議事録"
    label = "議事録"
    templates = (MINUTES_TEMPLATE,)
    folder = "議事録"
    due = "今月の会議（中止を除く）"

    def example_contexts(self) -> dict[str, dict]:
        ledger, _council, meeting, _member = example_ledger()
        return {"minutes": minutes_context(ledger, meeting)}

    def plan_month(self, month: MonthPlan) -> list[Item]:
        return [Item(self.key, m) for m in month.ledger.meetings
                if m.date and (m.date.year, m.date.month) == (month.year, month.month) and not m.cancelled]

    def make_month(self, run: BatchRun, items: list[Item]) -> None:
        from ..render.output import inside

        results = write_minutes(run.ledger, run.report, [i.meeting for i in items], inside(run.folder, self.folder),
                                run.templates_dir, save=run.save)
        for item, result in zip(items, results):
            item.path, item.skip_reason, item.blocking = result.path, result.skip_reason, result.blocking or []
            run.progress(1)

    def summary_detail(self, item: Item) -> str:
        from .. import messages

        return item.skip_reason or messages.MONTHLY_MINUTES_MADE


TYPE = Minutes()
