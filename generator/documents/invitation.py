"""Invitation letters for meetings: who gets one, and every file a meeting needs.

Per meeting, into its own folder: one letter (+ RSVP form) per recipient, a
combined file of the paper letters for printing, 宛名ラベル for the posted
ones, and 送付リスト.xlsx. A meeting whose records have errors is not made at
all - half a mailing is how a letter gets lost.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

from .. import messages
from ..render.context import (LABELS_PER_SHEET, LATE_REPLY_DAYS, labels_context, letter_context, meeting_title,
                              posting_date, recipient_context)
from ..errors import OutputError, UsageError
from ..ledger.findings import Finding, Report
from ..japanese import format_date, format_postal, next_business_day
from ..ledger.model import Council, Ledger, Meeting, Member
from ..ledger.values import DATE_MAX, DATE_MIN
from ..render.output import atomic_write, inside, remove_temp_files, safe_filename
from ..render.sheets import Book, get_column_letter, xlsx_bytes
from .base import (MAILED, not_in_letters, BatchRun, DocumentType, Item, MonthPlan, TemplateFile, example_ledger,
                   load_template, worker_build, worker_ledger, WorkerSave)

INVITATION_TEMPLATE = TemplateFile("invitation", "invitation.docx", "開催通知と出欠回答票")
LABELS_TEMPLATE = TemplateFile("labels", "labels.docx", "宛名ラベル（A4 12面）")
PAPER = ("郵送", "手渡し")
LETTER_FOLDER = "通知"
COMBINED_NAME = "印刷用_通知一式.docx"
LABELS_NAME = "宛名ラベル.docx"
ALL_LABELS_NAME = "宛名ラベル_全件.docx"     # the month's posted letters on as few sheets as possible
SENDLIST_NAME = "送付リスト.xlsx"
COUNCIL_IN_NAME = 30        # characters of the council's name in a folder or file name


@dataclass
class MeetingPlan:
    """What one meeting's mailing will be, before anything is written."""

    meeting: Meeting
    council: Council | None
    recipients: list[Member] = field(default_factory=list)
    blocking: list[Finding] = field(default_factory=list)
    skip_reason: str = ""
    posted: dt.date | None = None      # a late letter's date; None: the usual posting date

    @property
    def folder(self) -> str:
        council = self.council.name if self.council else self.meeting.council_id
        number = f"_第{self.meeting.number}回" if self.meeting.number else ""
        # A long council name is cut before the number is added, so 第N回 stays in the name.
        return safe_filename(f"{self.meeting.meeting_id}_{council[:COUNCIL_IN_NAME]}{number}")

    @property
    def title(self) -> str:
        return meeting_title(self.council, self.meeting) if self.council else self.meeting.meeting_id

    def letter_name(self, index: int, member: Member) -> str:
        return safe_filename(f"{index:03d}_{member.member_id}_{member.name}") + ".docx"


@dataclass
class MeetingResult:
    plan: MeetingPlan
    folder: Path | None = None
    letters: list[Path] = field(default_factory=list)
    combined: Path | None = None
    labels: Path | None = None
    sendlist: Path | None = None
    files: list[tuple[Path, str]] = field(default_factory=list)   # (path, kind) of every file made
    written: int = 0                   # files `save` reported as written (not left unchanged)
    digests: dict[Path, str] = field(default_factory=dict)   # sha256 by path, when made in a worker process

    def count(self, delivery: str) -> int:
        return sum(1 for m in self.plan.recipients if m.delivery == delivery)


def select_meetings(ledger: Ledger, meeting_id: str | None = None, month: str | None = None) -> list[Meeting]:
    """The meetings named by --meeting ID or --month YYYY-MM, in date order."""
    if meeting_id:
        found = [m for m in ledger.meetings if m.meeting_id == meeting_id]
        if not found:
            raise UsageError(messages.MEETING_UNKNOWN.format(id=meeting_id))
        return found[:1]
    year, mon = parse_month(month)
    chosen = [m for m in ledger.meetings if m.date and (m.date.year, m.date.month) == (year, mon)]
    return sorted(chosen, key=lambda m: (m.date, m.start or dt.time(0), m.row))


