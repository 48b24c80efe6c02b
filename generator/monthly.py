"""The monthly batch: everything staff need for one month, in DIR/YYYY-MM/.

Invitations for next month's meetings (and this month's that never had one:
late), minutes for this month's meetings, the annual report in March, a
manifest of every file (sha256 and the ledger rows it came from) and a
summary. A rerun with the same ledger writes the same bytes and touches
nothing that did not change; a meeting whose date, time, place or agenda
changed since its letters were made is made again and marked 改訂, with
the people who got the old version listed.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import messages
from .check import load_and_check
from .findings import Finding, Report
from .context import meeting_title
from .invitations import MeetingPlan, MeetingResult, Templates, parse_month, plan_meeting, write_meeting
from .japanese import fiscal_year_of, format_date, next_business_day
from .model import Ledger, Meeting
from .output import inside, remove_temp_files, write_if_changed

MANIFEST = "manifest.json"
SUMMARY = "一覧.txt"
INVITATIONS_DIR = "開催通知"
MINUTES_DIR = "議事録"
ANNUAL_DIR = "年次報告"
SEND_LOG = "送信ログ.jsonl"


def meeting_version(meeting: Meeting) -> str:
    """A fingerprint of what a letter tells: date, time, place and agenda."""
    facts = [str(meeting.date), str(meeting.start), str(meeting.end), meeting.place, meeting.place_address,
             list(meeting.agenda)]
    return hashlib.sha256(json.dumps(facts, ensure_ascii=False).encode("utf-8")).hexdigest()[:16]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Item:
    """One meeting's share of the batch."""

    kind: str                          # "invitation" or "minutes"
    meeting: Meeting
    plan: MeetingPlan | None = None
    late: bool = False
    days_left: int | None = None
    revised: bool = False
    history: list[str] = field(default_factory=list)      # versions letters were made for before
    previous_letters: list[dict] = field(default_factory=list)
    result: MeetingResult | None = None
    path: Path | None = None           # minutes
    skip_reason: str = ""
    blocking: list[Finding] = field(default_factory=list)


@dataclass
class Batch:
    month: str
    folder: Path
    ledger: Ledger
    report: Report
    items: list[Item] = field(default_factory=list)
    annual: list[Path] = field(default_factory=list)
    files: list[dict] = field(default_factory=list)
    written: int = 0
    pdfs: int = 0

    @property
    def has_errors(self) -> bool:
        return any(item.blocking for item in self.items)


def _earlier_invitations(out_root: Path, month: str) -> tuple[dict[str, dict], dict[str, dict]]:
    """Invitation entries of earlier batches and of this batch's last run, by meeting ID.

    Batches are folders named YYYY-MM; the latest earlier one wins.
    """
    earlier: dict[str, dict] = {}
    this_run: dict[str, dict] = {}
    for manifest in sorted(out_root.glob(f"*/{MANIFEST}")):
        batch = manifest.parent.name
        if batch > month:
            continue
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for entry in data.get("meetings", []):
            if entry.get("kind") == "invitation" and entry.get("letters"):
                (this_run if batch == month else earlier)[entry["meeting_id"]] = entry | {"batch": batch}
    return earlier, this_run


def _sent_emails(out_root: Path, batch: str) -> set[tuple[str, str]]:
    """(meeting ID, member ID) pairs e-mailed from a batch, read from its send log."""
    sent = set()
    log = out_root / batch / SEND_LOG
    if log.exists():
        for line in log.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("status") == "sent":
                sent.add((record.get("meeting_id"), record.get("member_id")))
    return sent


