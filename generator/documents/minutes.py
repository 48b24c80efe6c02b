"""議事録 (minutes) for a meeting, in the order the guidebook recommends running one.

第1節3(6) 当日進行上の留意点 and the facilitation one-point: share the vision
and the last meeting's results first, an ice-break of recent news, each
agenda item, issues / resources / ideas on one board, agreements reached by
consensus, homework with owner and date, the next meeting, and the photo of
the whiteboard. What 協議記録 holds fills the sections; the rest is ruled
space to write in by hand.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .. import messages
from ..render.context import meeting_context, meeting_title
from ..ledger.findings import Finding, Report
from ..japanese import format_date, format_time_range
from ..ledger.model import Council, Ledger, Meeting, MeetingRecord, Member
from ..render.output import atomic_write, ensure_distinct, inside, remove_temp_files, safe_filename
from .base import BatchRun, DocumentType, Item, MonthPlan, TemplateFile, example_ledger, load_template

COUNCIL_IN_NAME = 30        # characters of the council's name in the file name (第N回 must fit after it)
MINUTES_TEMPLATE = TemplateFile("minutes", "minutes.docx", "議事録")
BLANK_ROWS = 4


def _records(ledger: Ledger, meeting: Meeting) -> dict[str, list[MeetingRecord]]:
    out: dict[str, list[MeetingRecord]] = {}
    for record in ledger.records_of(meeting.meeting_id):
        out.setdefault(record.kind, []).append(record)
    return out


def previous_meeting(ledger: Ledger, meeting: Meeting) -> Meeting | None:
    """The last meeting of the same council before this one that was not cancelled."""
    earlier = [m for m in ledger.group("meetings", "council_id").get(meeting.council_id, ())
               if m.date and not m.cancelled and (m.date, m.row) < (meeting.date, meeting.row)]
    return max(earlier, key=lambda m: (m.date, m.row), default=None)


def next_meeting(ledger: Ledger, meeting: Meeting) -> Meeting | None:
    """The first meeting of the same council after this one that was not cancelled."""
    later = [m for m in ledger.group("meetings", "council_id").get(meeting.council_id, ()) if m.date and not m.cancelled
             and (m.date, m.row) > (meeting.date, meeting.row)]
    return min(later, key=lambda m: (m.date, m.row), default=None)


def _item(record: MeetingRecord, style: str) -> dict:
    return {"content": record.content, "owner": record.owner,
            "due": format_date(record.due, style) if record.due else "", "result": record.result}


def _member_line(member: Member) -> dict:
    # An organisation (敬称 御中) is usually entered with its own name as 所属団体.
    org = " ".join(x for x in (member.org, member.position) if x and x != member.name)
    return {"name": member.name, "org": org, "label": f"{member.name}（{org}）" if org else member.name}


# Staff type the proxy's name the way the RSVP asks for it ("代理 中野", "代理：中野様");
# the minutes add 代理 and 様 themselves.
_PROXY_PREFIX = re.compile(r"^[\s　]*代理(者)?[\s　:：・]*")
_PROXY_SUFFIX = re.compile(r"[\s　]*(様|さま|殿)$")


def proxy_name(typed: str) -> str:
    """The proxy's name without a leading 代理 or a trailing 様 the staff typed."""
    name = _PROXY_PREFIX.sub("", typed.strip())
    return _PROXY_SUFFIX.sub("", name).strip()


def chair_of(ledger: Ledger, council: Council, day: dt.date) -> Member | None:
    """The council's 座長 on `day`: 座長構成員ID, else the member in office whose role is 座長."""
    chair = ledger.member(council.chair_id) if council.chair_id else None
    # A 座長構成員ID left pointing at someone who has since left office names nobody.
    if chair is not None and chair.in_office_on(day):
        return chair
    return next((m for m in ledger.members_of(council.council_id)
                 if m.role == "座長" and m.in_office_on(day)), None)