# The years a ledger date may have (DATE_MIN..DATE_MAX), and the December
# before the first, whose batch invites to January meetings.
MONTH_YEARS = (DATE_MIN.year - 1, DATE_MAX.year)


def parse_month(text: str | None) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", (text or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise UsageError(messages.MONTH_FORMAT.format(value=text))
    if not MONTH_YEARS[0] <= int(match.group(1)) <= MONTH_YEARS[1]:
        raise UsageError(messages.MONTH_RANGE.format(low=MONTH_YEARS[0], high=MONTH_YEARS[1], value=text))
    return int(match.group(1)), int(match.group(2))


def recipients(ledger: Ledger, meeting: Meeting) -> list[Member]:
    """Members of the meeting's council, in office on its day, who take a letter."""
    if meeting.date is None:
        return []
    return [m for m in ledger.members
            if m.council_id == meeting.council_id and m.delivery and m.delivery != "不要"
            and m.in_office_on(meeting.date)]


def plan_meeting(ledger: Ledger, report: Report, meeting: Meeting) -> MeetingPlan:
    council = ledger.index("councils", "council_id").get(meeting.council_id)
    plan = MeetingPlan(meeting=meeting, council=council)
    if meeting.cancelled:
        plan.skip_reason = messages.SKIP_CANCELLED
        return plan
    # Rows this meeting's letters are made from: 基本情報, the meeting, its council,
    # and every member row of the council (or of no readable council: it could be one).
    member_rows = {m.row for m in ledger.members_of(meeting.council_id) + ledger.members_of("")}
    rows = {"会議": {meeting.row}, "構成員": member_rows, "協議体": {council.row} if council else set()}
    plan.blocking = report.errors_on(rows, whole_sheets=("基本情報",), ignore=not_in_letters(ledger))
    if plan.blocking or council is None:
        plan.skip_reason = messages.SKIP_ERRORS
        return plan
    plan.recipients = recipients(ledger, meeting)
    if not plan.recipients:
        plan.skip_reason = messages.SKIP_NO_RECIPIENTS
    return plan


class Templates:
    """The compiled templates of one run: each prepared once, used for every letter."""

    def __init__(self, custom_dir: str | Path | None = None):
        self.invitation = load_template(INVITATION_TEMPLATE.filename, custom_dir)
        self.labels = load_template(LABELS_TEMPLATE.filename, custom_dir)


def check_label_start(label_start: int) -> int:
    """--label-start: the first free label (1-12) of a part-used sheet."""
    if not 1 <= label_start <= LABELS_PER_SHEET:
        raise UsageError(messages.LABEL_START_RANGE.format(value=label_start))
    return label_start


def write_meeting(ledger: Ledger, plan: MeetingPlan, out_dir: str | Path, templates: Templates,
                  advance: Callable[[int], None] = lambda n: None,
                  save: Callable[[Path, bytes], object] = atomic_write, label_start: int = 1) -> MeetingResult:
    """Write every file of one planned meeting; `advance(n)` reports letters done.

    `save(path, data)` writes one file (atomically by default; the monthly
    batch passes one that leaves unchanged files alone). `label_start` is the
    first free label of the sheet the labels will be printed on.
    """
    result = MeetingResult(plan)
    if plan.skip_reason:
        return result
    folder = inside(out_dir, plan.folder)
    result.folder = folder
    remove_temp_files(folder)     # left by a run killed mid-write

    new_files: list[Path] = []

    def put(path: Path, data: bytes, kind: str) -> Path:
        existed = path.exists()
        result.written += bool(save(path, data))
        if not existed:
            new_files.append(path)
        result.files.append((path, kind))
        return path

    try:
        _write_files(ledger, plan, folder, templates, advance, put, result, label_start)
    except OutputError as exc:
        # Half a mailing is how a letter gets lost: take back what this meeting
        # added, and say which meeting was not made and why.
        for path in new_files:
            try:
                path.unlink()
            except OSError:
                pass
        raise OutputError(messages.MEETING_NOT_WRITTEN.format(title=plan.title, error=exc.message)) from exc
    return result


