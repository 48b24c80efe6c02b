"""Document contexts: the model turned into the plain, formatted values templates print.

Templates see only dicts of strings, lists and booleans (the sandbox forbids
anything cleverer), with dates and times already in Japanese official style.
"""
from __future__ import annotations

import datetime as dt

from ..japanese import (addressee, format_date, format_postal, format_time_range, previous_business_day,
                       seasonal_greeting)
from ..ledger.model import Council, Info, Ledger, Meeting, Member


def self_reference(municipality: str) -> str:
    """'本町' for あおば町, '本市' for a city: how a letter names its own municipality."""
    last = municipality[-1:] if municipality else ""
    return f"本{last}" if last in ("市", "町", "村", "区") else "本市町村"


def posting_date(info: Info, meeting: Meeting) -> dt.date:
    """The letter's date: 通知日, else 通知送付日数 before the meeting, on an office day."""
    if meeting.notice_date:
        return meeting.notice_date
    return previous_business_day(meeting.date - dt.timedelta(days=info.notice_days))


def reply_date(info: Info, meeting: Meeting, posted: dt.date | None = None) -> dt.date:
    """回答期限: as typed, else 回答期限日数 before the meeting, on an office day.

    A letter posted late (`posted` given) never asks for an answer before it
    arrives: the deadline moves to the office day before the meeting.
    """
    if meeting.reply_by:
        return meeting.reply_by
    reply = previous_business_day(meeting.date - dt.timedelta(days=info.reply_days))
    if posted is not None and reply <= posted:
        reply = max(previous_business_day(meeting.date - dt.timedelta(days=1)), posted)
    return reply


def municipality_context(info: Info) -> dict:
    return {
        "name": info.municipality, "prefecture": info.prefecture, "self_ref": self_reference(info.municipality),
        "vision": info.vision,
    }


def contact_context(info: Info) -> dict:
    return {
        "department": info.department, "person": info.contact_person, "phone": info.phone, "fax": info.fax,
        "email": info.email, "postal": format_postal(info.postal_code), "address": info.address,
    }


def meeting_title(council: Council, meeting: Meeting) -> str:
    return f"第{meeting.number}回 {council.name}" if meeting.number else council.name


def meeting_context(ledger: Ledger, council: Council, meeting: Meeting, posted: dt.date | None = None) -> dict:
    style = ledger.info.date_style
    return {
        "id": meeting.meeting_id,
        "title": meeting_title(council, meeting),
        "council": council.name,
        "number": meeting.number or "",
        "date": format_date(meeting.date, style),
        "time": format_time_range(meeting.start, meeting.end) if meeting.start else "",
        "place": meeting.place,
        "place_address": meeting.place_address,
        "agenda": list(meeting.agenda),
        "bring": meeting.bring or "特になし",
        "form": meeting.form,
        "reply_by": format_date(reply_date(ledger.info, meeting, posted), style),
    }


def recipient_context(member: Member) -> dict:
    organisation = member.honorific == "御中"
    # An organisation addressed as such carries no 役職 line of a person.
    org_line = "" if organisation else " ".join(x for x in (member.org, member.position) if x)
    return {
        "id": member.member_id,
        "name": member.name,
        "honorific": member.honorific or "様",
        "addressee": addressee(member.name, member.honorific or "様"),
        "org": member.org,
        "position": member.position,
        "org_line": org_line,
        "postal": format_postal(member.postal_code),
        "address1": member.address1,
        "address2": member.address2,
        "email": member.email,
        "delivery": member.delivery,
    }


def letter_context(ledger: Ledger, council: Council, meeting: Meeting, member: Member,
                   posted: dt.date | None = None) -> dict:
    """Everything templates/invitation.docx prints for one recipient.

    `posted` overrides the letter's date (a late letter goes out when the batch runs).
    """
    info = ledger.info
    late = posted is not None
    posted = posted or posting_date(info, meeting)
    meeting_ctx = meeting_context(ledger, council, meeting, posted if late else None)
    return {
        "doc_number": meeting.doc_number,
        "letter_date": format_date(posted, info.date_style, weekday=False),
        "greeting": seasonal_greeting(posted),
        "title": f"{meeting_ctx['title']}の開催について（通知）",
        "recipient": recipient_context(member),
        "sender": {"title": info.mayor_title, "name": info.mayor_name,
                   "seal_omitted": info.seal_omitted == "はい"},
        "meeting": meeting_ctx,
        "municipality": municipality_context(info),
        "contact": contact_context(info),
    }


EMPTY_LABEL = {"postal": "", "address1": "", "address2": "", "org_line": "", "addressee": ""}


def labels_context(members: list[Member]) -> dict:
    """templates/labels.docx: rows of two labels, left then right."""
    labels = [recipient_context(m) for m in members]
    rows = []
    for i in range(0, len(labels), 2):
        right = labels[i + 1] if i + 1 < len(labels) else EMPTY_LABEL
        rows.append({"left": labels[i], "right": right})
    return {"rows": rows}