def _chair_line(ledger: Ledger, council: Council, meeting: Meeting, answers: dict[str, str]) -> dict:
    """座長, and the 副座長 who took the chair when the 座長 was absent (出欠 says so)."""
    chair = chair_of(ledger, council, meeting.date)
    if chair is None:
        return {"name": "", "text": "", "absent": False, "vice": ""}
    absent = answers.get(chair.member_id) in ("欠席", "代理出席")
    vice = next((m for m in ledger.members_of(council.council_id)
                 if m.role == "副座長" and m.member_id != chair.member_id and m.in_office_on(meeting.date)
                 and answers.get(m.member_id) == "出席"), None) if absent else None
    if vice is not None:
        text = messages.MINUTES_VICE_CHAIRED.format(chair=chair.name, vice=vice.name)
    elif absent:
        text = messages.MINUTES_CHAIR_ABSENT.format(chair=chair.name)
    else:
        text = _member_line(chair)["label"]
    return {"name": chair.name, "text": text, "absent": absent, "vice": vice.name if vice else ""}


def _care_issues(ledger: Ledger, meeting: Meeting, style: str) -> list[dict]:
    """地域ケア会議 whose issues were sent to this meeting (協議体への反映 = its 会議ID)."""
    out = []
    for conference in sorted((c for c in ledger.care_conferences if c.meeting_id == meeting.meeting_id),
                             key=lambda c: (c.date or dt.date.min, c.row)):
        area = ledger.area(conference.area_id)
        name = messages.MINUTES_CARE_NAMES.get(conference.kind, messages.MINUTES_CARE_NAMES[""])
        out.append({
            "source": messages.MINUTES_CARE_SOURCE.format(
                date=format_date(conference.date, style), name=name, area=area.name if area else conference.area_id)
            if conference.date else name,
            "issues": list(conference.issues) or [messages.MINUTES_CARE_NO_ISSUE],
        })
    return out


def _agenda_items(meeting: Meeting, records: dict[str, list[MeetingRecord]], style: str) -> dict:
    """協議内容 and 決定事項 under their 議題 (議題番号), the rest in a general part.

    A row without a number, or with a number past the last 議題 line, is kept
    in the general part; the latter says which number had no 議題 so staff
    can correct the ledger.
    """
    items = [{"number": i, "title": title, "discussion": [], "decisions": []}
             for i, title in enumerate(meeting.agenda, start=1)]
    general = {"discussion": [], "decisions": []}
    numbered = False
    for kind, key in (("協議内容", "discussion"), ("決定事項", "decisions")):
        for record in records.get(kind, []):
            entry = _item(record, style)
            if record.agenda_no is not None and 1 <= record.agenda_no <= len(items):
                items[record.agenda_no - 1][key].append(entry)
                numbered = True
                continue
            if record.agenda_no is not None:
                entry["content"] += messages.MINUTES_AGENDA_MISSING.format(number=record.agenda_no)
            general[key].append(entry)
    for item in items:
        # Ruled lines to write on only where no unplaced 協議内容 could belong to the item.
        item["ruled"] = not (item["discussion"] or item["decisions"]) and not general["discussion"]
    return {"items": items, "numbered": numbered, "general": general,
            "agreed_in_items": any(item["decisions"] for item in items)}