def _write_files(ledger: Ledger, plan: MeetingPlan, folder: Path, templates: Templates,
                 advance: Callable[[int], None], put: Callable[[Path, bytes, str], Path],
                 result: MeetingResult, label_start: int) -> None:
    paper = []
    letters_folder = inside(folder, LETTER_FOLDER)
    for index, member in enumerate(plan.recipients, start=1):
        rendering = templates.invitation.rendering(
            letter_context(ledger, plan.council, plan.meeting, member, plan.posted))
        # letter_name is one safe_filename component (no separator, no leading dot): it cannot leave
        # the folder `inside` checked once, and resolving the path again per letter cost ~0.2 ms.
        path = letters_folder / plan.letter_name(index, member)
        result.letters.append(put(path, templates.invitation.package(rendering), "letter"))
        if member.delivery in PAPER:
            paper.append(rendering)
        advance(1)
    if paper:
        # The print file joins the paper letters as rendered above: rendering them again cost as
        # much as the letters themselves.
        result.combined = put(folder / COMBINED_NAME, templates.invitation.combine(paper), "print")
    posted = [m for m in plan.recipients if m.delivery == "郵送"]
    if posted:
        result.labels = put(folder / LABELS_NAME, templates.labels.render(labels_context(posted, label_start)),
                            "labels")
    result.sendlist = put(folder / SENDLIST_NAME, sendlist_bytes(ledger, plan, result), "sendlist")


SENDLIST_PRINTED = ("No", "宛名", "所属団体・役職", "送付方法", "郵便番号", "住所", "メールアドレス", "発送済",
                    "回答", "回答日", "備考")
SENDLIST_WIDTHS = (4, 13, 18, 6, 9, 17, 20, 5, 7, 7, 6)
# Office columns: kept in the sheet for staff, outside the print area (nobody posts a file name).
SENDLIST_OFFICE = ("構成員ID", "ファイル名")
SENDLIST_FONT = 10          # pt; one landscape A4 at 100 % keeps it readable


