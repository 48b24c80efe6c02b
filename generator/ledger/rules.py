"""The rule catalogue of DOMAIN.md §3, run over the model.

A rule is one unit: `register(...)` gives its code, severity, title,
guidebook section and message, and the `@check(...)` function below it
finds it. `check_model` runs every registered check in order; the README's
table and the list of codes come from the same registry. `check_model`
never raises for bad data: every problem is a `Finding`. Errors are about
the whole ledger; warnings are the guidebook's advice for one fiscal year.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Callable, Iterable

from .. import messages as M
from ..japanese import fiscal_year_era, fiscal_year_range, holiday_name
from . import schema
from .findings import ERROR, INFO, RULES, WARNING, Finding, Report, Rule, finding, register
from .model import Council, Ledger, Meeting, Member, Record
from .values import header_key

__all__ = ["CHECKS", "RULES", "check_model", "fiscal_year_label"]

# Resident-close kinds of organisation (第1節3(3): 住民代表や当事者に近いメンバー).
RESIDENT_CLOSE = frozenset({"住民", "当事者団体", "ボランティア団体", "地縁組織（自治会・町会）", "老人クラブ"})
CHIEN = "地縁組織（自治会・町会）"
MIN_ORG_KINDS = 4          # fewer distinct 団体種別 than this is "too few kinds"
MIN_MEETINGS = 3           # 年に1~2回のように極端に少ない
MAX_GAP_MONTHS = 2         # 例えば2ヶ月に1回
NOTICE_MIN_DAYS = 28       # 概ね1ヶ月前: four weeks


def fiscal_year_label(year: int) -> str:
    return M.FISCAL_YEAR.format(year=year, era=fiscal_year_era(year))


class Context:
    """What every check sees: the ledger, the fiscal year, lookups, and where findings go."""

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

    def add(self, rule: Rule, record: Record | None, field: str | None, variant: str = "", *,
            sheet: str = "", **values) -> None:
        """Report `rule` at a record's field (or a whole sheet), its message filled with `values`."""
        if record is not None:
            sheet, cell = self.ledger.where(record, field)
        else:
            cell = ""
        self.findings.append(finding(rule.code, sheet, cell, rule.message(variant, **values)))

    def header(self, record: Record, field: str) -> str:
        spec = next(s for s in schema.SHEETS if s.name == record.SHEET)
        return spec.by_field[field].header

    def fy_meetings(self) -> list[Meeting]:
        """Meetings of the fiscal year that are not cancelled."""
        return [m for m in self.ledger.meetings
                if m.date is not None and self.first <= m.date <= self.last and not m.cancelled]

    def councils_in_year(self) -> list[Council]:
        return [c for c in self.ledger.councils if c.active_by(self.last)]


CHECKS: list[tuple[Callable[[Context], None], tuple[Rule, ...]]] = []


def check(*rules: Rule) -> Callable:
    """Register a check function and the rules it reports; checks run in registration order."""
    def decorate(function: Callable[[Context], None]) -> Callable[[Context], None]:
        CHECKS.append((function, rules))
        return function
    return decorate


# --- errors: the data is wrong -----------------------------------------------------------

ID_DUPLICATE = register(
    "id-duplicate", ERROR, "IDの重複",
    message="{header}「{value}」が重複しています（最初は {first} 行目）。",
    attendance="会議 {meeting} の構成員 {member} の出欠が重複しています（最初は {first} 行目）。")


@check(ID_DUPLICATE)
def duplicate_ids(c: Context) -> None:
    for spec in schema.SHEETS:
        if not spec.id_field:
            continue
        first_row: dict[str, int] = {}
        for record in getattr(c.ledger, spec.key):
            value = getattr(record, spec.id_field)
            if not value:
                continue
            if value in first_row:
                c.add(ID_DUPLICATE, record, spec.id_field, header=c.header(record, spec.id_field), value=value,
                      first=first_row[value])
            else:
                first_row[value] = record.row
    seen: dict[tuple[str, str], int] = {}
    for record in c.ledger.attendance:
        pair = (record.meeting_id, record.member_id)
        if not all(pair):
            continue
        if pair in seen:
            c.add(ID_DUPLICATE, record, "member_id", "attendance", meeting=pair[0], member=pair[1], first=seen[pair])
        else:
            seen[pair] = record.row


