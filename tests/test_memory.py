"""What the batch keeps in memory is smaller, and what it writes is the same."""
from __future__ import annotations

import json

from generator.batch.store import FileEntry, LetterEntry, Manifest, MeetingEntry


def _manifest(complete: bool = True, files: int = 3) -> Manifest:
    letter = LetterEntry(member_id="M1", name="山田 太郎\n改行", honorific="様", delivery="郵送", email="", file="通知/a.docx",
                         sha256="0" * 64, version="v")
    meetings = [MeetingEntry(kind="invitation", meeting_id="K1", date="2026-12-01", date_text="令和8年12月1日",
                             title="第1回 \"会議\" \u2028", history=["h1"], days_left=3, letters=[letter, letter]),
                MeetingEntry(kind="minutes", meeting_id="K2", date="2026-11-01", date_text="", title="t", file="x.docx"),
                MeetingEntry(kind="meeting_summary", meeting_id="K3", date="", date_text="", title="", letters=[letter])]
    return Manifest(month="2026-12", ledger_name="台帳.xlsx", ledger_sha256="f" * 64,
                    sender={"municipality": "あおば町", "phone": ""}, meetings=meetings, complete=complete,
                    files=[FileEntry(path=f"開催通知/{i}.docx", sha256="1" * 64, kind="letter",
                                     rows=["会議!2", "構成員!3"] if i else [], meeting_id="K1" if i % 2 else "",
                                     pdf="a.pdf" if i == 2 else "", pdf_sha256="2" * 64 if i == 2 else "")
                           for i in range(files)])


def test_manifest_bytes_are_what_json_dumps_of_the_whole_tree_gave():
    for manifest in (_manifest(), _manifest(complete=False), _manifest(files=0), Manifest(month="2027-01")):
        expected = (json.dumps(manifest.to_json(), ensure_ascii=False, indent=1) + "\n").encode("utf-8")
        assert manifest.json_bytes() == expected
        assert Manifest.from_json(json.loads(manifest.json_bytes())) == manifest