def sendlist_bytes(ledger: Ledger, plan: MeetingPlan, result: MeetingResult) -> bytes:
    """送付リスト.xlsx: who, how, where, a column to tick when sent, and the RSVP as it comes in."""
    book = Book()
    ws = book.sheet("送付リスト")
    style = _sendlist_styles()
    meeting = plan.meeting
    posted = plan.posted or posting_date(ledger.info, meeting)
    ws.append([f"{plan.title}（{format_date(meeting.date, ledger.info.date_style)}）送付リスト"])
    ws.append([f"発送予定日: {format_date(posted, ledger.info.date_style)}　"
               f"郵送 {result.count('郵送')} 件・メール {result.count('メール')} 件・手渡し {result.count('手渡し')} 件"])
    headers = SENDLIST_PRINTED + SENDLIST_OFFICE
    ws.append(list(headers))
    # The order styles are first set decides their ids in styles.xml; it is kept as it always was.
    ws.style(ws.cells(3), font=style["header_font"], fill=style["header_fill"], border=style["box"],
             alignment=style["header_alignment"])
    ws.style(ws.cells(1, columns=(1,)), font=style["title_font"])
    ws.style(ws.cells(2, columns=(1,)), font=style["font"])
    answers = {a.member_id: a for a in ledger.attendance_of(meeting.meeting_id)}
    for index, (member, path) in enumerate(zip(plan.recipients, result.letters), start=1):
        org_line = recipient_context(member)["org_line"]
        address = " ".join(x for x in (member.address1, member.address2) if x)
        answer = answers.get(member.member_id)
        ws.append([index, f"{member.name} {member.honorific or '様'}", org_line, member.delivery,
                   format_postal(member.postal_code), address, member.email, "",
                   answer.answer if answer else "", answer.answered if answer and answer.answered else None, "",
                   member.member_id, f"{LETTER_FOLDER}/{path.name}"])
    last = ws.max_row
    printed = len(SENDLIST_PRINTED)
    answered_col = get_column_letter(SENDLIST_PRINTED.index("回答日") + 1)
    body_rows = (4, last) if last >= 4 else None
    # Long 所属 and addresses wrap inside their cell instead of being cut at its edge.
    if body_rows:
        ws.style(ws.cells(*body_rows), font=style["font"], alignment=style["body_alignment"])
        ws.style(ws.cells(*body_rows, columns=tuple(range(1, printed + 1))), border=style["box"])
        answered_index = SENDLIST_PRINTED.index("回答日") + 1
        ws.style(ws.cells(*body_rows, columns=(answered_index,)), number_format="yyyy/m/d")
        sent_col = get_column_letter(SENDLIST_PRINTED.index("発送済") + 1)
        answer_col = get_column_letter(SENDLIST_PRINTED.index("回答") + 1)
        ws.validations += [(f"{sent_col}4:{sent_col}{last}", "list", "", '"✓"'),
                           (f"{answer_col}4:{answer_col}{last}", "list", "", '"出席,欠席,代理出席,未回答"'),
                           (f"{answered_col}4:{answered_col}{last}", "date", "greaterThan", "1")]
    ws.widths = dict(enumerate(SENDLIST_WIDTHS + (10, 34), start=1))
    # Neither Excel nor LibreOffice grows a row for wrapped text on opening a file;
    # without a height the second line of a long 所属 is cut off on paper.
    for number in range(3, last + 1):
        row = ws.cells(number, columns=tuple(range(1, printed + 1)))
        lines = max(_wrapped_lines(str(ws.value(cell) or ""), SENDLIST_WIDTHS[column])
                    for column, cell in enumerate(row))
        ws.heights[number] = 4 + 13 * lines
    ws.freeze_row = 4
    ws.print_titles = "3:3"
    ws.print_area = f"A1:{get_column_letter(printed)}{max(last, 3)}"
    # Landscape A4, width on one page; rows flow on (a council rarely needs a second
    # sheet, and shrinking a long list to one page would make it unreadable).
    ws.landscape_a4_fit_width = True
    ws.margins = (0.4, 0.4, 0.5, 0.5)
    return xlsx_bytes(book)


@lru_cache(maxsize=1)
def _sendlist_styles() -> dict:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="808080")
    return {"header_font": Font(bold=True, size=SENDLIST_FONT), "header_fill": PatternFill("solid", fgColor="DDEBF7"),
            "box": Border(top=thin, bottom=thin, left=thin, right=thin),
            "header_alignment": Alignment(horizontal="center", vertical="center", wrap_text=True),
            "title_font": Font(bold=True, size=14), "font": Font(size=SENDLIST_FONT),
            "body_alignment": Alignment(vertical="top", wrap_text=True)}


def _wrapped_lines(text: str, width: float) -> int:
    """Lines `text` takes at SENDLIST_FONT in a column `width` characters wide (a wide character counts ~1.9)."""
    units = sum(1.9 if ord(ch) > 0x2E7F else 0.95 for ch in text)
    return max(1, math.ceil(units / max(width - 0.8, 1)))


# --- in the monthly batch ---------------------------------------------------------------

def meeting_version(meeting: Meeting) -> str:
    """A fingerprint of what a letter tells: date, time, place and agenda."""
    facts = [str(meeting.date), str(meeting.start), str(meeting.end), meeting.place, meeting.place_address,
             list(meeting.agenda)]
    return hashlib.sha256(json.dumps(facts, ensure_ascii=False).encode("utf-8")).hexdigest()[:16]


@dataclass
class InvitationItem(Item):
    """One meeting's invitations in a monthly batch."""

    plan: MeetingPlan | None = None
    late: bool = False
    days_left: int | None = None
    revised: bool = False
    history: list[str] = field(default_factory=list)      # versions letters were made for before
    previous_letters: list[dict] = field(default_factory=list)
    result: MeetingResult | None = None
    all_labels: Path | None = None     # the month's 宛名ラベル_全件, kept on the first item with posted letters