ID_UNKNOWN = register(
    "id-unknown", ERROR, "存在しないIDへの参照",
    message="{header}「{value}」は{target}シートにありません。",
    chair="座長構成員ID「{value}」はこの協議体（{council}）の構成員ではありません。",
    attendance="構成員「{member}」は会議 {meeting} の協議体（{council}）の構成員ではありません。")


def _ref(c: Context, record: Record, field: str, index: dict, target: str) -> Record | None:
    value = getattr(record, field)
    if not value:
        return None
    found = index.get(value)
    if found is None:
        c.add(ID_UNKNOWN, record, field, header=c.header(record, field), value=value, target=target)
    return found


@check(ID_UNKNOWN)
def references(c: Context) -> None:
    L = c.ledger
    for sc in L.coordinators:
        _ref(c, sc, "area_id", c.areas, "圏域")
    for council in L.councils:
        _ref(c, council, "area_id", c.areas, "圏域")
        chair = _ref(c, council, "chair_id", c.members, "構成員")
        if chair is not None and chair.council_id != council.council_id:
            c.add(ID_UNKNOWN, council, "chair_id", "chair", value=council.chair_id,
                  council=council.name or council.council_id)
    for member in L.members:
        _ref(c, member, "council_id", c.councils, "協議体")
    for meeting in L.meetings:
        _ref(c, meeting, "council_id", c.councils, "協議体")
    for answer in L.attendance:
        meeting = _ref(c, answer, "meeting_id", c.meetings, "会議")
        member = _ref(c, answer, "member_id", c.members, "構成員")
        if meeting is not None and member is not None and member.council_id != meeting.council_id:
            c.add(ID_UNKNOWN, answer, "member_id", "attendance", member=answer.member_id,
                  meeting=meeting.meeting_id, council=meeting.council_id)
    for record in L.records:
        _ref(c, record, "meeting_id", c.meetings, "会議")
    for issue in L.issues:
        _ref(c, issue, "area_id", c.areas, "圏域")
        _ref(c, issue, "activity_id", c.activities, "住民主体の活動")
    for activity in L.activities:
        _ref(c, activity, "area_id", c.areas, "圏域")
    for conference in L.care_conferences:
        _ref(c, conference, "area_id", c.areas, "圏域")
        _ref(c, conference, "meeting_id", c.meetings, "会議")


END_BEFORE_START = register(
    "end-before-start", ERROR, "終了が開始より前（日付・時刻）",
    message="{end_header}（{end}）が{start_header}（{start}）より前です。")


def _order(c: Context, record: Record, start_field: str, end_field: str) -> None:
    start, end = getattr(record, start_field), getattr(record, end_field)
    if start is not None and end is not None and end < start:
        c.add(END_BEFORE_START, record, end_field, end_header=c.header(record, end_field), end=_show(end),
              start_header=c.header(record, start_field), start=_show(start))


@check(END_BEFORE_START)
def orders(c: Context) -> None:
    L = c.ledger
    for sc in L.coordinators:
        _order(c, sc, "start", "end")
    for member in L.members:
        _order(c, member, "start", "end")
    for meeting in L.meetings:
        _order(c, meeting, "start", "end")
        # A letter posted, or an answer due, after the meeting is a date typed wrong.
        _order(c, meeting, "notice_date", "date")
        _order(c, meeting, "reply_by", "date")
    for activity in L.activities:
        _order(c, activity, "start", "end")


LAYER_MISMATCH = register(
    "layer-mismatch", ERROR, "協議体・SCの層が圏域の層と違う",
    message="層が {layer} ですが、圏域「{area}」は第{area_layer}層です。")


@check(LAYER_MISMATCH)
def layers(c: Context) -> None:
    for record in [*c.ledger.councils, *c.ledger.coordinators]:
        area = c.areas.get(record.area_id)
        if area is None or area.layer is None or record.layer is None:
            continue
        if area.layer != record.layer:
            c.add(LAYER_MISMATCH, record, "layer", layer=record.layer, area=area.name or area.area_id,
                  area_layer=area.layer)


POSTAL_ADDRESS_MISSING = register(
    "postal-address-missing", ERROR, "郵送なのに郵便番号・住所1がない",
    message="送付方法が郵送ですが {missing} が空です。宛名ラベルと通知の宛先に使います。")
