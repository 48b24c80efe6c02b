"""委嘱状 and 委員名簿.

A 委嘱状 goes to each member whose 就任日 falls in the month (monthly batch),
or to every member in office (`sasaeai appointments --council ID --as-of
DATE`), in the sender's name of DOMAIN.md §4.1, with the 委嘱期間 from 就任日
to 退任日. The 委員名簿 lists a council's members as of a date.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from .. import messages
from ..errors import UsageError
from ..japanese import format_date
from ..ledger.model import Council, Ledger, Member
from ..ledger.findings import Report
from ..render.context import recipient_context, sender_context
from ..render.output import atomic_write, inside, safe_filename
from .base import not_in_letters, INTERNAL, BatchRun, DocumentType, Item, MonthPlan, TemplateFile, example_ledger, load_template

APPOINTMENT_TEMPLATE = TemplateFile("appointment", "appointment.docx", "委嘱状")
MEMBER_LIST_TEMPLATE = TemplateFile("member_list", "member_list.docx", "委員名簿")
APPOINTED_ROLES = ("アドバイザー", "オブザーバー")   # appointed as such; everyone else as 委員


def _period(ledger: Ledger, member: Member) -> str:
    style = ledger.info.date_style
    start = format_date(member.start, style, weekday=False) if member.start else ""
    end = format_date(member.end, style, weekday=False) if member.end else ""
    if start and end:
        return f"{start}から{end}まで"
    if start:
        return f"{start}から"
    return f"{end}まで" if end else ""


def appointment_context(ledger: Ledger, council: Council, members: list[Member], day: dt.date) -> dict:
    """What appointment.docx prints: one page per member, dated the 就任日 (else `day`)."""
    style = ledger.info.date_style
    sender = sender_context(ledger.info, council)
    return {
        "council": council.name,
        "sender": sender,
        "appointments": [{
            "recipient": recipient_context(m),
            "role": m.role if m.role in APPOINTED_ROLES else "委員",
            "period": _period(ledger, m),
            "date": format_date(m.start or day, style, weekday=False),
        } for m in members],
    }


def member_list_context(ledger: Ledger, council: Council, day: dt.date) -> dict:
    """What member_list.docx prints: the council's members in office on `day`."""
    style = ledger.info.date_style
    members = [m for m in ledger.members_of(council.council_id) if m.in_office_on(day)]
    order = {"座長": 0, "副座長": 1}
    members.sort(key=lambda m: (order.get(m.role, 2), m.row))
    return {
        "council": council.name,
        "as_of": format_date(day, style, weekday=False),
        "municipality": ledger.info.municipality,
        "members": [{"name": m.name, "org_line": recipient_context(m)["org_line"], "org_kind": m.org_kind,
                     "role": m.role or "委員",
                     "start": format_date(m.start, style, weekday=False) if m.start else "",
                     "end": format_date(m.end, style, weekday=False) if m.end else ""} for m in members],
        "count": len(members),
    }


@dataclass
class AppointmentsResult:
    appointments: Path | None
    member_list: Path
    count: int


def write_appointments(ledger: Ledger, report: Report, council_id: str, day: dt.date, out_dir: str | Path,
                       templates_dir: str | Path | None = None) -> AppointmentsResult:
    """委嘱状 for every member of a council in office on `day`, and the 委員名簿 as of `day`."""
    council = ledger.council(council_id)
    if council is None:
        raise UsageError(messages.COUNCIL_UNKNOWN.format(id=council_id))
    blocking = report.errors_on({"協議体": {council.row}, "構成員": {m.row for m in ledger.members_of(council_id)}},
                                whole_sheets=("基本情報",), ignore=not_in_letters(ledger))
    if blocking:
        raise UsageError(messages.APPOINTMENTS_ERRORS.format(
            council=council.name, findings="\n".join(f"  {f.line()}" for f in blocking)))
    members = [m for m in ledger.members_of(council_id) if m.in_office_on(day)]
    stem = safe_filename(f"{council.council_id}_{council.name}")
    letters = None
    if members:
        letters = inside(out_dir, f"委嘱状_{stem}.docx")
        template = load_template(APPOINTMENT_TEMPLATE.filename, templates_dir)
        atomic_write(letters, template.render(appointment_context(ledger, council, members, day)))
    roster = inside(out_dir, f"委員名簿_{stem}_{day.isoformat()}.docx")
    atomic_write(roster, load_template(MEMBER_LIST_TEMPLATE.filename, templates_dir).render(
        member_list_context(ledger, council, day)))
    return AppointmentsResult(letters, roster, len(members))


@dataclass
class AppointmentItem(Item):
    council: Council | None = None
    members: list[Member] = field(default_factory=list)


class Appointments(DocumentType):
    """委嘱状 for members appointed in the month (and 委員名簿 on request)."""

    key = "appointments"
    title = "委嘱状・委員名簿"
    label = "委嘱状"
    templates = (APPOINTMENT_TEMPLATE, MEMBER_LIST_TEMPLATE)
    folder = "委嘱状"
    leaves_by = INTERNAL
    due = "就任日がその月の構成員（委員名簿は sasaeai appointments で）"

    def example_contexts(self) -> dict[str, dict]:
        ledger, council, _meeting, member = example_ledger()
        day = dt.date(2026, 4, 1)
        return {"appointment": appointment_context(ledger, council, [member], day),
                "member_list": member_list_context(ledger, council, day)}

    def plan_month(self, month: MonthPlan) -> list[Item]:
        items = []
        for council in month.ledger.councils:
            appointed = [m for m in month.ledger.members_of(council.council_id)
                         if m.start and (m.start.year, m.start.month) == (month.year, month.month)]
            if appointed:
                items.append(AppointmentItem(self.key, None, council=council, members=appointed))
        return items

    def make_month(self, run: BatchRun, items: list[Item]) -> None:
        template = load_template(APPOINTMENT_TEMPLATE.filename, run.templates_dir)
        for item in items:
            council = item.council
            item.blocking = run.report.errors_on({"協議体": {council.row}, "構成員": {m.row for m in item.members}},
                                                 whole_sheets=("基本情報",), ignore=not_in_letters(run.ledger))
            if item.blocking:
                item.skip_reason = messages.SKIP_ERRORS
            else:
                item.path = inside(run.folder, self.folder, f"委嘱状_{safe_filename(council.council_id + '_' + council.name)}.docx")
                run.save(item.path, template.render(appointment_context(run.ledger, council, item.members,
                                                                        item.members[0].start)))
            run.progress(1)

    def summary_detail(self, item: Item) -> str:
        names = "、".join(m.name for m in item.members)
        return item.skip_reason or messages.APPOINTMENTS_MADE.format(council=item.council.name, names=names)


TYPE = Appointments()