def _compile_templates(_ledger: Ledger, templates_dir: str | Path | None) -> Templates:
    """A worker process's compiled templates, built when it starts."""
    return Templates(templates_dir)


_worker_templates = worker_build("invitation", _compile_templates)


def _render_in_worker(plan: MeetingPlan, folder: str) -> MeetingResult:
    save = WorkerSave()
    result = write_meeting(worker_ledger(), plan, folder, _worker_templates(), save=save)
    result.digests = save.digests
    # The batch has the plan: sent back, its members were pickled twice more per meeting.
    result.plan = None
    return result


def _posted_letters(items: list[Item]) -> list[tuple[Item, Member]]:
    """(item, member) of every posted letter of the month, in the order of the meetings.

    They go on one labels file, 宛名ラベル_全件: per meeting, a council of six
    posted members fills half a sheet; printed together the month's labels
    need the fewest sheets. A meeting not made (plan skipped) has no letters.
    """
    return [(i, m) for i in items if not i.plan.skip_reason for m in i.plan.recipients if m.delivery == "郵送"]


def all_labels_bytes(templates: Templates, members: list[Member], label_start: int) -> bytes:
    """宛名ラベル_全件.docx for these members, from the first free label of the sheet."""
    return templates.labels.render(labels_context(members, label_start))


def _labels_in_worker(path: Path, members: list[Member], label_start: int) -> tuple[str, int]:
    """In a worker process: write 宛名ラベル_全件; its sha256 and whether it was written."""
    save = WorkerSave()
    save(path, all_labels_bytes(_worker_templates(), members, label_start))
    return save.digests[path], save.written