def minutes_context(ledger: Ledger, meeting: Meeting) -> dict:
    """Everything templates/minutes.docx prints for one meeting."""
    style = ledger.info.date_style
    council = ledger.council(meeting.council_id)
    records = _records(ledger, meeting)
    answers = ledger.attendance_of(meeting.meeting_id)
    attendance = {"出席": [], "代理出席": [], "欠席": [], "未回答": []}
    opinions = []
    for answer in answers:
        member = ledger.member(answer.member_id)
        if member is None:
            continue
        line = _member_line(member)
        proxy = proxy_name(answer.proxy) if answer.answer == "代理出席" else ""
        if proxy:
            line["label"] += messages.MINUTES_PROXY.format(proxy=proxy)
        attendance[answer.answer].append(line)
        if answer.opinion.strip():
            opinions.append(messages.MINUTES_OPINION.format(opinion=answer.opinion.strip(), name=member.name))
    in_office = [m for m in ledger.members_of(meeting.council_id) if m.in_office_on(meeting.date)]
    scs = [sc for sc in ledger.coordinators if sc.area_id == council.area_id
           and sc.in_office(meeting.date, meeting.date)]
    previous = previous_meeting(ledger, meeting)
    prev_records = _records(ledger, previous) if previous else {}
    upcoming = next_meeting(ledger, meeting)
    ideas = [records.get(k, []) for k in ("地域課題", "地域資源", "アイデア")]
    board_rows = max([len(x) for x in ideas] + [0])
    board = [[(x[i].content if i < len(x) else "") for x in ideas] for i in range(board_rows or BLANK_ROWS)]
    homework = [_item(r, style) for r in records.get("宿題", [])]
    agenda = _agenda_items(meeting, records, style)
    return {
        "meeting": meeting_context(ledger, council, meeting) | {
            "form": meeting.form or "会議", "facilitator": meeting.facilitator or "",
        },
        "title": f"{meeting_title(council, meeting)} 議事録",
        "municipality": {"name": ledger.info.municipality},
        "vision": ledger.info.vision,
        "chair": _chair_line(ledger, council, meeting, {a.member_id: a.answer for a in answers}),
        "has_attendance": bool(answers),
        "attendance": {"present": attendance["出席"], "proxy": attendance["代理出席"],
                       "absent": attendance["欠席"], "unanswered": attendance["未回答"],
                       "counts": f"出席 {len(attendance['出席'])} 名、代理出席 {len(attendance['代理出席'])} 名、"
                                 f"欠席 {len(attendance['欠席'])} 名" + (
                                     f"、未回答 {len(attendance['未回答'])} 名" if attendance["未回答"] else "")},
        "opinions": opinions,
        "checklist": [_member_line(m) for m in in_office],
        "secretariat": council.secretariat or "",
        "coordinators": "、".join(f"{sc.name}（{sc.org}）" for sc in scs),
        "previous": {
            "exists": previous is not None,
            "title": (f"第{previous.number}回（{format_date(previous.date, style)}）" if previous and previous.number
                      else (format_date(previous.date, style) if previous else "")),
            "decisions": [_item(r, style) for r in prev_records.get("決定事項", [])],
            "pending": [_item(r, style) for r in prev_records.get("継続検討", [])],
            "homework": [_item(r, style) for r in prev_records.get("宿題", [])],
        },
        "news": [_item(r, style) for r in records.get("近況報告", [])],
        "care": _care_issues(ledger, meeting, style),
        "agenda_items": agenda["items"],
        "numbered": agenda["numbered"],
        "general": agenda["general"],
        "agreed_in_items": agenda["agreed_in_items"],
        "discussion": [_item(r, style) for r in records.get("協議内容", [])],
        "board": [{"issue": a, "resource": b, "idea": c} for a, b, c in board],
        "decisions": [_item(r, style) for r in records.get("決定事項", [])],
        "pending": [_item(r, style) for r in records.get("継続検討", [])],
        "homework": homework or [{"content": "", "owner": "", "due": "", "result": ""}] * 3,
        "next": {
            "exists": upcoming is not None,
            "text": (f"{meeting_title(council, upcoming)}　{format_date(upcoming.date, style)}　"
                     f"{format_time_range(upcoming.start, upcoming.end) if upcoming.start else ''}　"
                     f"{upcoming.place}").rstrip("　") if upcoming else "",
            "agenda": [messages.MINUTES_NEXT_AGENDA.format(number=i, item=item)
                       for i, item in enumerate(upcoming.agenda if upcoming else (), start=1)],
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
    return safe_filename(f"議事録_{meeting.meeting_id}_{name[:COUNCIL_IN_NAME]}{number}") + ".docx"


def write_minutes(ledger: Ledger, report: Report, meetings: list[Meeting], out_dir: str | Path,
                  templates_dir: str | Path | None = None,
                  save: Callable[[Path, bytes], object] = atomic_write) -> list[MinutesResult]:
    """One 議事録 per meeting; cancelled meetings and meetings with errors get none."""
    template = load_template(MINUTES_TEMPLATE.filename, templates_dir)
    councils = ledger.index("councils", "council_id")
    ensure_distinct([minutes_file_name(ledger, m) for m in meetings if not m.cancelled], out_dir)
    remove_temp_files(out_dir, recursive=False)
    results = []
    for meeting in meetings:
        result = MinutesResult(meeting)
        council = councils.get(meeting.council_id)
        blocking = report.errors_on({
            "会議": {meeting.row}, "協議体": {council.row} if council else set(),
            "協議記録": {r.row for r in ledger.records_of(meeting.meeting_id)},
            "出欠": {a.row for a in ledger.attendance_of(meeting.meeting_id)},
            "地域ケア会議": {c.row for c in ledger.care_conferences if c.meeting_id == meeting.meeting_id}})
        if meeting.cancelled:
            result.skip_reason = messages.SKIP_CANCELLED_MINUTES
        elif blocking or council is None or meeting.date is None:
            result.skip_reason, result.blocking = messages.SKIP_ERRORS, blocking
        else:
            result.path = inside(out_dir, minutes_file_name(ledger, meeting))
            save(result.path, template.render(minutes_context(ledger, meeting)))
        results.append(result)
    return results


def _example_minutes_ledger() -> tuple[Ledger, Meeting]:
    """The example ledger with a meeting before and after and one row of every kind.

    Every list in the context then has an item, so `templates check` can show
    what a loop variable offers (議題, 地域ケア会議, 宿題 with 結果, 代理出席…).
    """
    from ..ledger.model import Area, Attendance, CareConference

    ledger, council, meeting, member = example_ledger()
    member.role, council.chair_id = "座長", member.member_id
    vice = Member(member_id="V", council_id="C", name="例 次郎", org="例自治会", position="会長", role="副座長")
    proxy = Member(member_id="P", council_id="C", name="例 三郎", org="例社協", role="委員")
    ledger.members += [vice, proxy]
    ledger.areas.append(Area(area_id="A", name="例地区", layer=2))
    before = Meeting(meeting_id="K0", council_id="C", date=dt.date(2026, 10, 19), agenda=("前回の例",))
    after = Meeting(meeting_id="K2", council_id="C", number=2, date=dt.date(2027, 2, 15), start=dt.time(14),
                    place="例会館", agenda=("次回の例",))
    ledger.meetings += [before, after]
    ledger.attendance += [Attendance(meeting_id="K", member_id="M", answer="欠席", opinion="例の意見"),
                          Attendance(meeting_id="K", member_id="V", answer="出席"),
                          Attendance(meeting_id="K", member_id="P", answer="代理出席", proxy="例 四郎")]
    for meeting_id, kind, number, result in (
            ("K0", "決定事項", None, ""), ("K0", "継続検討", None, ""), ("K0", "宿題", None, "例の結果"),
            ("K", "近況報告", None, ""), ("K", "協議内容", 1, ""), ("K", "決定事項", 1, ""),
            ("K", "協議内容", None, ""), ("K", "決定事項", None, ""), ("K", "継続検討", None, ""),
            ("K", "地域課題", None, ""), ("K", "地域資源", None, ""), ("K", "アイデア", None, ""),
            ("K", "宿題", None, "")):
        ledger.records.append(MeetingRecord(meeting_id=meeting_id, kind=kind, agenda_no=number, content=f"例の{kind}",
                                            owner="例 花子", due=dt.date(2027, 1, 15), result=result))
    ledger.care_conferences.append(CareConference(date=dt.date(2026, 11, 11), area_id="A", kind="個別",
                                                  issues=("例の地域課題",), meeting_id="K"))
    return ledger, meeting


class Minutes(DocumentType):
    """議事録, per meeting of this month (not for cancelled meetings)."""

    key = "minutes"
    title = "議事録"
    label = "議事録"
    templates = (MINUTES_TEMPLATE,)
    folder = "議事録"
    due = "今月の会議（中止を除く）"

    def example_contexts(self) -> dict[str, dict]:
        return {"minutes": minutes_context(*_example_minutes_ledger())}

    def plan_month(self, month: MonthPlan) -> list[Item]:
        return [Item(self.key, m) for m in month.ledger.meetings
                if m.date and (m.date.year, m.date.month) == (month.year, month.month) and not m.cancelled]

    def planned_names(self, ledger: Ledger, item: Item) -> list[str]:
        return [] if item.meeting.cancelled else [minutes_file_name(ledger, item.meeting)]

    def make_month(self, run: BatchRun, items: list[Item]) -> None:
        from ..render.output import inside

        results = write_minutes(run.ledger, run.report, [i.meeting for i in items], inside(run.folder, self.folder),
                                run.templates_dir, save=run.save)
        for item, result in zip(items, results):
            item.path, item.skip_reason, item.blocking = result.path, result.skip_reason, result.blocking or []
            run.progress(1)

    def summary_detail(self, item: Item) -> str:
        return item.skip_reason or messages.MONTHLY_MINUTES_MADE


TYPE = Minutes()