EMAIL_INVALID = register(
    "email-invalid", ERROR, "メール送付なのにメールアドレスが正しくない",
    message="送付方法がメールですがメールアドレスが空です。")


@check(POSTAL_ADDRESS_MISSING, EMAIL_INVALID)
def delivery(c: Context) -> None:
    for member in c.ledger.members:
        if member.delivery == "郵送":
            missing = [f for f in ("postal_code", "address1") if not getattr(member, f)]
            cells = [c.ledger.where(member, f) for f in missing]
            if missing and not any(cell in c.flagged for cell in cells):
                c.add(POSTAL_ADDRESS_MISSING, member, missing[0],
                      missing="・".join(c.header(member, f) for f in missing))
        elif member.delivery == "メール" and not member.email:
            if c.ledger.where(member, "email") not in c.flagged:
                c.add(EMAIL_INVALID, member, "email")


# --- warnings: the guidebook's advice for the fiscal year ----------------------------------------

LAYER1_AREA_COUNT = register(
    "layer1-area-count", WARNING, "第1層の圏域がちょうど1つでない", "第1節1(3), 2(1)",
    none="第1層（市町村全域）の圏域がありません。第1層の圏域を1つ登録してください。",
    many="第1層の圏域が {count} 件あります（{ids}）。第1層は市町村全域の1圏域です。")
LAYER1_NO_SC = register(
    "layer1-no-sc", WARNING, "第1層に在任中のSCがいない", "第1節1(3), 2(1)",
    message="第1層の圏域「{area}」に {fy} 中に在任する生活支援コーディネーターがいません。")
LAYER1_NO_COUNCIL = register(
    "layer1-no-council", WARNING, "第1層に協議体がない", "第1節1(3), 2(1)",
    message="第1層の圏域「{area}」に協議体がありません。")
LAYER2_NO_SC = register(
    "layer2-no-sc", WARNING, "第2層の圏域に在任中のSCがいない", "第1節1(3)",
    message="第2層の圏域「{area}」に {fy} 中に在任する生活支援コーディネーターがいません。")
LAYER2_NO_COUNCIL = register(
    "layer2-no-council", WARNING, "第2層の圏域に協議体がない", "第1節1(3)",
    message="第2層の圏域「{area}」に協議体がありません。")


@check(LAYER1_AREA_COUNT, LAYER1_NO_SC, LAYER1_NO_COUNCIL, LAYER2_NO_SC, LAYER2_NO_COUNCIL)
def coverage(c: Context) -> None:
    L = c.ledger
    layer1 = [a for a in L.areas if a.layer == 1]
    if not layer1:
        c.add(LAYER1_AREA_COUNT, None, None, "none", sheet="圏域")
    elif len(layer1) > 1:
        c.add(LAYER1_AREA_COUNT, layer1[1], "layer", "many", count=len(layer1),
              ids="、".join(a.area_id for a in layer1))
    active_sc = {sc.area_id for sc in L.coordinators if sc.in_office(c.first, c.last)}
    councils = {council.area_id for council in c.councils_in_year()}
    for area in L.areas:
        if area.layer not in (1, 2):
            continue
        name = area.name or area.area_id
        if area.area_id not in active_sc:
            c.add(LAYER1_NO_SC if area.layer == 1 else LAYER2_NO_SC, area, "area_id", area=name, fy=c.fy_text)
        if area.area_id not in councils:
            c.add(LAYER1_NO_COUNCIL if area.layer == 1 else LAYER2_NO_COUNCIL, area, "area_id", area=name)


COUNCIL_FEW_MEETINGS = register(
    "council-few-meetings", WARNING, "年3回未満の開催（承認型会議の恐れ）", "第1節3(6) 開催頻度",
    message="{council} の {fy} の開催（予定を含む、中止を除く）は {count} 回です。"
            "年1〜2回では承認型会議になる恐れがあります（目標 {target} 回）。")
MEETING_GAP = register(
    "meeting-gap", WARNING, "開催間隔が2か月を超える", "第1節3(6) 開催頻度",
    message="{council} の {prev} から {next} まで {days} 日空いています。2か月に1回程度を目安に間を空けずに開催しましょう。")


