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
from typing import Callable, Collection, Iterable

from .. import messages as M
from ..japanese import fiscal_year_era, fiscal_year_range, holiday_name
from . import schema
from .findings import ERROR, INFO, RULES, WARNING, Finding, Report, Rule, finding, register
from .model import Attendance, Council, Ledger, Meeting, Member, Record
from .values import header_key

__all__ = ["CHECKS", "RULES", "check_model", "fiscal_year_label"]

# Resident-close kinds of organisation (第1節3(3): 住民代表や当事者に近いメンバー).
RESIDENT_CLOSE = frozenset({"住民", "当事者団体", "ボランティア団体", "地縁組織（自治会・町会）", "老人クラブ"})
CHIEN = "地縁組織（自治会・町会）"
MIN_ORG_KINDS = 4          # fewer distinct 団体種別 than this is "too few kinds"
MIN_MEETINGS = 3           # 年に1~2回のように極端に少ない
MAX_GAP_MONTHS = 2         # 例えば2ヶ月に1回
NOTICE_MIN_DAYS = 28       # 概ね1ヶ月前: four weeks
NOTICE_SOON_DAYS = 30      # a meeting this close with no letter is urgent
CARE_ISSUE_DAYS = 90       # a 地域ケア会議 issue no council took up after this long
STAGE1_DAYS = 365          # a 地域課題 still at stage ① after a year
DAYS_RANGE = (0, 365)      # 通知送付日数・回答期限日数 a letter can be computed from


def fiscal_year_label(year: int) -> str:
    return M.FISCAL_YEAR.format(year=year, era=fiscal_year_era(year))


class Context:
    """What every check sees: the ledger, the fiscal year, lookups, and where findings go."""

    def __init__(self, ledger: Ledger, fiscal_year: int, read_findings: Iterable[Finding],
                 as_of: dt.date | None = None, lettered: Collection[str] | None = None):
        self.ledger = ledger
        self.fy = fiscal_year
        self.first, self.last = fiscal_year_range(fiscal_year)
        self.fy_text = fiscal_year_label(fiscal_year)
        self.as_of = as_of or dt.date.today()
        # Meeting IDs with letters made; None when the caller cannot see the output folder.
        self.lettered = None if lettered is None else frozenset(lettered)
        # Once the year is over its advice can no longer be followed: such findings are past.
        self.fy_over = self.as_of > self.last
        self.findings: list[Finding] = []
        # Cells already reported by the reader are not reported again by a rule.
        self.flagged = {(f.sheet, f.cell) for f in read_findings}
        self.areas = ledger.index("areas", "area_id")
        self.councils = ledger.index("councils", "council_id")
        self.members = ledger.index("members", "member_id")
        self.meetings = ledger.index("meetings", "meeting_id")
        self.activities = ledger.index("activities", "activity_id")

    def add(self, rule: Rule, record: Record | None, field: str | None, variant: str = "", *,
            sheet: str = "", cell: str = "", past: bool = False, **values) -> None:
        """Report `rule` at a record's field (or a sheet or cell), its message filled with `values`.

        `past` marks a finding about what is over and can no longer be acted on.
        """
        if record is not None:
            sheet, cell = self.ledger.where(record, field)
        self.findings.append(finding(rule.code, sheet, cell, rule.message(variant, **values), past))

    def held(self, meeting: Meeting) -> bool:
        """True when the meeting's day is before the as-of date: advice about it comes too late."""
        return meeting.date is not None and meeting.date < self.as_of

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
        _ref(c, council, "contact_sc_id", c.ledger.index("coordinators", "sc_id"), "生活支援コーディネーター")
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
        _reply_after_letter(c, meeting)
    for activity in L.activities:
        _order(c, activity, "start", "end")


