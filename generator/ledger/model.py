"""The domain model: what the ledger says, typed, with no openpyxl in sight.

Every record remembers the row it came from; `Ledger.where()` turns a record
and a field into a `シート!セル` location for findings.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable, ClassVar, Iterator, Sized, TypeVar

Date = dt.date
Time = dt.time
_T = TypeVar("_T")


@dataclass(slots=True, kw_only=True)
class Record:
    """A ledger row. `row` is the 1-based worksheet row; 0 for records not from a sheet."""

    SHEET: ClassVar[str] = ""
    row: int = 0
    extra: dict[str, object] | None = None


@dataclass(slots=True, kw_only=True)
class Info:
    """The 基本情報 sheet."""

    municipality: str = ""
    prefecture: str = ""
    mayor_title: str = ""
    mayor_name: str = ""
    seal_omitted: str = "はい"
    department: str = ""
    contact_person: str = ""
    phone: str = ""
    fax: str = ""
    email: str = ""
    postal_code: str = ""
    address: str = ""
    vision: str = ""
    notice_days: int = 30
    reply_days: int = 10
    date_style: str = "和暦"
    honorarium_rate: int | None = None
    proxy_honorarium: str = "支払わない"


@dataclass(slots=True, kw_only=True)
class Area(Record):
    SHEET: ClassVar[str] = "圏域"
    area_id: str = ""
    name: str = ""
    layer: int | None = None
    kind: str = ""
    districts: tuple[str, ...] = ()
    population: int | None = None
    elderly: int | None = None
    remarks: str = ""


@dataclass(slots=True, kw_only=True)
class Coordinator(Record):
    SHEET: ClassVar[str] = "生活支援コーディネーター"
    sc_id: str = ""
    name: str = ""
    kana: str = ""
    layer: int | None = None
    area_id: str = ""
    org: str = ""
    org_kind: str = ""
    work_style: str = ""
    start: Date | None = None
    end: Date | None = None
    phone: str = ""
    email: str = ""

    def in_office_on(self, day: Date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or self.end >= day)

    def in_office(self, first: Date, last: Date) -> bool:
        """True when the SC serves on at least one day of first..last."""
        return (self.start is None or self.start <= last) and (self.end is None or self.end >= first)


@dataclass(slots=True, kw_only=True)
class Council(Record):
    SHEET: ClassVar[str] = "協議体"
    council_id: str = ""
    name: str = ""
    layer: int | None = None
    area_id: str = ""
    established: Date | None = None
    chair_id: str = ""
    secretariat: str = ""
    sender: str = ""
    contact_sc_id: str = ""
    target_meetings: int = 6
    openness: str = ""
    remarks: str = ""

    def active_by(self, day: Date) -> bool:
        """True when the council exists on `day` (no 設置日 counts as always)."""
        return self.established is None or self.established <= day


@dataclass(slots=True, kw_only=True)
class Member(Record):
    SHEET: ClassVar[str] = "構成員"
    member_id: str = ""
    council_id: str = ""
    name: str = ""
    kana: str = ""
    honorific: str = "様"
    org: str = ""
    org_kind: str = ""
    position: str = ""
    role: str = ""
    postal_code: str = ""
    address1: str = ""
    address2: str = ""
    phone: str = ""
    email: str = ""
    delivery: str = ""
    honorarium: str = ""
    start: Date | None = None
    end: Date | None = None

    @property
    def organisation(self) -> bool:
        """An organisation addressed as such (敬称 御中), not one person."""
        return self.honorific == "御中"

    @property
    def honorarium_due(self) -> bool:
        """謝礼 要, or blank for anyone but 行政."""
        return self.honorarium == "要" if self.honorarium else self.org_kind != "行政"

    def in_office_on(self, day: Date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or self.end >= day)

    def in_office(self, first: Date, last: Date) -> bool:
        return (self.start is None or self.start <= last) and (self.end is None or self.end >= first)


@dataclass(slots=True, kw_only=True)
class Meeting(Record):
    SHEET: ClassVar[str] = "会議"
    meeting_id: str = ""
    council_id: str = ""
    number: int | None = None
    date: Date | None = None
    start: Time | None = None
    end: Time | None = None
    place: str = ""
    place_address: str = ""
    agenda: tuple[str, ...] = ()
    bring: str = ""
    form: str = ""
    facilitator: str = ""
    doc_number: str = ""
    notice_date: Date | None = None
    reply_by: Date | None = None
    state: str = "予定"
    remarks: str = ""

    @property
    def cancelled(self) -> bool:
        return self.state == "中止"

    def held_as_of(self, day: Date) -> bool:
        """Held by `day`: 状態 開催済, or dated before `day` and not 中止 (staff often forget to mark it)."""
        return self.state == "開催済" or (not self.cancelled and self.date is not None and self.date < day)

    def in_month(self, year: int, month: int) -> bool:
        return self.date is not None and (self.date.year, self.date.month) == (year, month)

    def sort_key(self) -> tuple:
        """Date, start time and ledger row: the order meetings are listed in."""
        return (self.date or Date.min, self.start or Time(0), self.row)


@dataclass(slots=True, kw_only=True)
class Attendance(Record):
    SHEET: ClassVar[str] = "出欠"
    meeting_id: str = ""
    member_id: str = ""
    answer: str = ""
    proxy: str = ""
    opinion: str = ""
    answered: Date | None = None


@dataclass(slots=True, kw_only=True)
class MeetingRecord(Record):
    SHEET: ClassVar[str] = "協議記録"
    meeting_id: str = ""
    kind: str = ""
    agenda_no: int | None = None
    content: str = ""
    owner: str = ""
    due: Date | None = None
    result: str = ""


@dataclass(slots=True, kw_only=True)
class LocalIssue(Record):
    SHEET: ClassVar[str] = "地域課題・資源"
    issue_id: str = ""
    area_id: str = ""
    kind: str = ""
    content: str = ""
    source: str = ""
    found: Date | None = None
    stage: str = ""
    activity_id: str = ""
    remarks: str = ""


@dataclass(slots=True, kw_only=True)
class Activity(Record):
    SHEET: ClassVar[str] = "住民主体の活動"
    activity_id: str = ""
    name: str = ""
    kind: str = ""
    area_id: str = ""
    start: Date | None = None
    end: Date | None = None
    frequency: str = ""
    times: int | None = None
    participants: int | None = None
    helpers: int | None = None
    support: tuple[str, ...] = ()
    remarks: str = ""


@dataclass(slots=True, kw_only=True)
class CareConference(Record):
    SHEET: ClassVar[str] = "地域ケア会議"
    date: Date | None = None
    area_id: str = ""
    kind: str = ""
    sc_attended: str = ""
    issues: tuple[str, ...] = ()
    meeting_id: str = ""
    remarks: str = ""


@dataclass(slots=True, kw_only=True)
class Goal(Record):
    SHEET: ClassVar[str] = "目標"
    fiscal_year: int | None = None
    term: str = ""
    goal: str = ""
    indicator: str = ""
    auto_figure: str = ""
    target: str = ""
    actual: str = ""
    evaluation: str = ""
    review: str = ""


@dataclass(slots=True, kw_only=True)
class YearReview(Record):
    SHEET: ClassVar[str] = "年度総括"
    fiscal_year: int | None = None
    achievements: str = ""
    challenges: str = ""
    next_policy: str = ""


RECORD_TYPES: dict[str, type[Record]] = {
    "areas": Area,
    "coordinators": Coordinator,
    "councils": Council,
    "members": Member,
    "meetings": Meeting,
    "attendance": Attendance,
    "records": MeetingRecord,
    "issues": LocalIssue,
    "activities": Activity,
    "care_conferences": CareConference,
    "goals": Goal,
    "reviews": YearReview,
}


@dataclass(kw_only=True)
class Ledger:
    """Everything the ledger holds, plus where each value came from."""

    path: str = ""
    info: Info = field(default_factory=Info)
    info_cells: dict[str, str] = field(default_factory=dict)  # field -> "B4"
    areas: list[Area] = field(default_factory=list)
    coordinators: list[Coordinator] = field(default_factory=list)
    councils: list[Council] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)
    attendance: list[Attendance] = field(default_factory=list)
    records: list[MeetingRecord] = field(default_factory=list)
    issues: list[LocalIssue] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    care_conferences: list[CareConference] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    reviews: list[YearReview] = field(default_factory=list)
    # sheet name -> field -> column letter, for locations.
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    # Sheets present in the workbook (optional ones may be absent).
    sheets_present: set[str] = field(default_factory=set)

    def where(self, record: Record, field_name: str | None = None) -> tuple[str, str]:
        """(sheet, cell) of a record's field; cell is 'H12', or '12:12' for the whole row."""
        sheet = record.SHEET
        letter = self.columns.get(sheet, {}).get(field_name) if field_name else None
        if letter and record.row:
            return sheet, f"{letter}{record.row}"
        return sheet, (f"{record.row}:{record.row}" if record.row else "")

    def info_where(self, field_name: str) -> tuple[str, str]:
        return "基本情報", self.info_cells.get(field_name, "")

    def all_records(self) -> Iterator[Record]:
        for key in RECORD_TYPES:
            yield from getattr(self, key)

    # Lookups used by rules and documents: built on first use, rebuilt only
    # when the list they index was replaced or changed length.
    _indexes: dict = field(default_factory=dict, repr=False, compare=False)

    def index(self, key: str, id_field: str) -> dict[str, Record]:
        """First record per ID (duplicates are a finding, not a lookup ambiguity)."""
        records = getattr(self, key)
        cached = self._indexes.get((key, id_field))
        if cached is not None and cached[0] is records and cached[1] == len(records):
            return cached[2]
        result: dict[str, Record] = {}
        for record in records:
            value = getattr(record, id_field)
            if value and value not in result:
                result[value] = record
        self._indexes[(key, id_field)] = (records, len(records), result)
        return result

    def derived(self, name: str, build: Callable[[], _T], *sources: Sized) -> _T:
        """build(), cached like index(): made again only when one of `sources` was replaced or changed length."""
        cached = self._indexes.get(("derived", name))
        if (cached is not None and len(cached[0]) == len(sources)
                and all(a is b and n == len(b) for (a, n), b in zip(cached[0], sources))):
            return cached[1]
        result = build()
        self._indexes[("derived", name)] = ([(s, len(s)) for s in sources], result)
        return result

    def council(self, council_id: str) -> "Council | None":
        return self.index("councils", "council_id").get(council_id)

    def member(self, member_id: str) -> "Member | None":
        return self.index("members", "member_id").get(member_id)

    def meeting(self, meeting_id: str) -> "Meeting | None":
        return self.index("meetings", "meeting_id").get(meeting_id)

    def area(self, area_id: str) -> "Area | None":
        return self.index("areas", "area_id").get(area_id)

    def answer_counts(self, answer: "Attendance") -> bool:
        """True when an 出欠 row is about a member of the meeting's council in office on its day.

        Rows that fail this are the check's errors (id-unknown, attendance-not-in-office);
        attendance rates, minutes and 受付名簿 leave them out.
        """
        meeting, member = self.meeting(answer.meeting_id), self.member(answer.member_id)
        return (meeting is not None and member is not None and meeting.date is not None
                and member.council_id == meeting.council_id and member.in_office_on(meeting.date))

    def valid_attendance(self, meeting: "Meeting") -> list["Attendance"]:
        """The meeting's 出欠 rows that count (see `answer_counts`), in ledger order."""
        return [a for a in self.attendance_of(meeting.meeting_id) if self.answer_counts(a)]

    def chair_on(self, council: "Council", day: Date) -> "Member | None":
        """The council's 座長 on `day`: 座長構成員ID when in office, else the member in office whose role is 座長."""
        chair = self.member(council.chair_id) if council.chair_id else None
        if chair is not None and chair.council_id == council.council_id and chair.in_office_on(day):
            return chair
        return next((m for m in self.members_of(council.council_id) if m.role == "座長" and m.in_office_on(day)),
                    None)

    def group(self, key: str, field_name: str) -> dict[str, list[Record]]:
        """Records of list `key` by the value of `field_name`, each group in ledger order.

        Built once and cached like index(): documents look up one meeting's answers or
        one council's members per meeting, and a scan each time made the batch quadratic.
        """
        records = getattr(self, key)
        cached = self._indexes.get(("group", key, field_name))
        if cached is not None and cached[0] is records and cached[1] == len(records):
            return cached[2]
        result: dict[str, list[Record]] = {}
        for record in records:
            result.setdefault(getattr(record, field_name), []).append(record)
        self._indexes[("group", key, field_name)] = (records, len(records), result)
        return result

    def members_of(self, council_id: str) -> list["Member"]:
        """The council's members in ledger order, whether in office or not."""
        return list(self.group("members", "council_id").get(council_id, ()))

    def attendance_of(self, meeting_id: str) -> list["Attendance"]:
        """The meeting's 出欠 rows in ledger order."""
        return list(self.group("attendance", "meeting_id").get(meeting_id, ()))

    def records_of(self, meeting_id: str) -> list["MeetingRecord"]:
        """The meeting's 協議記録 rows in ledger order."""
        return list(self.group("records", "meeting_id").get(meeting_id, ()))
