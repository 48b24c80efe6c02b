"""Document contexts: the model turned into the plain, formatted values templates print.

Templates see only dicts of strings, lists and booleans (the sandbox forbids
anything cleverer), with dates and times already in Japanese official style.
"""
from __future__ import annotations

import datetime as dt

from ..japanese import (addressee, format_date, format_postal, format_time_range, next_business_day,
                       previous_business_day, seasonal_greeting)
from ..ledger.model import Coordinator, Council, Info, Ledger, Meeting, Member

# A late letter still gives its reader this many days to answer when the meeting allows (§4.1).
LATE_REPLY_DAYS = 7


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

    A letter posted late (`posted` given) leaves at least LATE_REPLY_DAYS to
    answer when an office day that late still falls before the meeting, else
    the answer is due the office day before the meeting (§4.1).
    """
    if meeting.reply_by and (posted is None or meeting.reply_by >= posted + dt.timedelta(days=LATE_REPLY_DAYS)):
        return meeting.reply_by
    # A typed 回答期限 set for the usual posting day would leave a letter posted
    # later too little time: it is recomputed as for any late letter.
    reply = meeting.reply_by or previous_business_day(meeting.date - dt.timedelta(days=info.reply_days))
    if posted is None or reply >= posted + dt.timedelta(days=LATE_REPLY_DAYS):
        return reply
    week_later = next_business_day(posted + dt.timedelta(days=LATE_REPLY_DAYS))
    if week_later < meeting.date:
        return week_later
    return max(previous_business_day(meeting.date - dt.timedelta(days=1)), posted)


def municipality_context(info: Info) -> dict:
    return {
        "name": info.municipality, "prefecture": info.prefecture, "self_ref": self_reference(info.municipality),
        "vision": info.vision,
    }


def contact_context(info: Info) -> dict:
    """The 担当課 of 基本情報 as a letter's contact (問い合わせ先) and RSVP return address."""
    return _with_reply_ways({
        "department": info.department, "person": info.contact_person, "phone": info.phone, "fax": info.fax,
        "email": info.email, "postal": format_postal(info.postal_code), "address": info.address,
        "role": "", "is_coordinator": False,
    })


def coordinator_contact(sc: Coordinator) -> dict:
    """An SC as a letter's contact: name, 所属, telephone and e-mail (an SC row has no address)."""
    return _with_reply_ways({
        "department": sc.org, "person": sc.name, "role": "生活支援コーディネーター", "phone": sc.phone,
        "fax": "", "email": sc.email, "postal": "", "address": "", "is_coordinator": True,
    })


def _with_reply_ways(contact: dict) -> dict:
    # The RSVP names only the ways this contact can actually take an answer.
    ways = [way for way, usable in (("FAX", contact["fax"]), ("メール", contact["email"]),
                                    ("郵送", contact["address"])) if usable]
    contact["reply_ways"] = f"{'・'.join(ways)}または持参" if ways else "電話または持参"
    return contact


def letter_contact(ledger: Ledger, council: Council, day: dt.date) -> dict:
    """Who answers a letter's questions (§4.1): for 第2層 an SC, else the 担当課.

    第2層: the SC named by 問い合わせ先SC_ID, else the 第2層 SC of the council's
    area in office on the letter's date. An SC not in office that day, or one
    with neither telephone nor e-mail, cannot answer; the next choice is used.
    """
    if council.layer == 2:
        named = ledger.index("coordinators", "sc_id").get(council.contact_sc_id) if council.contact_sc_id else None
        local = sorted((sc for sc in ledger.coordinators
                        if sc.area_id == council.area_id and sc.layer == 2 and sc.in_office_on(day)),
                       key=lambda sc: (sc.start or dt.date.min, sc.row))
        for sc in ([named] if named else []) + local:
            if sc.in_office_on(day) and (sc.phone or sc.email):
                return coordinator_contact(sc)
    return contact_context(ledger.info)


def sender_context(info: Info, council: Council) -> dict:
    """Whose name a letter goes out in (§4.1) and whether it is the 首長's.

    第1層: the 首長. 第2層: the council's 発信者, else its 事務局, else the 首長.
    Only a letter in the 首長's name carries 文書番号 and （公印省略）.
    """
    if council.layer == 2 and council.sender:
        line = council.sender
    elif council.layer == 2 and council.secretariat:
        line = f"{council.name}　事務局（{council.secretariat}）"
    else:
        return {"title": info.mayor_title, "name": info.mayor_name, "line": f"{info.mayor_title}　{info.mayor_name}",
                "is_mayor": True, "seal_omitted": info.seal_omitted == "はい"}
    # title/name stay filled so templates edited before 発信者 existed still print the sender.
    return {"title": line, "name": "", "line": line, "is_mayor": False, "seal_omitted": False}


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
    organisation = member.organisation
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
        "organisation": organisation,
    }


def letter_context(ledger: Ledger, council: Council, meeting: Meeting, member: Member,
                   posted: dt.date | None = None) -> dict:
    """Everything templates/invitation.docx prints for one recipient.

    `posted` overrides the letter's date: a late letter is dated the day the
    batch actually posts it, apologises and still leaves time to answer.
    """
    info = ledger.info
    late = posted is not None
    posted = posted or posting_date(info, meeting)
    meeting_ctx = meeting_context(ledger, council, meeting, posted if late else None)
    sender = sender_context(info, council)
    municipality = municipality_context(info)
    if not sender["is_mayor"]:
        # 「本町」 is the town speaking of itself; a council's own letter names the town.
        municipality["self_ref"] = info.municipality
    return {
        "doc_number": meeting.doc_number if sender["is_mayor"] else "",
        "letter_date": format_date(posted, info.date_style, weekday=False),
        "greeting": seasonal_greeting(posted),
        "title": f"{meeting_ctx['title']}の開催について（通知）",
        "late": late,
        "recipient": recipient_context(member),
        "sender": sender,
        "meeting": meeting_ctx,
        "municipality": municipality,
        "contact": letter_contact(ledger, council, posted),
    }


EMPTY_LABEL = {"postal": "", "address1": "", "address2": "", "org_line": "", "addressee": ""}
LABELS_PER_SHEET = 12


def labels_context(members: list[Member], start: int = 1) -> dict:
    """templates/labels.docx: rows of two labels, left then right.

    `start` (1-12) is the first free label of a part-used sheet: the ones
    before it stay blank, so nothing prints over a label already peeled off.
    """
    labels = [EMPTY_LABEL] * (start - 1) + [recipient_context(m) for m in members]
    rows = []
    for i in range(0, len(labels), 2):
        right = labels[i + 1] if i + 1 < len(labels) else EMPTY_LABEL
        rows.append({"left": labels[i], "right": right})
    return {"rows": rows}