def _reply_after_letter(c: Context, meeting: Meeting) -> None:
    """A typed 回答期限 before the letter's date (typed 通知日, else 通知送付日数 before the meeting)."""
    if meeting.reply_by is None or meeting.date is None:
        return
    if meeting.notice_date is not None:
        posted, header = meeting.notice_date, c.header(meeting, "notice_date")
    elif DAYS_RANGE[0] <= c.ledger.info.notice_days <= DAYS_RANGE[1]:
        days = c.ledger.info.notice_days
        posted, header = meeting.date - dt.timedelta(days=days), f"通知の日付（開催日の{days}日前）"
    else:
        return  # already a days-out-of-range error
    if meeting.reply_by < posted:
        c.add(END_BEFORE_START, meeting, "reply_by", end_header=c.header(meeting, "reply_by"),
              end=_show(meeting.reply_by), start_header=header, start=_show(posted))


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


ATTENDANCE_NOT_IN_OFFICE = register(
    "attendance-not-in-office", ERROR, "会議の日に在任していない構成員の出欠",
    message="構成員 {member}（{name}）は会議 {meeting} の開催日 {date} に在任していません（{term}）。"
            "この行は出席率などに数えません。就任日・退任日か会議IDを確かめてください。")


@check(ATTENDANCE_NOT_IN_OFFICE)
def attendance_in_office(c: Context) -> None:
    for answer in c.ledger.attendance:
        meeting, member = c.meetings.get(answer.meeting_id), c.members.get(answer.member_id)
        if meeting is None or member is None or meeting.date is None or member.council_id != meeting.council_id:
            continue  # an id-unknown error, or no date to compare with
        if not member.in_office_on(meeting.date):
            term = "・".join(part for part in (
                f"就任日 {_show(member.start)}" if member.start else "",
                f"退任日 {_show(member.end)}" if member.end else "") if part)
            c.add(ATTENDANCE_NOT_IN_OFFICE, answer, "member_id", member=member.member_id, name=member.name,
                  meeting=meeting.meeting_id, date=_show(meeting.date), term=term)


AGENDA_NUMBER_UNKNOWN = register(
    "agenda-number-unknown", WARNING, "協議記録の議題番号に当たる議題が会議にない", "第1節3(6) ④議論の可視化",
    message="議題番号 {number} に当たる議題が会議 {meeting} にありません（議題は {count} 件）。"
            "議事録ではどの議題の記録か分からなくなります。")


@check(AGENDA_NUMBER_UNKNOWN)
def agenda_numbers(c: Context) -> None:
    for record in c.ledger.records:
        meeting = c.meetings.get(record.meeting_id)
        if meeting is None or record.agenda_no is None:
            continue
        if not 1 <= record.agenda_no <= len(meeting.agenda):
            c.add(AGENDA_NUMBER_UNKNOWN, record, "agenda_no", number=record.agenda_no, meeting=meeting.meeting_id,
                  count=len(meeting.agenda))


ATTENDANCE_MISSING = register(
    "attendance-missing", INFO, "謝礼を払う開催済みの会議に出欠の記録がない",
    message="開催済みの会議 {meeting}（{date}）の出欠が記録されていないため、謝礼支払一覧を作れません。"
            "出欠シートに記録してください。")


@check(ATTENDANCE_MISSING)
def attendance_recorded(c: Context) -> None:
    if not c.ledger.info.honorarium_rate:
        return
    answered = {a.meeting_id for a in c.ledger.attendance}
    for meeting in c.fy_meetings():
        if meeting.held_as_of(c.as_of) and meeting.meeting_id not in answered:
            c.add(ATTENDANCE_MISSING, meeting, "meeting_id", meeting=meeting.meeting_id, date=_show(meeting.date))


DAYS_OUT_OF_RANGE = register(
    "days-out-of-range", ERROR, "通知送付日数・回答期限日数が0〜365日の外、または回答期限が通知より前",
    message="{label} が {value} です。通知の日付と回答期限はこの日数から計算するため、"
            "{low}〜{high} の日数にしてください。",
    order="回答期限日数（{reply}）が通知送付日数（{notice}）以上です。回答期限が通知の日付と同じか前になるため、"
          "回答期限日数を通知送付日数より小さくしてください。")


