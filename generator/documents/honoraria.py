"""謝礼（報償費）支払一覧.xlsx for each held meeting of the month, from 出欠.

For the municipality's accounting: the attendees whose 謝礼 is 要 at
基本情報.謝礼単価, 代理出席 paid or not as 基本情報.代理出席の謝礼 says, and a
total. Numbers are stored as numbers, text as text, in a plain layout that
can be copied into an accounting form.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from .. import messages
from ..japanese import format_date
from ..ledger.model import Ledger, Meeting
from ..render.context import meeting_title, recipient_context
from ..render.output import inside, safe_filename
from ..render.sheets import Book, xlsx_bytes
from .base import INTERNAL, BatchRun, DocumentType, Item, MonthPlan
from .meeting_day import meeting_folder

YEN = "#,##0"
PAID_ANSWERS = ("出席", "代理出席")


@dataclass
class Payee:
    member_id: str
    name: str
    org_line: str
    answer: str
    proxy: str
    amount: int
    note: str = ""


@dataclass
class Honoraria:
    """Who is paid for one meeting, and why a list cannot be made."""

    meeting: Meeting
    rate: int | None
    payees: list[Payee] = field(default_factory=list)
    problem: str = ""

    @property
    def total(self) -> int:
        return sum(p.amount for p in self.payees)

    @property
    def paid(self) -> int:
        """How many are paid: an unpaid 代理出席 is listed, but not counted as a payee."""
        return sum(1 for p in self.payees if p.amount > 0)


def honoraria(ledger: Ledger, meeting: Meeting) -> Honoraria:
    """The payees of a held meeting; `problem` says why there is no list (no rate, no 出欠)."""
    info = ledger.info
    result = Honoraria(meeting, info.honorarium_rate)
    if not info.honorarium_rate:
        result.problem = messages.HONORARIA_NO_RATE
        return result
    rows = ledger.attendance_of(meeting.meeting_id)
    if not rows:
        result.problem = messages.HONORARIA_NO_ATTENDANCE
        return result
    pay_proxy = info.proxy_honorarium == "支払う"
    # Rows about someone not a member that day are errors of their own, never a payment.
    for answer in ledger.valid_attendance(meeting):
        member = ledger.member(answer.member_id)
        if answer.answer not in PAID_ANSWERS or not member.honorarium_due:
            continue
        proxy = answer.answer == "代理出席"
        amount = info.honorarium_rate if (not proxy or pay_proxy) else 0
        note = ("代理出席（支払う）" if pay_proxy else "代理出席（支払わない）") if proxy else ""
        result.payees.append(Payee(member.member_id, member.name, recipient_context(member)["org_line"],
                                   answer.answer, answer.proxy, amount, note))
    return result


def workbook(ledger: Ledger, data: Honoraria) -> bytes:
    """The list as an xlsx: a heading block, one row per payee, a total row."""
    meeting = data.meeting
    council = ledger.council(meeting.council_id)
    style = _styles()
    book = Book()
    ws = book.sheet("謝礼支払一覧")
    ws.append(["謝礼（報償費）支払一覧"])
    # Labels in A run on over the empty B (A is only as wide as "No"); values start in C.
    ws.append(["会議", None, meeting_title(council, meeting) if council else meeting.meeting_id])
    ws.append(["開催日", None, format_date(meeting.date, ledger.info.date_style) if meeting.date else ""])
    ws.append(["単価（円）", None, data.rate])
    ws.append(["代理出席の謝礼", None, ledger.info.proxy_honorarium])
    ws.append([])
    headers = ["No", "構成員ID", "氏名", "所属・役職", "出欠", "代理者氏名", "金額（円）", "備考"]
    ws.append(headers)
    header_row = ws.max_row
    for index, p in enumerate(data.payees, start=1):
        ws.append([index, p.member_id, p.name, p.org_line, p.answer, p.proxy, p.amount, p.note])
    unpaid = len(data.payees) - data.paid
    ws.append(["合計", None, f"{data.paid} 名", None, None, None, data.total,
               f"ほかに支払なし {unpaid} 名" if unpaid else None])
    total_row = ws.max_row
    # The order styles are first set decides their ids in styles.xml; it is kept as it always was.
    ws.style(ws.cells(header_row, total_row), border=style["box"])
    ws.style(ws.cells(header_row), font=style["bold"], fill=style["header_fill"], alignment=style["center"])
    ws.style(ws.cells(total_row), font=style["bold"])
    ws.style(ws.cells(1, columns=(1,)), font=style["title_font"])
    ws.style(ws.cells(4, columns=(3,)), number_format=YEN)
    ws.style(ws.cells(header_row + 1, total_row, columns=(7,)), number_format=YEN)
    ws.widths = dict(enumerate((6, 10, 16, 42, 10, 14, 12, 22), start=1))
    ws.landscape_a4_fit_width = True
    ws.print_titles = f"{header_row}:{header_row}"
    return xlsx_bytes(book)


@lru_cache(maxsize=1)
def _styles() -> dict:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="808080")
    return {"box": Border(top=thin, bottom=thin, left=thin, right=thin), "bold": Font(bold=True),
            "header_fill": PatternFill("solid", fgColor="DDEBF7"), "center": Alignment(horizontal="center"),
            "title_font": Font(bold=True, size=14)}


def file_name(ledger: Ledger, meeting: Meeting) -> str:
    return safe_filename(f"謝礼支払一覧_{meeting_folder(ledger, meeting)}") + ".xlsx"


@dataclass
class HonorariaItem(Item):
    data: Honoraria | None = None


class HonorariaList(DocumentType):
    """謝礼（報償費）支払一覧.xlsx, per held meeting of this month."""

    key = "honoraria"
    title = "謝礼（報償費）支払一覧"
    label = "謝礼"
    templates = ()
    folder = "謝礼"
    leaves_by = INTERNAL
    due = "今月の開催済みの会議（状態が開催済、または処理日より前の日付で中止でないもの）"

    def example_contexts(self) -> dict[str, dict]:
        return {}

    def plan_month(self, month: MonthPlan) -> list[Item]:
        if not month.ledger.info.honorarium_rate:
            return []       # a municipality that pays no 謝礼 gets no list and no line about it
        return [HonorariaItem(self.key, m) for m in month.held_meetings(self.key)]

    def make_month(self, run: BatchRun, items: list[Item]) -> None:
        for item in items:
            meeting = item.meeting
            rows = {"会議": {meeting.row}, "出欠": {a.row for a in run.ledger.attendance_of(meeting.meeting_id)},
                    "構成員": {m.row for m in run.ledger.members_of(meeting.council_id)}}
            item.blocking = run.report.errors_on(rows, whole_sheets=("基本情報",))
            item.data = honoraria(run.ledger, meeting)
            if item.blocking:
                item.skip_reason = messages.SKIP_ERRORS
            elif item.data.problem:
                item.skip_reason = item.data.problem
            else:
                item.path = inside(run.folder, self.folder, file_name(run.ledger, meeting))
                run.save(item.path, workbook(run.ledger, item.data))
            run.progress(1)

    def summary_detail(self, item: Item) -> str:
        if item.skip_reason:
            return item.skip_reason
        return messages.HONORARIA_MADE.format(people=item.data.paid, total=item.data.total)


TYPE = HonorariaList()
