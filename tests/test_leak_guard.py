"""The public documents' name guard finds and replaces exactly what one search per name found and replaced."""
from __future__ import annotations

import datetime as dt
import random

import leak_reference as before
from conftest import SAMPLE, zip_of

from generator.documents import public_minutes
from generator.documents.base import load_template
from generator.documents.minutes import MINUTES_TEMPLATE, minutes_context
from generator.documents.newsletter import newsletter_context
from generator.documents.public_minutes import NameFinder, PrivateNames, prepared
from generator.ledger.check import load_and_check
from generator.ledger.model import Attendance, Coordinator, Ledger, Meeting, Member

# Names built to trip a matcher: names inside names (山 / 山田 / 山田 太郎), the same name with an
# ASCII space, an ideographic space and none, names inside place names and inside the template's
# own words (会議, 地域), regex characters, a one-letter name, and parts that end like a word of
# address begins (田さ).
NAMES = ["山田 太郎", "山田　花子", "山田", "田 太", "佐藤 一", "佐藤一郎", "会議", "地域 太郎", "a.b c", "(x) [y]", "A|B 子",
         "中央 公民館", "藤", "小川 和 子", "高橋 SC", "太郎 さん"]
PLACES = ["山田 太郎様宅", "中央公民館", "佐藤一郎商店の二階", "会議室"]
WORDS = ["さん", "様", "氏", "委員", "副座長", "座長", "SC", "ＳＣ", "コーディネーター", " ", "\u3000", "、", "が", "（", "）",
         "<w:t>", "</w:t>", "会議", "地域"]


def hostile_ledger() -> tuple[Ledger, list[Meeting]]:
    members = [Member(member_id=f"M{i}", council_id=f"C{i % 3}", name=name, row=i + 2,
                      honorific="御中" if i == 6 else "様", org="社協" if i % 4 == 0 else "",
                      position="会長" if i % 5 == 0 else "")
               for i, name in enumerate(NAMES)]
    meetings = [Meeting(meeting_id=f"K{i}", council_id=f"C{i % 3}", place=PLACES[i % len(PLACES)],
                        place_address="あおば町 山田 1", row=i + 2) for i in range(4)]
    attendance = [Attendance(meeting_id="K1", member_id="M1", answer="代理出席", proxy="代理 山田 次郎", row=2),
                  Attendance(meeting_id="K2", member_id="M2", answer="代理出席", proxy="太郎", row=3),
                  Attendance(meeting_id="K2", member_id="M5", answer="代理出席", proxy="代理者：田 太郎丸", row=4)]
    coordinators = [Coordinator(sc_id="S1", name="高橋 SC", row=2), Coordinator(sc_id="S2", name="北　SC", row=3)]
    return Ledger(members=members, meetings=meetings, attendance=attendance, coordinators=coordinators), meetings


def hostile_texts(count: int, seed: int = 13) -> list[str]:
    rng = random.Random(seed)
    pieces = NAMES + PLACES + WORDS + [n.replace(" ", "") for n in NAMES] + ["山", "田", "太", "郎", "子"]
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))) for _ in range(count)]


def test_a_finder_finds_every_name_a_search_for_each_finds():
    names = NAMES + [n.replace(" ", "") for n in NAMES] + ["x" * 40, "山" * 30]
    finder = NameFinder(names)
    for text in hostile_texts(400) + ["", "x" * 39, "山" * 31, "ab(x) [y]c"]:
        assert finder.found(text) == {n for n in names if n in text}, text


def test_the_guard_finds_and_replaces_what_it_did_on_hostile_names():
    ledger, meetings = hostile_ledger()
    texts = hostile_texts(300)
    for meeting in meetings:
        table = before.private_names(ledger, meeting)
        assert public_minutes.private_names(ledger, meeting) == table
        assert list(public_minutes.private_names(ledger, meeting)) == list(table)      # the same order too
        assert public_minutes.private_place(ledger, meeting) == before.private_place(ledger, meeting)
        old, new = before.redactor(ledger, meeting), public_minutes.redactor(ledger, meeting)
        context = {"lines": texts, "nested": {"a": texts[:20], "n": 3}}
        assert new(context) == old(context)
        assert sum(a != b for a, b in zip(new(texts), texts)) > 200       # most lines had a name to replace
        for i in range(0, len(texts), 10):
            body = "".join(f"<w:t>{t}</w:t>" for t in texts[i:i + 10])
            data = zip_of({"word/document.xml": body, "docProps/core.xml": f"<dc:title>{texts[i]}</dc:title>",
                         "word/media/x.png": "山田 太郎"})
            expected = before.leaked_names(data, table)
            assert len(expected) > 3
            assert PrivateNames(ledger).leaked(data, meeting) == expected
            assert public_minutes.leaked_names(data, table) == expected
    # Found at all: the cases above are not all empty.
    assert before.leaked_names(zip_of({"word/document.xml": "<w:t>山田さん</w:t>"}), table) == ["山田", "山田さん"]


def test_the_guard_finds_what_it_did_on_the_sample():
    ledger, _report = load_and_check(SAMPLE, 2026, as_of=dt.date(2027, 3, 1))
    template = load_template(MINUTES_TEMPLATE.filename)
    held = [m for m in ledger.meetings if m.held_as_of(dt.date(2027, 3, 1))]
    assert len(held) >= 10
    leaks = 0
    with prepared(ledger) as names:
        for meeting in held:
            table = before.private_names(ledger, meeting)
            assert public_minutes.private_names(ledger, meeting) == table
            # The plain minutes name everyone: the guard must find the same names in them.
            plain = template.render(minutes_context(ledger, meeting))
            found = names.leaked(plain, meeting)
            assert found == before.leaked_names(plain, table)
            leaks += bool(found)
            public = public_minutes.public_context(ledger, meeting)
            redact = before.redactor(ledger, meeting)
            context = minutes_context(ledger, meeting)
            context["title"] += "（公開用）"
            if before.private_place(ledger, meeting):
                context["meeting"] = context["meeting"] | {"place": public_minutes.PRIVATE_PLACE, "place_address": ""}
            assert public == redact(context)
            assert names.leaked(template.render(public), meeting) == []
            letter = newsletter_context(ledger, meeting)
            assert names.leaked(load_template("newsletter.docx").render(letter), meeting) == []
    assert leaks >= 10