@check(DAYS_OUT_OF_RANGE)
def info_days(c: Context) -> None:
    low, high = DAYS_RANGE
    info = c.ledger.info
    bad = False
    for field, label in (("notice_days", "通知送付日数"), ("reply_days", "回答期限日数")):
        value = getattr(info, field)
        if not low <= value <= high:
            bad = True
            sheet, cell = c.ledger.info_where(field)
            c.add(DAYS_OUT_OF_RANGE, None, None, sheet=sheet, cell=cell, label=label, value=value, low=low,
                  high=high)
    # A letter must leave time to answer: the deadline falls after the letter's date.
    if not bad and info.reply_days >= info.notice_days:
        sheet, cell = c.ledger.info_where("reply_days")
        c.add(DAYS_OUT_OF_RANGE, None, None, "order", sheet=sheet, cell=cell, reply=info.reply_days,
              notice=info.notice_days)


# Whole numbers the documents print or add up, and the values they can sensibly hold:
# a letter titled 第-3回, a negative 謝礼 or a target of 0 meetings is a typing slip.
NUMBER_LIMITS: dict[tuple[str, str], tuple[int, int]] = {
    ("meetings", "number"): (0, 999),           # 0: a 準備会, titled without 第N回
    ("councils", "target_meetings"): (1, 100),
    ("areas", "population"): (0, 100_000_000),
    ("areas", "elderly"): (0, 100_000_000),
    ("activities", "times"): (0, 10_000),
    ("activities", "participants"): (0, 100_000),
    ("activities", "helpers"): (0, 100_000),
    ("goals", "fiscal_year"): (1989, 2200),     # as --fiscal-year: 平成 onwards
    ("reviews", "fiscal_year"): (1989, 2200),
}
INFO_NUMBER_LIMITS = {"honorarium_rate": (0, 1_000_000)}

NUMBER_OUT_OF_RANGE = register(
    "number-out-of-range", ERROR, "文書に使う数値が範囲の外（回・年間目標開催回数・人口・謝礼単価など）",
    message="{header} が {value} です。{low}〜{high} の範囲で入力してください。")


