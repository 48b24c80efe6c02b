"""Every human-readable summary of a result, in Japanese.

The CLI prints these; a web page shows the same text. Nothing here runs a
workflow: each function takes a result value and returns lines.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from . import messages
from .japanese import format_date
from .ledger.findings import ERROR, INFO, SEVERITY_JA, WARNING, Report
from .ledger.rules import fiscal_year_label

if TYPE_CHECKING:  # result types only; importing them here would load every stage
    from .batch.monthly import Batch
    from .batch.send import SendReport
    from .documents.annual import AnnualResult
    from .workflows import InvitationsRun, MinutesRun


def format_report(report: Report, show_all: bool = False) -> str:
    """The text of a report: actionable findings by sheet, past ones (one line unless `show_all`), counts."""
    lines = [messages.CHECK_HEADER.format(path=report.path, fy=fiscal_year_label(report.fiscal_year))]
    if report.as_of:
        lines.append(messages.CHECK_AS_OF.format(date=format_date(report.as_of)))
    lines.append("")
    lines += _findings_by_sheet(report.actionable)
    past = report.past
    if past and show_all:
        lines += [messages.CHECK_PAST_HEADER, ""] + _findings_by_sheet(past, indent="    ")
    elif past:
        detail = "、".join(messages.CHECK_PAST_DETAIL.format(label=SEVERITY_JA[s], count=n) for s in (
            ERROR, WARNING, INFO) if (n := sum(1 for f in past if f.severity == s)))
        lines += [messages.CHECK_PAST_SUMMARY.format(count=len(past), detail=detail), ""]
    if not report.findings:
        lines.append(messages.CHECK_CLEAN)
    lines.append(messages.CHECK_SUMMARY.format(
        errors=report.count(ERROR), warnings=report.count(WARNING), infos=report.count(INFO)))
    return "\n".join(lines)


def _findings_by_sheet(findings, indent: str = "  ") -> list[str]:
    lines: list[str] = []
    current = None
    for f in findings:
        if f.sheet != current:
            if current is not None:
                lines.append("")
            current = f.sheet
            lines.append(indent[:-2] + (messages.CHECK_SHEET.format(sheet=f.sheet) if f.sheet
                                         else messages.CHECK_WORKBOOK))
        lines.append(f"{indent}{f.line(with_source=True)}")
    if findings:
        lines.append("")
    return lines


def _date(meeting) -> str:
    return format_date(meeting.date) if meeting.date else "日付不明"


def format_invitations(run: "InvitationsRun") -> str:
    """Per meeting what was made or why not, the errors that stopped it, and a total line."""
    if not run.results:
        return messages.INVITATIONS_NONE
    lines = []
    for r in run.results:
        plan = r.plan
        if plan.skip_reason:
            lines.append(messages.INVITATIONS_MEETING.format(title=plan.title, date=_date(plan.meeting),
                                                             detail=plan.skip_reason))
            lines += [f"  {f.line()}" for f in plan.blocking]
        else:
            made = messages.INVITATIONS_MADE.format(
                letters=len(r.letters), post=r.count("郵送"), mail=r.count("メール"), hand=r.count("手渡し"),
                labels=r.count("郵送"), folder=r.folder)
            lines.append(messages.INVITATIONS_MEETING.format(title=plan.title, date=_date(plan.meeting), detail=made))
    made = [r for r in run.results if not r.plan.skip_reason]
    lines.append("")
    lines.append(messages.INVITATIONS_TOTAL.format(meetings=len(run.results), made=len(made),
                                                   skipped=len(run.results) - len(made),
                                                   letters=sum(len(r.letters) for r in made)))
    return "\n".join(lines)


def format_minutes(run: "MinutesRun") -> str:
    """Per meeting the minutes file or why there is none, and a total line."""
    if not run.results:
        return messages.INVITATIONS_NONE
    lines = []
    for r in run.results:
        title = run.titles[r.meeting.meeting_id]
        if r.path:
            lines.append(messages.MINUTES_MADE.format(title=title, date=_date(r.meeting), path=r.path))
        else:
            lines.append(messages.INVITATIONS_MEETING.format(title=title, date=_date(r.meeting), detail=r.skip_reason))
            lines += [f"  {f.line()}" for f in r.blocking or []]
    made = sum(1 for r in run.results if r.path)
    lines.append(messages.MINUTES_TOTAL.format(meetings=len(run.results), made=made, skipped=len(run.results) - made))
    return "\n".join(lines)


def format_annual(result: "AnnualResult") -> str:
    """Where the report and workbook went, and the date they count as of."""
    lines = [messages.ANNUAL_MADE.format(report=result.report, workbook=result.workbook)]
    if result.as_of is not None:
        lines.append((messages.ANNUAL_AS_OF if result.running else messages.ANNUAL_YEAR_END).format(
            as_of=format_date(result.as_of, weekday=False)))
    return "\n".join(lines)


def format_monthly(batch: "Batch") -> str:
    """Per meeting: what each document type made or why not; then totals. Also 一覧.txt."""
    from .documents.invitation import parse_month
    from .documents.registry import document_type
    from .render.context import meeting_title

    year, mon = parse_month(batch.month)
    lines = [messages.MONTHLY_HEADER.format(month=f"{year}年{mon}月", folder=batch.folder.name), ""]
    letters = emails = 0
    for item in batch.items:
        meeting = item.meeting
        doc = document_type(item.kind)
        if meeting is None:
            if item.kind != "annual":      # the year's report has its own line below
                lines.append(f"[{doc.label}] {doc.summary_detail(item)}")
                lines += [f"    {f.line()}" for f in item.blocking]
            continue
        council = batch.ledger.council(meeting.council_id)
        title = meeting_title(council, meeting) if council else meeting.meeting_id
        lines.append(messages.MONTHLY_LINE.format(kind=doc.label,
                                                 id=meeting.meeting_id, title=title,
                                                 date=format_date(meeting.date), detail=doc.summary_detail(item)))
        lines += [f"    {f.line()}" for f in item.blocking]
        lines += doc.summary_notes(item)
        result = getattr(item, "result", None)
        if item.kind == "invitation" and result is not None and not item.skip_reason:
            letters += len(result.letters)
            emails += result.count("メール")
    if batch.annual:
        lines.append(messages.MONTHLY_ANNUAL.format(files="、".join(p.name for p in batch.annual)))
    skipped = sum(1 for i in batch.items if i.skip_reason and i.blocking)
    lines += ["", messages.MONTHLY_TOTAL.format(letters=letters, emails=emails, skipped=skipped,
                                                files=len(batch.files))]
    return "\n".join(lines)


def format_appointments(result) -> str:
    if result.appointments is None:
        return messages.APPOINTMENTS_NOBODY.format(as_of="指定日", roster=result.member_list)
    return messages.APPOINTMENTS_DONE.format(count=result.count, letters=result.appointments,
                                             roster=result.member_list)


def format_monthly_done(batch: "Batch") -> str:
    return messages.MONTHLY_DONE.format(folder=batch.folder, written=batch.written, pdfs=batch.pdfs)


def format_send(report: "SendReport", really: bool) -> str:
    """The dry-run list or what was sent, unconfirmed, failed and skipped, why a run stopped, and a total line."""
    lines = [messages.SEND_BAD_LOG_LINE.format(path=bad.path, line=bad.number) for bad in report.bad_log_lines]
    if not really:
        lines.append(messages.SEND_DRY_HEADER)
        for item in report.would_send:
            lines.append(messages.SEND_DRY_LINE.format(name=item.name, to=item.to, subject=item.subject,
                                                       attachment=item.attachment_name))
    lines += [messages.SEND_SENT_LINE.format(name=item.name, to=item.to) for item in report.sent]
    lines += [messages.SEND_UNCONFIRMED_LINE.format(name=item.name, to=item.to, why=why)
              for item, why in report.unconfirmed]
    lines += [messages.SEND_FAILED_LINE.format(name=item.name, to=item.to, why=why) for item, why in report.failed]
    lines += [messages.SEND_SKIPPED_LINE.format(name=item.name, to=item.to, why=why) for item, why in report.skipped]
    lines += [messages.SEND_NOT_ATTEMPTED_LINE.format(name=item.name, to=item.to) for item in report.not_attempted]
    if report.stopped:
        lines.append(messages.SEND_STOPPED.format(why=report.stopped))
    if really:
        lines.append(messages.SEND_TOTAL.format(sent=len(report.sent), failed=len(report.failed),
                                                unconfirmed=len(report.unconfirmed), skipped=len(report.skipped),
                                                not_attempted=len(report.not_attempted)))
    else:
        lines.append(messages.SEND_DRY_TOTAL.format(count=len(report.would_send), skipped=len(report.skipped)))
    return "\n".join(lines)


def format_exported(paths) -> str:
    """`templates export`: one line per file written."""
    return "\n".join(messages.TEMPLATES_EXPORTED.format(path=path) for path in paths)


def format_template_checks(checks) -> str:
    """`templates check`: each template fine, or the variables it uses that do not exist."""
    lines = []
    for result in checks:
        if result.error:
            lines.append(messages.TEMPLATES_ERROR.format(name=result.title, file=result.path.name, error=result.error))
        elif result.unknown:
            lines.append(messages.TEMPLATES_UNKNOWN.format(name=result.title, file=result.path.name,
                                                           vars="、".join(result.unknown)))
            lines.append(messages.TEMPLATES_AVAILABLE.format(vars="、".join(result.available)))
        else:
            lines.append(messages.TEMPLATES_OK.format(name=result.title, file=result.path.name))
    return "\n".join(lines)


# What each kind of file in a batch is, for lists staff read.
FILE_KINDS = {"letter": "開催通知・出欠回答票（1人分）", "print": "印刷用の通知一式", "labels": "宛名ラベル",
              "sendlist": "送付リスト", "minutes": "議事録", "annual": "年次報告",
              "agenda": "会議次第", "roster": "受付名簿", "nameplates": "名札（A4 二つ折り）",
              "honoraria": "謝礼（報償費）支払一覧", "public_minutes": "公開用会議録",
              "newsletter": "協議体だより", "appointments": "委嘱状",
              "summary_letter": "会議のまとめ（1人分）", "summary_print": "印刷用のまとめ一式", "summary_labels": "宛名ラベル（まとめ）", "labels_all": "宛名ラベル（今月の郵送分すべて）"}


def monthly_counts(batch: "Batch") -> list[tuple[str, int]]:
    """The batch's counts with their Japanese labels: letters, labels, mail planned, late, revised, held back."""
    made = [i for i in batch.items if i.kind == "invitation" and i.result is not None and not i.skip_reason]
    return [
        ("通知", sum(len(i.result.letters) for i in made)),
        ("宛名ラベル", sum(i.result.count("郵送") for i in made)),
        ("メール送信予定", sum(i.result.count("メール") for i in made)),
        ("遅れ", sum(1 for i in batch.items if getattr(i, "late", False))),
        ("改訂", sum(1 for i in batch.items if getattr(i, "revised", False))),
        ("見送り", sum(1 for i in batch.items if i.skip_reason and i.blocking)),
    ]


def batch_contents(manifest) -> list[dict]:
    """Per meeting (and the year's report) the files of a batch, for a page that lists and links them."""
    groups: dict[str, dict] = {}
    titles = {m.meeting_id: (m.title, m.date_text) for m in manifest.meetings}
    for entry in manifest.files:
        key = entry.meeting_id or ""
        title, date = titles.get(key, ("年次報告", "")) if key else ("年次報告", "")
        group = groups.setdefault(key, {"meeting_id": key, "title": title, "date": date, "files": [],
                                        "letters": []})
        # One letter per member: listed apart, so the print file, labels and list stand out.
        group["letters" if entry.kind == "letter" else "files"].append({
            "path": entry.path, "pdf": entry.pdf, "kind": FILE_KINDS.get(entry.kind, entry.kind),
            "name": entry.path.rsplit("/", 1)[-1]})
    return list(groups.values())
