"""引継書: the state of the work on a date, for a successor's first day.

第1節5(1) asks that a change of staff does not stall the work: 引継ぎや
サポートは確実かつ丁寧に. As of the date it gathers what is spread over the
ledger: the SCs in office and their contacts, each council with its members,
last and next meetings, open 宿題 and the area's 地域課題 by stage, the
resident activities, the 地域ケア会議 link, and the open findings of check.
Made on request (`sasaeai handover`), not in the monthly batch.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

from ..japanese import format_date, format_time_range
from ..ledger import schema
from ..ledger.findings import INFO, SEVERITY_JA, Report
from ..ledger.model import Council, Ledger, Meeting
from ..render.context import meeting_title, recipient_context
from ..render.output import atomic_write, inside
from .base import INTERNAL, DocumentType, TemplateFile, example_ledger, load_template

HANDOVER_TEMPLATE = TemplateFile("handover", "handover.docx", "引継書")
CARE_LOOKBACK_DAYS = 365


def _area_name(ledger: Ledger, area_id: str) -> str:
    area = ledger.area(area_id)
    return area.name if area else area_id


def _meeting_line(ledger: Ledger, council: Council, meeting: Meeting | None) -> str:
    if meeting is None:
        return "なし"
    style = ledger.info.date_style
    time = format_time_range(meeting.start, meeting.end) if meeting.start else ""
    agenda = "、".join(meeting.agenda)
    parts = [meeting_title(council, meeting), format_date(meeting.date, style), time, meeting.place]
    return "　".join(x for x in parts if x) + (f"（議題: {agenda}）" if agenda else "")


def _council(ledger: Ledger, council: Council, day: dt.date) -> dict:
    style = ledger.info.date_style
    meetings = sorted((m for m in ledger.meetings if m.council_id == council.council_id and m.date
                       and not m.cancelled), key=lambda m: m.sort_key())
    last = max((m for m in meetings if m.date <= day), key=lambda m: m.sort_key(), default=None)
    upcoming = min((m for m in meetings if m.date > day), key=lambda m: m.sort_key(), default=None)
    members = [m for m in ledger.members_of(council.council_id) if m.in_office_on(day)]
    chair = ledger.member(council.chair_id) if council.chair_id else None
    held_ids = {m.meeting_id: m for m in meetings if m.date <= day}
    homework = [{"content": r.content, "owner": r.owner or "未定",
                 "due": format_date(r.due, style, weekday=False) if r.due else "未定",
                 "meeting": meeting_title(council, held_ids[r.meeting_id])}
                for r in ledger.records if r.kind == "宿題" and r.meeting_id in held_ids and not r.result]
    stages = Counter(i.stage or "段階未設定" for i in ledger.issues
                     if i.area_id == council.area_id and (i.found is None or i.found <= day))
    return {
        "name": council.name, "layer": council.layer or "", "area": _area_name(ledger, council.area_id),
        "chair": chair.name if chair else "未選出", "secretariat": council.secretariat or "—",
        "target": council.target_meetings,
        "last": _meeting_line(ledger, council, last), "next": _meeting_line(ledger, council, upcoming),
        "members": [{"name": m.name, "org_line": recipient_context(m)["org_line"], "role": m.role or "委員",
                     "org_kind": m.org_kind, "delivery": m.delivery} for m in members],
        "homework": homework,
        "issues": "、".join(f"{stage} {count}件" for stage, count in
                           sorted(stages.items(), key=lambda kv: (schema.STAGES + ("段階未設定",)).index(kv[0]))),
    }


def handover_context(ledger: Ledger, report: Report, day: dt.date) -> dict:
    """What templates/handover.docx prints, as of `day`."""
    info = ledger.info
    style = info.date_style
    scs = sorted((sc for sc in ledger.coordinators if sc.in_office_on(day)), key=lambda sc: (sc.layer or 9, sc.row))
    changes = [f"{sc.name}（{format_date(sc.end, style, weekday=False)}まで）" for sc in ledger.coordinators
               if sc.end is not None and sc.end >= day]
    recent = [c for c in ledger.care_conferences if c.date and day - dt.timedelta(days=CARE_LOOKBACK_DAYS) <= c.date <= day]
    open_issues = [f"{format_date(c.date, style, weekday=False)} {_area_name(ledger, c.area_id)}: {'、'.join(c.issues)}"
                   for c in recent if c.issues and not c.meeting_id]
    activities = [a for a in ledger.activities if (a.start is None or a.start <= day) and (a.end is None or a.end >= day)]
    return {
        "as_of": format_date(day, style, weekday=False), "as_of_short": format_date(day, style, weekday=False),
        "municipality": info.municipality, "department": info.department, "ledger_name": Path(ledger.path).name,
        "vision": info.vision or "（基本情報の「目指す地域像」が未入力です）",
        "coordinators": [{
            "layer": sc.layer or "", "area": _area_name(ledger, sc.area_id),
            "name": sc.name, "org": sc.org + (f"（{sc.org_kind}）" if sc.org_kind else ""),
            "work_style": sc.work_style or "—",
            "contact": "　".join(x for x in (sc.phone, sc.email) if x) or "—",
            "start": format_date(sc.start, style, weekday=False) if sc.start else "—"} for sc in scs],
        "coordinator_changes": changes,
        "councils": [_council(ledger, c, day) for c in ledger.councils if c.active_by(day)],
        "activities": [{"name": a.name, "kind": a.kind,
                        "area": _area_name(ledger, a.area_id),
                        "frequency": a.frequency or "—", "helpers": a.helpers if a.helpers is not None else "—",
                        "support": "、".join(a.support) or "—"} for a in activities],
        "care": {"summary": f"直近1年の地域ケア会議 {len(recent)} 回、うち生活支援コーディネーター出席 "
                            f"{sum(c.sc_attended == '有' for c in recent)} 回、協議体へ反映 "
                            f"{sum(1 for c in recent if c.meeting_id)} 件。",
                 "open": open_issues},
        "findings": [{"severity": SEVERITY_JA[f.severity], "location": f.location, "message": f.message}
                     for f in report.actionable if f.severity != INFO],
    }


def write_handover(ledger: Ledger, report: Report, day: dt.date, out_dir: str | Path,
                   templates_dir: str | Path | None = None) -> Path:
    """Write 引継書_YYYY-MM-DD.docx into out_dir."""
    template = load_template(HANDOVER_TEMPLATE.filename, templates_dir)
    path = inside(out_dir, f"引継書_{day.isoformat()}.docx")
    atomic_write(path, template.render(handover_context(ledger, report, day)))
    return path


class Handover(DocumentType):
    """引継書, on request as of a date."""

    key = "handover"
    title = "引継書"
    label = "引継書"
    templates = (HANDOVER_TEMPLATE,)
    folder = "引継書"
    leaves_by = INTERNAL
    due = "必要なときに sasaeai handover で（月次処理では作りません）"

    def example_contexts(self) -> dict[str, dict]:
        ledger, *_ = example_ledger()
        return {"handover": handover_context(ledger, Report("", 2026), dt.date(2026, 12, 1))}


TYPE = Handover()