class Invitations(DocumentType):
    """開催通知 with 出欠回答票, the print file, 宛名ラベル and 送付リスト, per meeting."""

    key = "invitation"
    title = "開催通知"
    label = "通知"
    templates = (INVITATION_TEMPLATE, LABELS_TEMPLATE)
    folder = "開催通知"
    leaves_by = MAILED
    due = "翌月の会議（今月の会議でまだ通知していないものは遅れとして今月）"

    def example_contexts(self) -> dict[str, dict]:
        ledger, council, meeting, member = example_ledger()
        return {"invitation": letter_context(ledger, council, meeting, member),
                "labels": labels_context([member])}

    def plan_month(self, month: MonthPlan) -> list[Item]:
        """Next month's meetings, and this month's that never had a letter (late) or changed (revised)."""
        ledger, report = month.ledger, month.report
        this_month = (month.year, month.month)
        batch_day = next_business_day(month.first_day)
        items: list[Item] = []
        for meeting in ledger.meetings:
            if meeting.date is None or (meeting.date.year, meeting.date.month) not in (this_month, month.following):
                continue
            version = meeting_version(meeting)
            before = month.earlier_invitations.get(meeting.meeting_id)
            last = month.this_run_invitations.get(meeting.meeting_id) or before
            history = list(last.get("history", [])) if last else []
            if last and last.get("version") != version and last.get("version") not in history:
                history.append(last["version"])
            item = InvitationItem(self.key, meeting, history=history, revised=bool(history))
            if item.revised:
                old = [e for e in (before, month.this_run_invitations.get(meeting.meeting_id))
                       if e and e.get("version") in history]
                item.previous_letters = _previous_letters(month, old)
            if (meeting.date.year, meeting.date.month) == this_month:
                invited_by_hand = meeting.notice_date is not None and meeting.notice_date < month.first_day
                invited_earlier = before is not None and before.get("version") == version
                if meeting.cancelled or invited_by_hand or (invited_earlier and not item.revised):
                    continue   # nothing to send for this month's meeting
                if meeting.held_as_of(month.today):
                    # Never a letter, back-dated or not, for a meeting that has already taken place.
                    item.plan = MeetingPlan(meeting=meeting, council=ledger.council(meeting.council_id),
                                            skip_reason=messages.SKIP_HELD)
                    items.append(item)
                    continue
                item.plan = plan_meeting(ledger, report, meeting)
                if meeting.notice_date is not None:
                    posted = meeting.notice_date      # staff set this month's posting date themselves
                else:
                    item.late = before is None
                    posted = item.plan.posted = batch_day
                item.days_left = (meeting.date - posted).days
            else:
                item.plan = plan_meeting(ledger, report, meeting)
            items.append(item)
        return items

    def progress_units(self, item: Item) -> int:
        return 0 if item.plan.skip_reason else len(item.plan.recipients)

    def planned_names(self, ledger: Ledger, item: Item) -> list[str]:
        return [] if item.plan.skip_reason else [item.plan.folder]

    def make_month(self, run: BatchRun, items: list[Item]) -> None:
        from ..render.output import inside

        letters_dir = str(inside(run.folder, self.folder))
        posted = _posted_letters(items)
        all_labels = Path(letters_dir) / ALL_LABELS_NAME
        if run.jobs > 1 and len(items) > 1:
            # The month's labels go to a worker with the letters: rendered here after them,
            # they kept every worker waiting.
            labels = (run.pool().submit(_labels_in_worker, all_labels, [m for _, m in posted], run.label_start)
                      if posted else None)
            futures = [run.pool().submit(_render_in_worker, i.plan, letters_dir) for i in items]
            for item, future in zip(items, futures):
                item.result = future.result()
                item.result.plan = item.plan
                run.written_elsewhere += item.result.written
                run.digests.update(item.result.digests)
                run.progress(len(item.result.letters))
            if labels is not None:
                run.digests[all_labels], written = labels.result()
                run.written_elsewhere += written
        else:
            templates = Templates(run.templates_dir)
            for item in items:
                item.result = write_meeting(run.ledger, item.plan, letters_dir, templates, run.progress,
                                            save=run.save)
            if posted:
                run.save(all_labels, all_labels_bytes(templates, [m for _, m in posted], run.label_start))
        for item in items:
            item.skip_reason, item.blocking = item.plan.skip_reason, item.plan.blocking
        if posted:
            posted[0][0].all_labels = all_labels

    def files(self, item: Item) -> list[tuple[Path, str, str | None]]:
        if not (item.result and item.result.folder):
            return []
        by_path = {p: m.member_id for p, m in zip(item.result.letters, item.plan.recipients)}
        made = [(path, kind, by_path.get(path)) for path, kind in item.result.files]
        if item.all_labels:
            made.append((item.all_labels, "labels_all", None))
        return made

    def summary_detail(self, item: Item) -> str:
        if item.skip_reason:
            detail = item.skip_reason
        else:
            r = item.result
            detail = messages.MONTHLY_LETTERS.format(letters=len(r.letters), post=r.count("郵送"),
                                                     mail=r.count("メール"), hand=r.count("手渡し"),
                                                     labels=r.count("郵送"))
        if item.late:
            detail += messages.MONTHLY_LATE.format(days=item.days_left)
        if item.days_left is not None and item.days_left < LATE_REPLY_DAYS and not item.skip_reason:
            # A letter cannot arrive and be answered in time: staff must phone.
            detail += messages.MONTHLY_PHONE
        if item.revised:
            detail += messages.MONTHLY_REVISED
        return detail

    def summary_notes(self, item: Item) -> list[str]:
        if item.revised and item.previous_letters:
            people = "、".join(f"{p['name']}（{p['delivery']}{'・メール送信済み' if p['emailed'] else ''}）"
                              for p in item.previous_letters)
            return [messages.MONTHLY_PREVIOUS.format(people=people)]
        return []


def _previous_letters(month: MonthPlan, entries: list[dict]) -> list[dict]:
    seen = {}
    for entry in entries:
        for letter in entry.get("letters", []):
            emailed = month.emailed(entry["batch"], entry["meeting_id"], letter["member_id"])
            seen[letter["member_id"]] = {"name": letter["name"], "delivery": letter["delivery"], "emailed": emailed}
    return list(seen.values())


TYPE = Invitations()