@check(NUMBER_OUT_OF_RANGE)
def numbers(c: Context) -> None:
    for (key, field), (low, high) in NUMBER_LIMITS.items():
        for record in getattr(c.ledger, key):
            value = getattr(record, field)
            if value is not None and not low <= value <= high:
                c.add(NUMBER_OUT_OF_RANGE, record, field, header=c.header(record, field), value=value,
                      low=f"{low:,}", high=f"{high:,}")
    for field, (low, high) in INFO_NUMBER_LIMITS.items():
        value = getattr(c.ledger.info, field)
        if value is not None and not low <= value <= high:
            sheet, cell = c.ledger.info_where(field)
            label = next(item.label for item in schema.INFO_ITEMS if item.field == field)
            c.add(NUMBER_OUT_OF_RANGE, None, None, sheet=sheet, cell=cell, header=label, value=value,
                  low=f"{low:,}", high=f"{high:,}")


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
        c.add(LAYER1_AREA_COUNT, None, None, "none", sheet="圏域", past=c.fy_over)
    elif len(layer1) > 1:
        c.add(LAYER1_AREA_COUNT, layer1[1], "layer", "many", past=c.fy_over, count=len(layer1),
              ids="、".join(a.area_id for a in layer1))
    active_sc = {sc.area_id for sc in L.coordinators if sc.in_office(c.first, c.last)}
    councils = {council.area_id for council in c.councils_in_year()}
    for area in L.areas:
        if area.layer not in (1, 2):
            continue
        name = area.name or area.area_id
        if area.area_id not in active_sc:
            c.add(LAYER1_NO_SC if area.layer == 1 else LAYER2_NO_SC, area, "area_id", past=c.fy_over, area=name,
                  fy=c.fy_text)
        if area.area_id not in councils:
            c.add(LAYER1_NO_COUNCIL if area.layer == 1 else LAYER2_NO_COUNCIL, area, "area_id", past=c.fy_over,
                  area=name)


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
            c.add(COUNCIL_FEW_MEETINGS, council, "name", past=c.fy_over, council=council.name, fy=c.fy_text, count=len(held),
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
                c.add(MEETING_GAP, nxt, "date", past=c.held(nxt), council=council.name if council else council_id,
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
                c.add(INVITATION_LATE, meeting, "notice_date", past=c.held(meeting), notice=_show(meeting.notice_date),
                      date=_show(meeting.date), days=days, want=max(NOTICE_MIN_DAYS, c.ledger.info.notice_days))
        if not meeting.agenda and c.ledger.where(meeting, "agenda") not in c.flagged:
            c.add(INVITATION_NO_AGENDA, meeting, "agenda", past=c.held(meeting))
        if meeting.facilitator == "行政":
            c.add(ADMIN_LEADS, meeting, "facilitator", past=c.held(meeting))
        why = _day_off(meeting.date)
        if why:
            c.add(MEETING_HOLIDAY, meeting, "date", past=c.held(meeting), date=_show(meeting.date), why=why)


INVITATION_NOT_SENT = register(
    "invitation-not-sent", WARNING, "30日以内の会議に通知日がなく通知も未作成", "第1節3(5) ワンポイント",
    message="開催日 {date} まであと {days} 日ですが、通知日が空で通知もまだ作成されていません。"
            "すぐに通知を作成・送付し、送付したら通知日を記入してください。",
    unknown="開催日 {date} まであと {days} 日ですが、通知日が空です。通知を送付済みなら通知日を記入してください"
            "（点検は出力フォルダを見ないため、通知日が空の会議は通知未作成とみなします）。")


@check(INVITATION_NOT_SENT)
def invitations_due(c: Context) -> None:
    # Not limited to the fiscal year: early April's meetings are urgent in late March too.
    for meeting in c.ledger.meetings:
        if meeting.date is None or meeting.cancelled or meeting.notice_date is not None:
            continue
        days = (meeting.date - c.as_of).days
        if not 0 <= days <= NOTICE_SOON_DAYS:
            continue
        if c.lettered is None:
            c.add(INVITATION_NOT_SENT, meeting, "notice_date", "unknown", date=_show(meeting.date), days=days)
        elif meeting.meeting_id not in c.lettered:
            c.add(INVITATION_NOT_SENT, meeting, "notice_date", date=_show(meeting.date), days=days)


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
            c.add(MEMBERS_FEW_KINDS, council, "name", past=c.fy_over, council=name, count=len(kinds),
                  kinds="、".join(kinds) or "なし")
        if not RESIDENT_CLOSE.intersection(kinds):
            c.add(MEMBERS_NO_RESIDENT, council, "name", past=c.fy_over, council=name)
        if council.layer == 2 and CHIEN not in kinds:
            c.add(LAYER2_NO_CHIEN, council, "name", past=c.fy_over, council=name)
        if council.layer == 1:
            _chair(c, council)


def _chair(c: Context, council: Council) -> None:
    name = council.name or council.council_id
    if not council.chair_id:
        c.add(LAYER1_CHAIR, council, "chair_id", "none", past=c.fy_over, council=name)
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
        c.add(LAYER1_CHAIR, council, "chair_id", "admin", past=c.fy_over, council=name, chair=chair.name, why=why)


COUNCIL_MEETINGS_ONLY = register(
    "council-meetings-only", INFO, "1年間の開催がすべて形式「会議」", "第1節3(6) モチベーション維持の工夫",
    message="{council} の {fy} の開催 {count} 回はすべて形式が「会議」です。"
            "分科会（勉強会）やフィールドワークなど開催方法を工夫すると、参加の意欲を保てます。")
CHAIR_ABSENT = register(
    "chair-absent", INFO, "座長が欠席し副座長も出席していない会議", "第1節3(6) 第1層協議体",
    message="会議 {meeting}（{date}）は座長 {chair} が{answer}で、出席する副座長がいません。"
            "進行を誰が担うか、事前に決めておきましょう。")


@check(COUNCIL_MEETINGS_ONLY, CHAIR_ABSENT)
def meeting_forms(c: Context) -> None:
    by_council: dict[str, list[Meeting]] = defaultdict(list)
    for meeting in c.fy_meetings():
        by_council[meeting.council_id].append(meeting)
    for council in c.councils_in_year():
        meetings = by_council.get(council.council_id, [])
        # A blank 形式 says nothing: only a year typed as 会議 throughout is reported.
        if meetings and all(m.form == "会議" for m in meetings):
            c.add(COUNCIL_MEETINGS_ONLY, council, "name", past=c.fy_over, council=council.name or council.council_id,
                  fy=c.fy_text, count=len(meetings))
    answers: dict[str, dict[str, Attendance]] = defaultdict(dict)
    for answer in c.ledger.attendance:
        if c.ledger.answer_counts(answer):
            answers[answer.meeting_id].setdefault(answer.member_id, answer)
    deputies: dict[str, list[Member]] = defaultdict(list)
    for member in c.ledger.members:
        if member.role == "副座長":
            deputies[member.council_id].append(member)
    for meeting in c.fy_meetings():
        given = answers.get(meeting.meeting_id)
        council = c.councils.get(meeting.council_id)
        if not given or council is None:
            continue
        # The same 座長 the minutes name (a 座長構成員ID out of office gives way to the role).
        chair = c.ledger.chair_on(council, meeting.date)
        answer = given.get(chair.member_id) if chair else None
        if answer is None or answer.answer not in ("欠席", "代理出席"):
            continue
        # Only rows that count are in `given`, so a deputy found there was in office that day.
        if not any(d.member_id != chair.member_id and getattr(given.get(d.member_id), "answer", "") == "出席"
                   for d in deputies.get(meeting.council_id, [])):
            c.add(CHAIR_ABSENT, answer, "answer", past=c.held(meeting), meeting=meeting.meeting_id,
                  date=_show(meeting.date), chair=chair.name, answer=answer.answer)


CARE_CONFERENCE_NO_SC = register(
    "care-conference-no-sc", WARNING, "地域ケア会議にSCが一度も出席していない", "第1節3(6) 地域ケア会議と協議体の連携",
    message="{fy} に生活支援コーディネーターが出席した地域ケア会議がありません（記録 {count} 件）。")


@check(CARE_CONFERENCE_NO_SC)
def care_conferences(c: Context) -> None:
    in_year = [x for x in c.ledger.care_conferences if x.date is not None and c.first <= x.date <= c.last]
    if not any(x.sc_attended == "有" for x in in_year):
        c.add(CARE_CONFERENCE_NO_SC, None, None, sheet="地域ケア会議", past=c.fy_over, fy=c.fy_text, count=len(in_year))


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


CARE_ISSUE_NOT_TAKEN_UP = register(
    "care-issue-not-taken-up", WARNING, "地域ケア会議の課題を90日たっても協議体で取り上げていない",
    "第1節3(6) 地域ケア会議と協議体の連携, ワンポイント",
    message="{date} の地域ケア会議で抽出された地域課題（{issues}）が、{days} 日たっても協議体で取り上げられていません"
            "（協議体への反映が空）。協議体で検討し、結果を地域ケア会議へ返しましょう。")
HOMEWORK_OVERDUE = register(
    "homework-overdue", WARNING, "期限を過ぎた宿題に結果がない", "第1節3(6) ④議論の可視化",
    message="宿題「{content}」（担当 {owner}）の期限 {due} を過ぎましたが、結果が空です。"
            "前回の話し合いの結果を整理して次回に共有しましょう。")
ISSUE_STUCK = register(
    "issue-stuck", INFO, "地域課題が把握から1年たっても段階①のまま", "第1節3(6) 当日進行上の留意点③",
    message="地域課題「{content}」は {found} の把握から {days} 日たっても段階①（共有・見える化）のままです。"
            "アイデア出しや計画へ進められないか協議体で話し合いましょう。")


@check(CARE_ISSUE_NOT_TAKEN_UP, HOMEWORK_OVERDUE, ISSUE_STUCK)
def follow_ups(c: Context) -> None:
    for conference in c.ledger.care_conferences:
        if conference.date is None or not conference.issues or conference.meeting_id:
            continue
        days = (c.as_of - conference.date).days
        if c.first <= conference.date <= c.last and days > CARE_ISSUE_DAYS:
            c.add(CARE_ISSUE_NOT_TAKEN_UP, conference, "meeting_id", date=_show(conference.date),
                  issues="、".join(conference.issues), days=days)
    for record in c.ledger.records:
        if record.kind == "宿題" and record.due is not None and record.due < c.as_of and not record.result:
            c.add(HOMEWORK_OVERDUE, record, "result", content=_short(record.content), owner=record.owner or "未定",
                  due=_show(record.due))
    for issue in c.ledger.issues:
        if issue.kind != "地域課題" or not issue.stage.startswith("①") or issue.found is None:
            continue
        days = (c.as_of - issue.found).days
        if days >= STAGE1_DAYS:
            c.add(ISSUE_STUCK, issue, "stage", content=_short(issue.content), found=_show(issue.found), days=days)


VISION_BLANK = register(
    "vision-blank", WARNING, "目指す地域像が空", "第1節1, 3(6) 当日進行上の留意点①",
    message="目指す地域像が空です。協議体の冒頭で共有する共通のビジョンとして記入しましょう（議事録にも載ります）。")
GOALS_MISSING = register(
    "goals-missing", WARNING, "年度の目標がない", "第1節3(6) 当日進行上の留意点④",
    message="{fy} の目標が目標シートにありません。取り組みを点検・評価できるよう目標を立てましょう。")
GOALS_NOT_EVALUATED = register(
    "goals-not-evaluated", WARNING, "年度が終わったのに目標の評価がない", "第1節3(6) 当日進行上の留意点④",
    message="{fy} が終わりましたが、目標「{goal}」の評価が空です。◎○△× で点検・評価し、見直しに生かしましょう。")


@check(VISION_BLANK, GOALS_MISSING, GOALS_NOT_EVALUATED)
def vision_and_goals(c: Context) -> None:
    if not c.ledger.info.vision:
        sheet, cell = c.ledger.info_where("vision")
        c.add(VISION_BLANK, None, None, sheet=sheet, cell=cell)
    goals = [g for g in c.ledger.goals if g.fiscal_year == c.fy]
    if not goals:
        c.add(GOALS_MISSING, None, None, sheet="目標", past=c.fy_over, fy=c.fy_text)
    elif c.fy_over:
        for goal in goals:
            if not goal.evaluation:
                c.add(GOALS_NOT_EVALUATED, goal, "evaluation", fy=c.fy_text, goal=_short(goal.goal))


# --- helpers -------------------------------------------------------------------------------

def _show(value: object) -> str:
    if isinstance(value, dt.date):
        return f"{value.year}/{value.month}/{value.day}"
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return str(value)


def _short(text: str, limit: int = 30) -> str:
    """One line of at most `limit` characters, for quoting a cell in a message."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit - 1] + "…"


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


def check_model(ledger: Ledger, fiscal_year: int, read_findings: Iterable[Finding] = (), *,
                as_of: dt.date | None = None, lettered: Collection[str] | None = None) -> Report:
    """Run every registered check; the report holds the reader's findings and the rules', in sheet order.

    `as_of` is "today" for rules about time (default: today). `lettered` holds the
    IDs of meetings whose letters were made, from a caller that sees the output
    folder; without it a meeting with no 通知日 counts as having no letter.
    """
    read_findings = list(read_findings)
    context = Context(ledger, fiscal_year, read_findings, as_of, lettered)
    for function, _rules in CHECKS:
        function(context)
    report = Report(path=ledger.path, fiscal_year=fiscal_year, as_of=context.as_of)
    report.findings = sorted(read_findings + context.findings, key=_sort_key)
    return report