def plan_batch(ledger: Ledger, report: Report, month: str, out_root: Path) -> list[Item]:
    """Which meetings get invitations and minutes this month, and how (late, revised)."""
    year, mon = parse_month(month)
    start = dt.date(year, mon, 1)
    following = (year + mon // 12, mon % 12 + 1)
    batch_day = next_business_day(start)
    earlier, this_run = _earlier_invitations(out_root, month)
    meetings = sorted((m for m in ledger.meetings if m.date), key=lambda m: (m.date, m.start or dt.time(0), m.row))
    items: list[Item] = []
    for meeting in meetings:
        when = (meeting.date.year, meeting.date.month)
        if when not in ((year, mon), following):
            continue
        version = meeting_version(meeting)
        before = earlier.get(meeting.meeting_id)
        last = this_run.get(meeting.meeting_id) or before
        history = list(last.get("history", [])) if last else []
        if last and last.get("version") != version and last.get("version") not in history:
            history.append(last["version"])
        item = Item("invitation", meeting, history=history, revised=bool(history))
        if item.revised:
            old = [e for e in (before, this_run.get(meeting.meeting_id)) if e and e.get("version") in history]
            item.previous_letters = _previous_letters(out_root, old)
        if when == (year, mon):
            invited_by_hand = meeting.notice_date is not None and meeting.notice_date < start
            invited_earlier = before is not None and before.get("version") == version
            if meeting.cancelled or invited_by_hand or (invited_earlier and not item.revised):
                pass   # nothing to send for this month's meeting
            else:
                item.plan = plan_meeting(ledger, report, meeting)
                if meeting.notice_date is not None:
                    posted = meeting.notice_date      # staff set this month's posting date themselves
                else:
                    item.late = before is None
                    posted = item.plan.posted = batch_day
                item.days_left = (meeting.date - posted).days
                items.append(item)
            if not meeting.cancelled:
                items.append(Item("minutes", meeting))
            continue
        item.plan = plan_meeting(ledger, report, meeting)
        items.append(item)
    return items


def _previous_letters(out_root: Path, entries: list[dict]) -> list[dict]:
    seen = {}
    for entry in entries:
        sent = _sent_emails(out_root, entry["batch"])
        for letter in entry.get("letters", []):
            emailed = (entry["meeting_id"], letter["member_id"]) in sent
            seen[letter["member_id"]] = {"name": letter["name"], "delivery": letter["delivery"], "emailed": emailed}
    return list(seen.values())


# --- running it ---------------------------------------------------------------------

_WORKER: dict = {}


def _init_worker(ledger: Ledger, templates_dir: str | None) -> None:
    _WORKER["ledger"] = ledger
    _WORKER["templates"] = Templates(templates_dir)


def _render_in_worker(plan: MeetingPlan, folder: str) -> MeetingResult:
    return write_meeting(_WORKER["ledger"], plan, folder, _WORKER["templates"], save=write_if_changed)


def run_monthly(ledger_path: str | Path, month: str, out_root: str | Path, *, pdf: bool = False, jobs: int = 1,
                annual: bool = False, templates_dir: str | None = None, password: str | None = None,
                progress: Callable[[int], None] = lambda n: None,
                on_total: Callable[[int], None] = lambda n: None) -> Batch:
    """Make the month's documents into out_root/YYYY-MM and return what was made."""
    year, mon = parse_month(month)
    month = f"{year:04d}-{mon:02d}"
    fiscal_year = fiscal_year_of(dt.date(year, mon, 1))
    ledger, report = load_and_check(ledger_path, fiscal_year, password)
    out_root = Path(out_root)
    folder = inside(out_root, month)
    folder.mkdir(parents=True, exist_ok=True)
    remove_temp_files(folder)
    previous_manifest = _read_manifest(folder)
    batch = Batch(month, folder, ledger, report)
    batch.items = plan_batch(ledger, report, month, out_root)
    invitations = [i for i in batch.items if i.kind == "invitation"]
    minutes = [i for i in batch.items if i.kind == "minutes"]
    make_annual = annual or mon == 3
    on_total(sum(len(i.plan.recipients) for i in invitations if not i.plan.skip_reason)
             + len(minutes) + (1 if make_annual else 0))

    written = []

    def save(path: Path, data: bytes) -> bool:
        changed = write_if_changed(path, data)
        if changed:
            written.append(path)
        return changed

    letters_dir = str(inside(folder, INVITATIONS_DIR))
    if jobs > 1 and len(invitations) > 1:
        with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker,
                                 initargs=(ledger, templates_dir)) as pool:
            futures = [pool.submit(_render_in_worker, i.plan, letters_dir) for i in invitations]
            for item, future in zip(invitations, futures):
                item.result = future.result()
                progress(len(item.result.letters))
    else:
        templates = Templates(templates_dir)
        for item in invitations:
            item.result = write_meeting(ledger, item.plan, letters_dir, templates, progress, save=save)
    for item in invitations:
        item.skip_reason, item.blocking = item.plan.skip_reason, item.plan.blocking

    if minutes:
        from .minutes import write_minutes

        results = write_minutes(ledger, report, [i.meeting for i in minutes], inside(folder, MINUTES_DIR),
                                templates_dir, save=save)
        for item, result in zip(minutes, results):
            item.path, item.skip_reason, item.blocking = result.path, result.skip_reason, result.blocking or []
            progress(1)
    if make_annual:
        from .annual import write_annual

        made = write_annual(ledger, report, fiscal_year, inside(folder, ANNUAL_DIR), templates_dir, save=save)
        batch.annual = [made.report, made.workbook]
        progress(1)

    batch.files = _file_entries(batch)
    if pdf:
        from .pdf import convert_batch

        batch.pdfs = convert_batch(batch, previous_manifest)
    _remove_stale(folder, previous_manifest, batch.files)
    manifest = _manifest(batch, ledger_path)
    write_if_changed(folder / MANIFEST, (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
    write_if_changed(folder / SUMMARY, (format_summary(batch) + "\n").encode("utf-8"))
    batch.written = len(written) + (sum(i.result.written for i in invitations if i.result) if jobs > 1 else 0)
    return batch


def _read_manifest(folder: Path) -> dict:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _rows(ledger: Ledger, meeting: Meeting, member_ids: list[str] | None = None) -> list[str]:
    rows = [f"会議!{meeting.row}"]
    council = ledger.index("councils", "council_id").get(meeting.council_id)
    if council:
        rows.append(f"協議体!{council.row}")
    if member_ids is not None:
        members = ledger.index("members", "member_id")
        rows += [f"構成員!{members[m].row}" for m in member_ids if m in members]
    return rows


def _file_entries(batch: Batch) -> list[dict]:
    """Every file of the batch with its sha256 and the ledger rows it came from."""
    entries = []

    def add(path: Path, kind: str, rows: list[str], **extra) -> None:
        data = path.read_bytes()
        entries.append({"path": path.relative_to(batch.folder).as_posix(), "sha256": sha256(data), "kind": kind,
                        "rows": rows} | extra)

    for item in batch.items:
        if item.kind == "invitation" and item.result and item.result.folder:
            recipients = {p: m for p, m in zip(item.result.letters, item.plan.recipients)}
            everyone = [m.member_id for m in item.plan.recipients]
            for path, kind in item.result.files:
                member = recipients.get(path)
                ids = [member.member_id] if member else everyone
                add(path, kind, _rows(batch.ledger, item.meeting, ids), meeting_id=item.meeting.meeting_id,
                    **({"member_id": member.member_id} if member else {}))
        elif item.kind == "minutes" and item.path:
            add(item.path, "minutes", _rows(batch.ledger, item.meeting), meeting_id=item.meeting.meeting_id)
    for path in batch.annual:
        add(path, "annual", ["基本情報"])
    return entries


def _remove_stale(folder: Path, previous: dict, files: list[dict]) -> None:
    """Files an earlier run of this batch made that this run did not (a member who left, say)."""
    keep = {f["path"] for f in files}
    for entry in previous.get("files", []):
        for key in ("path", "pdf"):
            rel = entry.get(key)
            if rel and rel not in keep and not any(f.get("pdf") == rel for f in files):
                try:
                    inside(folder, rel).unlink()
                except OSError:
                    pass


def _manifest(batch: Batch, ledger_path: str | Path) -> dict:
    info = batch.ledger.info
    meetings = []
    by_path = {f["path"]: f for f in batch.files}
    for item in batch.items:
        council = batch.ledger.index("councils", "council_id").get(item.meeting.council_id)
        entry = {"kind": item.kind, "meeting_id": item.meeting.meeting_id, "date": str(item.meeting.date),
                 "date_text": format_date(item.meeting.date, info.date_style),
                 "title": meeting_title(council, item.meeting) if council else item.meeting.meeting_id}
        if item.kind == "invitation":
            entry |= {"version": meeting_version(item.meeting), "history": item.history, "late": item.late,
                      "days_left": item.days_left, "revised": item.revised, "skipped": item.skip_reason,
                      "letters": []}
            if item.result and item.result.folder:
                for path, member in zip(item.result.letters, item.plan.recipients):
                    rel = path.relative_to(batch.folder).as_posix()
                    entry["letters"].append({
                        "member_id": member.member_id, "name": member.name, "honorific": member.honorific or "様",
                        "delivery": member.delivery, "email": member.email, "file": rel,
                        "sha256": by_path[rel]["sha256"], "pdf": by_path[rel].get("pdf", "")})
        else:
            entry |= {"skipped": item.skip_reason,
                      "file": item.path.relative_to(batch.folder).as_posix() if item.path else ""}
        meetings.append(entry)
    return {
        "format": 1,
        "month": batch.month,
        "ledger": {"name": Path(ledger_path).name, "sha256": sha256(Path(ledger_path).read_bytes())},
        "sender": {"municipality": info.municipality, "mayor_title": info.mayor_title, "mayor_name": info.mayor_name,
                   "department": info.department, "contact_person": info.contact_person, "phone": info.phone,
                   "fax": info.fax, "email": info.email},
        "meetings": meetings,
        "files": batch.files,
    }


def format_summary(batch: Batch) -> str:
    """Per meeting: letters, labels, e-mails due, late or not, revised, skipped; then totals."""
    year, mon = parse_month(batch.month)
    lines = [messages.MONTHLY_HEADER.format(month=f"{year}年{mon}月", folder=batch.folder.name), ""]
    letters = emails = 0
    for item in batch.items:
        meeting = item.meeting
        council = batch.ledger.index("councils", "council_id").get(meeting.council_id)
        title = meeting_title(council, meeting) if council else meeting.meeting_id
        date = format_date(meeting.date)
        if item.kind == "minutes":
            detail = item.skip_reason or messages.MONTHLY_MINUTES_MADE
            lines.append(messages.MONTHLY_LINE.format(kind="議事録", id=meeting.meeting_id, title=title, date=date,
                                                     detail=detail))
            for f in item.blocking:
                lines.append(f"    {f.line()}")
            continue
        r = item.result
        if item.skip_reason:
            detail = item.skip_reason
        else:
            detail = messages.MONTHLY_LETTERS.format(letters=len(r.letters), post=r.count("郵送"),
                                                     mail=r.count("メール"), hand=r.count("手渡し"),
                                                     labels=r.count("郵送"))
            letters += len(r.letters)
            emails += r.count("メール")
        flags = []
        if item.late:
            flags.append(messages.MONTHLY_LATE.format(days=item.days_left))
        if item.revised:
            flags.append(messages.MONTHLY_REVISED)
        lines.append(messages.MONTHLY_LINE.format(kind="通知", id=meeting.meeting_id, title=title, date=date,
                                                 detail=detail + "".join(flags)))
        for f in item.blocking:
            lines.append(f"    {f.line()}")
        if item.revised and item.previous_letters:
            people = "、".join(f"{p['name']}（{p['delivery']}{'・メール送信済み' if p['emailed'] else ''}）"
                              for p in item.previous_letters)
            lines.append(messages.MONTHLY_PREVIOUS.format(people=people))
    if batch.annual:
        lines.append(messages.MONTHLY_ANNUAL.format(files="、".join(p.name for p in batch.annual)))
    skipped = sum(1 for i in batch.items if i.skip_reason and i.blocking)
    lines += ["", messages.MONTHLY_TOTAL.format(letters=letters, emails=emails, skipped=skipped,
                                                files=len(batch.files))]
    return "\n".join(lines)