@check(COUNCIL_FEW_MEETINGS, MEETING_GAP)
def frequency(c: Context) -> None:
    by_council: dict[str, list[Meeting]] = defaultdict(list)
    for meeting in c.fy_meetings():
        by_council[meeting.council_id].append(meeting)
    for council in c.councils_in_year():
        held = by_council.get(council.council_id, [])
        if len(held) < MIN_MEETINGS:
            c.add(COUNCIL_FEW_MEETINGS, council, "name", council=council.name, fy=c.fy_text, count=len(held),
                  target=council.target_meetings)
    all_by_council: dict[str, list[Meeting]] = defaultdict(list)
    for meeting in c.ledger.meetings:
        if meeting.date is not None and not meeting.cancelled:
            all_by_council[meeting.council_id].append(meeting)
    for council_id, meetings in all_by_council.items():
        council = c.councils.get(council_id)
        meetings.sort(key=lambda m: (m.date, m.row))
        for prev, nxt in zip(meetings, meetings[1:]):
            if not c.first <= nxt.date <= c.last:
                continue
            # Calendar months, not days: "the third Wednesday of every other
            # month" is the advice followed, though 7/15 -> 9/16 is 63 days.
            if _month_number(nxt.date) - _month_number(prev.date) > MAX_GAP_MONTHS:
                c.add(MEETING_GAP, nxt, "date", council=council.name if council else council_id,
                      prev=_show(prev.date), next=_show(nxt.date), days=(nxt.date - prev.date).days)


INVITATION_LATE = register(
    "invitation-late", WARNING, "通知の発送が開催の約1か月前より遅い", "第1節3(5) ワンポイント",
    message="通知日 {notice} は開催日 {date} の {days} 日前です。概ね1か月前（{want} 日前）には送付しましょう。")
INVITATION_NO_AGENDA = register(
    "invitation-no-agenda", WARNING, "議題のない会議（通知に議題を書けない）", "第1節3(5) ワンポイント",
    message="議題が空です。参加依頼文には日時・場所・議題を記載しましょう。")
ADMIN_LEADS = register(
    "admin-leads", WARNING, "行政が進行役", "第1節3(6) 当日進行上の留意点⑤",
    message="進行役が行政です。行政は支援する立場で参加し、進行のリードは避けましょう。")
MEETING_HOLIDAY = register(
    "meeting-holiday", INFO, "土日・祝日の開催",
    message="開催日 {date} は{why}です。")


@check(INVITATION_LATE, INVITATION_NO_AGENDA, ADMIN_LEADS, MEETING_HOLIDAY)
def invitations(c: Context) -> None:
    for meeting in c.fy_meetings():
        if meeting.notice_date is not None and meeting.notice_date <= meeting.date:
            days = (meeting.date - meeting.notice_date).days
            if days < NOTICE_MIN_DAYS:
                c.add(INVITATION_LATE, meeting, "notice_date", notice=_show(meeting.notice_date),
                      date=_show(meeting.date), days=days, want=max(NOTICE_MIN_DAYS, c.ledger.info.notice_days))
        if not meeting.agenda and c.ledger.where(meeting, "agenda") not in c.flagged:
            c.add(INVITATION_NO_AGENDA, meeting, "agenda")
        if meeting.facilitator == "行政":
            c.add(ADMIN_LEADS, meeting, "facilitator")
        why = _day_off(meeting.date)
        if why:
            c.add(MEETING_HOLIDAY, meeting, "date", date=_show(meeting.date), why=why)


MEMBERS_FEW_KINDS = register(
    "members-few-kinds", WARNING, "構成員の団体種別が少ない", "第1節3(3)",
    message="{council} の構成員の団体種別は {count} 種類（{kinds}）です。多様な視点から話し合えるよう幅広く選びましょう。")
MEMBERS_NO_RESIDENT = register(
    "members-no-resident", WARNING, "住民・当事者に近い構成員がいない", "第1節3(3)",
    message="{council} に住民・当事者に近い構成員（住民、当事者団体、ボランティア団体、地縁組織、民生委員など）がいません。")
LAYER2_NO_CHIEN = register(
    "layer2-no-chien", WARNING, "第2層協議体に地縁組織の構成員がいない", "第1節3(3)",
    message="第2層協議体 {council} に地縁組織（自治会・町会）の構成員がいません。SCの良き理解者・応援者になります。")
