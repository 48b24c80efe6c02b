"""協議体だより: one public page about a council's held meeting (第1節3(6) 広報媒体で外部へ周知).

What was discussed and decided, the resident activities of the area anyone
can join, and the next date, for a bulletin board or the 広報. No private
person's name: the same replacement as the 公開用会議録, and the same guard.
"""
from __future__ import annotations

from .. import messages
from ..japanese import format_date, format_time_range
from ..ledger.model import Ledger, Meeting
from ..render.context import meeting_title
from .base import PREFECTURE, BatchRun, DocumentType, Item, MonthPlan, TemplateFile, example_ledger, load_template
from .minutes import next_meeting
from .public_minutes import PRIVATE_PLACE, prepared, private_place, redactor, save_public

NEWSLETTER_TEMPLATE = TemplateFile("newsletter", "newsletter.docx", "協議体だより")


def newsletter_context(ledger: Ledger, meeting: Meeting) -> dict:
    """What templates/newsletter.docx prints for one held meeting."""
    info = ledger.info
    style = info.date_style
    council = ledger.council(meeting.council_id)
    area = ledger.area(council.area_id) if council else None
    decisions = [r.content for r in ledger.records_of(meeting.meeting_id) if r.kind == "決定事項"]
    activities = [a for a in ledger.activities if council and a.area_id == council.area_id
                  and (a.start is None or a.start <= meeting.date) and (a.end is None or a.end >= meeting.date)]
    upcoming = next_meeting(ledger, meeting)
    if upcoming is not None:
        time = format_time_range(upcoming.start, upcoming.end) if upcoming.start else ""
        next_text = "　".join(x for x in (format_date(upcoming.date, style), time, upcoming.place) if x)
    else:
        next_text = "日程が決まり次第お知らせします。"
    where = area.name if area else ""
    context = {
        "council": council.name if council else meeting.council_id,
        "issue_line": f"{meeting_title(council, meeting)}（{format_date(meeting.date, style)}）のご報告　"
                      f"{info.municipality}",
        "lead": (f"{council.name}は、{where}で暮らしを支え合うしくみを、住民や地域の団体、関係機関が一緒に"
                 "話し合う場です。今回の話し合いをお知らせします。") if council else "",
        "agenda": list(meeting.agenda),
        "decisions": decisions,
        "activities": [{"name": a.name, "kind": a.kind, "frequency": a.frequency} for a in activities],
        "next": next_text,
        "contact": "　".join(x for x in (_office(info), f"電話 {info.phone}" if info.phone else "", info.email) if x),
    }
    if upcoming is not None and private_place(ledger, upcoming):
        context["next"] = context["next"].replace(upcoming.place, PRIVATE_PLACE)
    return redactor(ledger, meeting)(context)


def _office(info) -> str:
    """'あおば町 福祉課', without saying the town twice when 担当課 already names it (あおば町役場 福祉課)."""
    if info.department.startswith(info.municipality):
        return info.department
    return f"{info.municipality} {info.department}".strip()


class Newsletter(DocumentType):
    """協議体だより, per held meeting of this month."""

    key = "newsletter"
    title = "協議体だより"
    label = "だより"
    templates = (NEWSLETTER_TEMPLATE,)
    folder = "協議体だより"
    leaves_by = PREFECTURE
    due = "今月の開催済みの会議（協議体の公開が「非公開」のものを除く）"

    def example_contexts(self) -> dict[str, dict]:
        ledger, _council, meeting, _member = example_ledger()
        return {"newsletter": newsletter_context(ledger, meeting)}

    def plan_month(self, month: MonthPlan) -> list[Item]:
        # A council that meets in private (公開 非公開) publishes no newsletter of its meetings either.
        private = {c.council_id for c in month.ledger.councils if c.openness == "非公開"}
        return [Item(self.key, m) for m in month.held_meetings(self.key) if m.council_id not in private]

    def make_month(self, run: BatchRun, items: list[Item]) -> None:
        template = load_template(NEWSLETTER_TEMPLATE.filename, run.templates_dir)
        with prepared(run.ledger):      # the municipality's names, made ready once for every newsletter
            for item in items:
                meeting = item.meeting
                council = run.ledger.council(meeting.council_id)
                rows = {"会議": {meeting.row}, "協議体": {council.row} if council else set(),
                        "協議記録": {r.row for r in run.ledger.records_of(meeting.meeting_id)}}
                item.blocking = run.report.errors_on(rows)
                if item.blocking or council is None:
                    item.skip_reason = messages.SKIP_ERRORS
                    run.progress(1)
                    continue
                save_public(run, item, self.folder, "協議体だより",
                            template.render(newsletter_context(run.ledger, meeting)))
                run.progress(1)

    def summary_detail(self, item: Item) -> str:
        return item.skip_reason or messages.NEWSLETTER_MADE


TYPE = Newsletter()
