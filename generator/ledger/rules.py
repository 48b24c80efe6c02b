"""The rule catalogue of DOMAIN.md §3, run over the model.

`check_model` never raises for bad data: every problem is a `Finding`.
Errors are about the whole ledger; warnings are the guidebook's advice for
one fiscal year.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Iterable

from .. import messages as M
from . import schema
from .findings import Finding, Report, finding
from ..japanese import fiscal_year_era, fiscal_year_range, holiday_name
from .model import Council, Ledger, Meeting, Member, Record

# Resident-close kinds of organisation (第1節3(3): 住民代表や当事者に近いメンバー).
RESIDENT_CLOSE = frozenset({"住民", "当事者団体", "ボランティア団体", "地縁組織（自治会・町会）", "老人クラブ"})
CHIEN = "地縁組織（自治会・町会）"
MIN_ORG_KINDS = 4          # fewer distinct 団体種別 than this is "too few kinds"
MIN_MEETINGS = 3           # 年に1~2回のように極端に少ない
MAX_GAP_MONTHS = 2         # 例えば2ヶ月に1回
NOTICE_MIN_DAYS = 28       # 概ね1ヶ月前: four weeks


def fiscal_year_label(year: int) -> str:
    return M.FISCAL_YEAR.format(year=year, era=fiscal_year_era(year))


class _Checker:
    def __init__(self, ledger: Ledger, fiscal_year: int, read_findings: Iterable[Finding]):
        self.ledger = ledger
        self.fy = fiscal_year
        self.first, self.last = fiscal_year_range(fiscal_year)
        self.fy_text = fiscal_year_label(fiscal_year)
        self.findings: list[Finding] = []
        # Cells already reported by the reader are not reported again by a rule.
        self.flagged = {(f.sheet, f.cell) for f in read_findings}
        self.areas = ledger.index("areas", "area_id")
        self.councils = ledger.index("councils", "council_id")
        self.members = ledger.index("members", "member_id")
        self.meetings = ledger.index("meetings", "meeting_id")
        self.activities = ledger.index("activities", "activity_id")

    def add(self, code: str, record: Record | None, field: str | None, message: str,
            sheet: str = "") -> None:
        if record is not None:
            sheet, cell = self.ledger.where(record, field)
        else:
            cell = ""
        self.findings.append(finding(code, sheet, cell, message))

    def header(self, record: Record, field: str) -> str:
        spec = next(s for s in schema.SHEETS if s.name == record.SHEET)
        return spec.by_field[field].header

    # --- errors ------------------------------------------------------------------
    def duplicate_ids(self) -> None:
        for spec in schema.SHEETS:
            if not spec.id_field:
                continue
            first_row: dict[str, int] = {}
            for record in getattr(self.ledger, spec.key):
                value = getattr(record, spec.id_field)
                if not value:
                    continue
                if value in first_row:
                    self.add("id-duplicate", record, spec.id_field, M.ID_DUPLICATE.format(
                        header=self.header(record, spec.id_field), value=value, first=first_row[value]))
                else:
                    first_row[value] = record.row
        seen: dict[tuple[str, str], int] = {}
        for record in self.ledger.attendance:
            pair = (record.meeting_id, record.member_id)
            if not all(pair):
                continue
            if pair in seen:
                self.add("id-duplicate", record, "member_id", M.ATTENDANCE_DUPLICATE.format(
                    meeting=pair[0], member=pair[1], first=seen[pair]))
            else:
                seen[pair] = record.row

    def _ref(self, record: Record, field: str, index: dict, target: str) -> Record | None:
        value = getattr(record, field)
        if not value:
            return None
        found = index.get(value)
        if found is None:
            self.add("id-unknown", record, field, M.ID_UNKNOWN.format(
                header=self.header(record, field), value=value, target=target))
        return found

    def references(self) -> None:
        L = self.ledger
        for sc in L.coordinators:
            self._ref(sc, "area_id", self.areas, "圏域")
        for council in L.councils:
            self._ref(council, "area_id", self.areas, "圏域")
            chair = self._ref(council, "chair_id", self.members, "構成員")
            if chair is not None and chair.council_id != council.council_id:
                self.add("id-unknown", council, "chair_id", M.CHAIR_NOT_MEMBER.format(
                    value=council.chair_id, council=council.name or council.council_id))
        for member in L.members:
            self._ref(member, "council_id", self.councils, "協議体")
        for meeting in L.meetings:
            self._ref(meeting, "council_id", self.councils, "協議体")
        for answer in L.attendance:
            meeting = self._ref(answer, "meeting_id", self.meetings, "会議")
            member = self._ref(answer, "member_id", self.members, "構成員")
            if meeting is not None and member is not None and member.council_id != meeting.council_id:
                self.add("id-unknown", answer, "member_id", M.ATTENDANCE_NOT_MEMBER.format(
                    member=answer.member_id, meeting=meeting.meeting_id, council=meeting.council_id))
        for record in L.records:
            self._ref(record, "meeting_id", self.meetings, "会議")
        for issue in L.issues:
            self._ref(issue, "area_id", self.areas, "圏域")
            self._ref(issue, "activity_id", self.activities, "住民主体の活動")
        for activity in L.activities:
            self._ref(activity, "area_id", self.areas, "圏域")
        for conference in L.care_conferences:
            self._ref(conference, "area_id", self.areas, "圏域")
            self._ref(conference, "meeting_id", self.meetings, "会議")

    def _order(self, record: Record, start_field: str, end_field: str) -> None:
        start, end = getattr(record, start_field), getattr(record, end_field)
        if start is not None and end is not None and end < start:
            self.add("end-before-start", record, end_field, M.END_BEFORE_START.format(
                end_header=self.header(record, end_field), end=_show(end),
                start_header=self.header(record, start_field), start=_show(start)))

    def orders(self) -> None:
        L = self.ledger
        for sc in L.coordinators:
            self._order(sc, "start", "end")
        for member in L.members:
            self._order(member, "start", "end")
        for meeting in L.meetings:
            self._order(meeting, "start", "end")
            # A letter posted, or an answer due, after the meeting is a date typed wrong.
            self._order(meeting, "notice_date", "date")
            self._order(meeting, "reply_by", "date")
        for activity in L.activities:
            self._order(activity, "start", "end")

    def layers(self) -> None:
        for record in [*self.ledger.councils, *self.ledger.coordinators]:
            area = self.areas.get(record.area_id)
            if area is None or area.layer is None or record.layer is None:
                continue
            if area.layer != record.layer:
                self.add("layer-mismatch", record, "layer", M.LAYER_MISMATCH.format(
                    layer=record.layer, area=area.name or area.area_id, area_layer=area.layer))

    def delivery(self) -> None:
        for member in self.ledger.members:
            if member.delivery == "郵送":
                missing = [f for f in ("postal_code", "address1") if not getattr(member, f)]
                cells = [self.ledger.where(member, f) for f in missing]
                if missing and not any(c in self.flagged for c in cells):
                    self.add("postal-address-missing", member, missing[0], M.POSTAL_ADDRESS_MISSING.format(
                        missing="・".join(self.header(member, f) for f in missing)))
            elif member.delivery == "メール" and not member.email:
                if self.ledger.where(member, "email") not in self.flagged:
                    self.add("email-invalid", member, "email", M.EMAIL_MISSING)

    # --- warnings (fiscal year) -------------------------------------------------------
    def _fy_meetings(self) -> list[Meeting]:
        return [m for m in self.ledger.meetings
                if m.date is not None and self.first <= m.date <= self.last and not m.cancelled]

    def _councils_in_year(self) -> list[Council]:
        return [c for c in self.ledger.councils if c.established is None or c.established <= self.last]

    def coverage(self) -> None:
        L = self.ledger
        layer1 = [a for a in L.areas if a.layer == 1]
        if not layer1:
            self.add("layer1-area-count", None, None, M.LAYER1_AREA_NONE, sheet="圏域")
        elif len(layer1) > 1:
            self.add("layer1-area-count", layer1[1], "layer", M.LAYER1_AREA_MANY.format(
                count=len(layer1), ids="、".join(a.area_id for a in layer1)))
        active_sc = {sc.area_id for sc in L.coordinators if sc.in_office(self.first, self.last)}
        councils = {c.area_id for c in self._councils_in_year()}
        for area in L.areas:
            if area.layer not in (1, 2):
                continue
            name = area.name or area.area_id
            if area.area_id not in active_sc:
                code, text = ("layer1-no-sc", M.LAYER1_NO_SC) if area.layer == 1 else ("layer2-no-sc", M.LAYER2_NO_SC)
                self.add(code, area, "area_id", text.format(area=name, fy=self.fy_text))
            if area.area_id not in councils:
                code, text = (("layer1-no-council", M.LAYER1_NO_COUNCIL) if area.layer == 1
                              else ("layer2-no-council", M.LAYER2_NO_COUNCIL))
                self.add(code, area, "area_id", text.format(area=name))

    def frequency(self) -> None:
        by_council: dict[str, list[Meeting]] = defaultdict(list)
        for meeting in self._fy_meetings():
            by_council[meeting.council_id].append(meeting)
        for council in self._councils_in_year():
            held = by_council.get(council.council_id, [])
            if len(held) < MIN_MEETINGS:
                self.add("council-few-meetings", council, "name", M.COUNCIL_FEW.format(
                    council=council.name, fy=self.fy_text, count=len(held), target=council.target_meetings))
        all_by_council: dict[str, list[Meeting]] = defaultdict(list)
        for meeting in self.ledger.meetings:
            if meeting.date is not None and not meeting.cancelled:
                all_by_council[meeting.council_id].append(meeting)
        for council_id, meetings in all_by_council.items():
            council = self.councils.get(council_id)
            meetings.sort(key=lambda m: (m.date, m.row))
            for prev, nxt in zip(meetings, meetings[1:]):
                if not self.first <= nxt.date <= self.last:
                    continue
                # Calendar months, not days: "the third Wednesday of every other
                # month" is the advice followed, though 7/15 -> 9/16 is 63 days.
                if _month_number(nxt.date) - _month_number(prev.date) > MAX_GAP_MONTHS:
                    self.add("meeting-gap", nxt, "date", M.MEETING_GAP.format(
                        council=council.name if council else council_id, prev=_show(prev.date),
                        next=_show(nxt.date), days=(nxt.date - prev.date).days))

    def invitations(self) -> None:
        for meeting in self._fy_meetings():
            if meeting.notice_date is not None and meeting.notice_date <= meeting.date:
                days = (meeting.date - meeting.notice_date).days
                if days < NOTICE_MIN_DAYS:
                    self.add("invitation-late", meeting, "notice_date", M.INVITATION_LATE.format(
                        notice=_show(meeting.notice_date), date=_show(meeting.date), days=days,
                        want=max(NOTICE_MIN_DAYS, self.ledger.info.notice_days)))
            if not meeting.agenda and self.ledger.where(meeting, "agenda") not in self.flagged:
                self.add("invitation-no-agenda", meeting, "agenda", M.INVITATION_NO_AGENDA)
            if meeting.facilitator == "行政":
                self.add("admin-leads", meeting, "facilitator", M.ADMIN_LEADS)
            why = _day_off(meeting.date)
            if why:
                self.add("meeting-holiday", meeting, "date", M.MEETING_HOLIDAY.format(
                    date=_show(meeting.date), why=why))

    def membership(self) -> None:
        active: dict[str, list[Member]] = defaultdict(list)
        for member in self.ledger.members:
            if member.in_office(self.first, self.last):
                active[member.council_id].append(member)
        for council in self._councils_in_year():
            members = active.get(council.council_id, [])
            kinds = sorted({m.org_kind for m in members if m.org_kind}, key=_kind_order)
            name = council.name or council.council_id
            if len(kinds) < MIN_ORG_KINDS:
                self.add("members-few-kinds", council, "name", M.MEMBERS_FEW_KINDS.format(
                    council=name, count=len(kinds), kinds="、".join(kinds) or "なし"))
            if not RESIDENT_CLOSE.intersection(kinds):
                self.add("members-no-resident", council, "name", M.MEMBERS_NO_RESIDENT.format(council=name))
            if council.layer == 2 and CHIEN not in kinds:
                self.add("layer2-no-chien", council, "name", M.LAYER2_NO_CHIEN.format(council=name))
            if council.layer == 1:
                self.chair(council)

    def chair(self, council: Council) -> None:
        name = council.name or council.council_id
        if not council.chair_id:
            self.add("layer1-chair", council, "chair_id", M.LAYER1_NO_CHAIR.format(council=name))
            return
        chair = self.members.get(council.chair_id)
        if chair is None or chair.council_id != council.council_id:
            return  # already an id-unknown error
        why = None
        if not chair.in_office(self.first, self.last):
            why = "退任済み"
        elif chair.org_kind == "行政":
            why = "行政"
        elif council.secretariat and chair.org and _same(chair.org, council.secretariat):
            why = "事務局"
        if why:
            self.add("layer1-chair", council, "chair_id", M.LAYER1_CHAIR_ADMIN.format(
                council=name, chair=chair.name, why=why))

    def care_conferences(self) -> None:
        in_year = [c for c in self.ledger.care_conferences
                   if c.date is not None and self.first <= c.date <= self.last]
        if not any(c.sc_attended == "有" for c in in_year):
            self.add("care-conference-no-sc", None, None, M.CARE_NO_SC.format(
                fy=self.fy_text, count=len(in_year)), sheet="地域ケア会議")

    def succession(self) -> None:
        by_area = defaultdict(list)
        for sc in self.ledger.coordinators:
            by_area[sc.area_id].append(sc)
        for area_id, scs in by_area.items():
            for sc in scs:
                if sc.end is None or sc.end < self.first:
                    continue
                successor = any(
                    other is not sc and (other.end is None or other.end > sc.end)
                    and (other.start is None or sc.start is None or other.start >= sc.start)
                    for other in scs)
                if not successor:
                    area = self.areas.get(area_id)
                    self.add("sc-no-successor", sc, "end", M.SC_NO_SUCCESSOR.format(
                        area=area.name if area else area_id, name=sc.name, end=_show(sc.end)))

    def run(self) -> list[Finding]:
        for step in (self.duplicate_ids, self.references, self.orders, self.layers, self.delivery,
                     self.coverage, self.frequency, self.invitations, self.membership,
                     self.care_conferences, self.succession):
            step()
        return self.findings


def _show(value: object) -> str:
    if isinstance(value, dt.date):
        return f"{value.year}/{value.month}/{value.day}"
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return str(value)


def _month_number(day: dt.date) -> int:
    return day.year * 12 + day.month


def _day_off(day: dt.date) -> str | None:
    name = holiday_name(day)
    if name:
        return f"祝日（{name}）"
    if day.weekday() >= 5:
        return "土曜日" if day.weekday() == 5 else "日曜日"
    return None


def _kind_order(kind: str) -> int:
    return schema.ORG_KINDS.index(kind) if kind in schema.ORG_KINDS else len(schema.ORG_KINDS)


def _same(a: str, b: str) -> bool:
    from .values import header_key

    return header_key(a) == header_key(b)


_SHEET_ORDER = {name: i for i, name in enumerate((schema.INFO_SHEET, *(s.name for s in schema.SHEETS)))}


def _sort_key(f: Finding) -> tuple:
    cell = f.cell.split(":")[0]
    letters = "".join(ch for ch in cell if ch.isalpha())
    digits = "".join(ch for ch in cell if ch.isdigit())
    column = 0
    for ch in letters:
        column = column * 26 + ord(ch) - 64
    return (_SHEET_ORDER.get(f.sheet, len(_SHEET_ORDER)), int(digits) if digits else 0, column, f.code)


def check_model(ledger: Ledger, fiscal_year: int, read_findings: Iterable[Finding] = ()) -> Report:
    """Run every rule; the report holds the reader's findings and the rules', in sheet order."""
    read_findings = list(read_findings)
    rule_findings = _Checker(ledger, fiscal_year, read_findings).run()
    report = Report(path=ledger.path, fiscal_year=fiscal_year)
    report.findings = sorted(read_findings + rule_findings, key=_sort_key)
    return report
