"""会議のまとめ: the results of a held meeting, sent to every member afterwards.

第1節3(6)④ 「前回の話し合いの結果を整理し、後日書面で渡す」: 決定事項, 継続検討,
宿題 (担当, 内容, 期限), the 地域課題・資源 found, and the next meeting, in the
sender's name of §4.1. It leaves the office like the invitations: one letter
per member by 送付方法, a combined print file of the paper ones, 宛名ラベル
for the posted ones, and e-mail through the same send log, where each
letter is its own kind so an invitation and a まとめ never stand for each
other.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .. import messages
from ..japanese import format_date, format_time_range
from ..ledger.model import Ledger, Meeting, Member
from ..render.context import labels_context, letter_contact, meeting_title, recipient_context, sender_context
from ..render.output import inside, safe_filename
from .base import not_in_letters, MAILED, BatchRun, DocumentType, Item, MonthPlan, TemplateFile, example_ledger, load_template
from .invitation import LABELS_TEMPLATE, PAPER, MeetingPlan, MeetingResult, recipients
from .minutes import next_meeting

SUMMARY_TEMPLATE = TemplateFile("meeting_summary", "meeting_summary.docx", "会議のまとめ")
SUMMARY_FOLDER = "会議のまとめ"
COMBINED_NAME = "印刷用_まとめ一式.docx"
LABELS_NAME = "宛名ラベル.docx"


def _records(ledger: Ledger, meeting: Meeting, kinds: tuple[str, ...]) -> list:
    return [r for r in ledger.records_of(meeting.meeting_id) if r.kind in kinds]


def summary_context(ledger: Ledger, meeting: Meeting, member: Member) -> dict:
    """What templates/meeting_summary.docx prints for one recipient."""
    info = ledger.info
    style = info.date_style
    council = ledger.council(meeting.council_id)
    upcoming = next_meeting(ledger, meeting)
    day = meeting.date
    homework = [{"content": r.content, "owner": r.owner or "未定",
                 "due": format_date(r.due, style, weekday=False) if r.due else "未定"}
                for r in _records(ledger, meeting, ("宿題",))]
    found = [{"kind": r.kind, "content": r.content} for r in _records(ledger, meeting, ("地域課題", "地域資源", "アイデア"))]
    if upcoming is not None:
        time = format_time_range(upcoming.start, upcoming.end) if upcoming.start else ""
        next_ctx = {"exists": True, "text": "　".join(x for x in (format_date(upcoming.date, style), time,
                                                                   upcoming.place) if x),
                    "agenda": list(upcoming.agenda)}
    else:
        next_ctx = {"exists": False, "text": "日程が決まり次第お知らせします。", "agenda": []}
    title = meeting_title(council, meeting)
    return {
        "title": f"{title}　会議のまとめ",
        "meeting": {"title": title, "date": format_date(day, style), "place": meeting.place,
                    "agenda": list(meeting.agenda)},
        "recipient": recipient_context(member),
        "sender": sender_context(info, council),
        "contact": letter_contact(ledger, council, day),
        "decisions": [r.content for r in _records(ledger, meeting, ("決定事項",))],
        "pending": [r.content for r in _records(ledger, meeting, ("継続検討",))],
        "homework": homework,
        "found": found,
        "next": next_ctx,
    }


@dataclass
class SummaryItem(Item):
    plan: MeetingPlan | None = None
    result: MeetingResult | None = None
    history: list[str] = field(default_factory=list)


class MeetingSummary(DocumentType):
    """会議のまとめ, per held meeting of this month, to every member by 送付方法."""

    key = "meeting_summary"
    title = "会議のまとめ"
    label = "まとめ"
    templates = (SUMMARY_TEMPLATE,)
    folder = SUMMARY_FOLDER
    leaves_by = MAILED
    due = "今月の開催済みの会議（中止を除く）"

    def example_contexts(self) -> dict[str, dict]:
        ledger, _council, meeting, member = example_ledger()
        return {"meeting_summary": summary_context(ledger, meeting, member)}

    def plan_month(self, month: MonthPlan) -> list[Item]:
        items = []
        for meeting in month.held_meetings(self.key):
            plan = MeetingPlan(meeting=meeting, council=month.ledger.council(meeting.council_id))
            items.append(SummaryItem(self.key, meeting, plan=plan))
        return items

    def progress_units(self, item: Item) -> int:
        return 1

    def make_month(self, run: BatchRun, items: list[Item]) -> None:
        letters = load_template(SUMMARY_TEMPLATE.filename, run.templates_dir)
        labels = load_template(LABELS_TEMPLATE.filename, run.templates_dir)
        for item in items:
            meeting, plan = item.meeting, item.plan
            rows = {"会議": {meeting.row}, "協議体": {plan.council.row} if plan.council else set(),
                    "構成員": {m.row for m in run.ledger.members_of(meeting.council_id)},
                    "協議記録": {r.row for r in run.ledger.records_of(meeting.meeting_id)}}
            item.blocking = run.report.errors_on(rows, whole_sheets=("基本情報",), ignore=not_in_letters(run.ledger))
            plan.recipients = recipients(run.ledger, meeting)
            item.result = MeetingResult(plan)
            if item.blocking or plan.council is None:
                item.skip_reason = messages.SKIP_ERRORS
            elif not _records(run.ledger, meeting, ("決定事項", "継続検討", "宿題", "地域課題", "地域資源", "アイデア")):
                item.skip_reason = messages.SUMMARY_NOTHING
            elif not plan.recipients:
                item.skip_reason = messages.SKIP_NO_RECIPIENTS
            else:
                self._write(run, item, letters, labels)
            plan.skip_reason = item.skip_reason
            run.progress(1)

    def _write(self, run: BatchRun, item: SummaryItem, letters, labels) -> None:
        result, plan = item.result, item.plan
        folder = inside(run.folder, self.folder, plan.folder)
        result.folder = folder
        paper = []
        for index, member in enumerate(plan.recipients, start=1):
            rendering = letters.rendering(summary_context(run.ledger, item.meeting, member))
            path = folder / (safe_filename(f"{index:03d}_{member.member_id}_{member.name}") + ".docx")
            run.save(path, letters.package(rendering))
            result.letters.append(path)
            result.files.append((path, "summary_letter"))
            if member.delivery in PAPER:
                paper.append(rendering)
        if paper:
            result.combined = folder / COMBINED_NAME
            run.save(result.combined, letters.combine(paper))
            result.files.append((result.combined, "summary_print"))
        posted = [m for m in plan.recipients if m.delivery == "郵送"]
        if posted:
            result.labels = folder / LABELS_NAME
            run.save(result.labels, labels.render(labels_context(posted)))
            result.files.append((result.labels, "summary_labels"))

    def files(self, item: Item) -> list[tuple[Path, str, str | None]]:
        if not (item.result and item.result.folder):
            return []
        by_path = {p: m.member_id for p, m in zip(item.result.letters, item.plan.recipients)}
        return [(path, kind, by_path.get(path)) for path, kind in item.result.files]

    def summary_detail(self, item: Item) -> str:
        if item.skip_reason:
            return item.skip_reason
        r = item.result
        return messages.SUMMARY_MADE.format(letters=len(r.letters), post=r.count("郵送"), mail=r.count("メール"),
                                            hand=r.count("手渡し"))


TYPE = MeetingSummary()