LAYER1_CHAIR = register(
    "layer1-chair", WARNING, "第1層協議体の座長が行政・事務局、または未選出", "第1節3(6) 第1層協議体",
    none="第1層協議体 {council} に座長がいません。構成員の中から座長を選出すると主体性を引き出せます。",
    admin="第1層協議体 {council} の座長「{chair}」が{why}です。事務局対メンバーの構図にならないよう構成員から選びましょう。")


@check(MEMBERS_FEW_KINDS, MEMBERS_NO_RESIDENT, LAYER2_NO_CHIEN, LAYER1_CHAIR)
def membership(c: Context) -> None:
    active: dict[str, list[Member]] = defaultdict(list)
    for member in c.ledger.members:
        if member.in_office(c.first, c.last):
            active[member.council_id].append(member)
    for council in c.councils_in_year():
        members = active.get(council.council_id, [])
        kinds = sorted({m.org_kind for m in members if m.org_kind}, key=_kind_order)
        name = council.name or council.council_id
        if len(kinds) < MIN_ORG_KINDS:
            c.add(MEMBERS_FEW_KINDS, council, "name", council=name, count=len(kinds),
                  kinds="、".join(kinds) or "なし")
        if not RESIDENT_CLOSE.intersection(kinds):
            c.add(MEMBERS_NO_RESIDENT, council, "name", council=name)
        if council.layer == 2 and CHIEN not in kinds:
            c.add(LAYER2_NO_CHIEN, council, "name", council=name)
        if council.layer == 1:
            _chair(c, council)


def _chair(c: Context, council: Council) -> None:
    name = council.name or council.council_id
    if not council.chair_id:
        c.add(LAYER1_CHAIR, council, "chair_id", "none", council=name)
        return
    chair = c.members.get(council.chair_id)
    if chair is None or chair.council_id != council.council_id:
        return  # already an id-unknown error
    why = None
    if not chair.in_office(c.first, c.last):
        why = "退任済み"
    elif chair.org_kind == "行政":
        why = "行政"
    elif council.secretariat and chair.org and header_key(chair.org) == header_key(council.secretariat):
        why = "事務局"
    if why:
        c.add(LAYER1_CHAIR, council, "chair_id", "admin", council=name, chair=chair.name, why=why)


CARE_CONFERENCE_NO_SC = register(
    "care-conference-no-sc", WARNING, "地域ケア会議にSCが一度も出席していない", "第1節3(6) 地域ケア会議と協議体の連携",
    message="{fy} に生活支援コーディネーターが出席した地域ケア会議がありません（記録 {count} 件）。")


@check(CARE_CONFERENCE_NO_SC)
def care_conferences(c: Context) -> None:
    in_year = [x for x in c.ledger.care_conferences if x.date is not None and c.first <= x.date <= c.last]
    if not any(x.sc_attended == "有" for x in in_year):
        c.add(CARE_CONFERENCE_NO_SC, None, None, sheet="地域ケア会議", fy=c.fy_text, count=len(in_year))


SC_NO_SUCCESSOR = register(
    "sc-no-successor", WARNING, "圏域の唯一のSCが終了予定で後任がいない", "第1節5(1)",
    message="圏域「{area}」のSC {name} は {end} で終了しますが、後任のSCが登録されていません。引継ぎを計画してください。")


@check(SC_NO_SUCCESSOR)
def succession(c: Context) -> None:
    by_area = defaultdict(list)
    for sc in c.ledger.coordinators:
        by_area[sc.area_id].append(sc)
    for area_id, scs in by_area.items():
        for sc in scs:
            if sc.end is None or sc.end < c.first:
                continue
            successor = any(
                other is not sc and (other.end is None or other.end > sc.end)
                and (other.start is None or sc.start is None or other.start >= sc.start)
                for other in scs)
            if not successor:
                area = c.areas.get(area_id)
                c.add(SC_NO_SUCCESSOR, sc, "end", area=area.name if area else area_id, name=sc.name,
                      end=_show(sc.end))


# --- helpers -------------------------------------------------------------------------------

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
    """Run every registered check; the report holds the reader's findings and the rules', in sheet order."""
    read_findings = list(read_findings)
    context = Context(ledger, fiscal_year, read_findings)
    for function, _rules in CHECKS:
        function(context)
    report = Report(path=ledger.path, fiscal_year=fiscal_year)
    report.findings = sorted(read_findings + context.findings, key=_sort_key)
    return report
