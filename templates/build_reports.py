"""Build the 引継書 (handover) and 協議体だより (public newsletter) templates.

    python templates/build_reports.py     (build_templates.py runs it too)
"""
from __future__ import annotations

import sys
from pathlib import Path

from docx.shared import Pt

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_templates import C, GOTHIC, R, heading, loop_table, new_document, para, save  # noqa: E402
from build_meeting_papers import _drop_first_empty  # noqa: E402


def bullets(doc, loop: str, line: str, empty: str) -> None:
    """One '・' paragraph per item of `loop` ('d in decisions'), and `empty` when there is none."""
    name = loop.split(" in ", 1)[1]
    para(doc, "{%p for " + loop + " %}")
    para(doc, line, left=10.5)
    para(doc, "{%p endfor %}")
    para(doc, "{%p if not " + name + " %}")
    para(doc, empty, left=10.5)
    para(doc, "{%p endif %}")


def build_handover() -> Path:
    """引継書: what a successor needs on their first day (第1節5(1) 引継ぎやサポートは確実かつ丁寧に)."""
    doc = new_document(top=18, bottom=16, left=20, right=18)
    para(doc, "生活支援体制整備事業　引継書", align=C, size=16, bold=True, font=GOTHIC)
    para(doc, "{{ as_of }}現在　{{ municipality }}　{{ department }}", align=C, space_after=8)
    para(doc, "この引継書は台帳（{{ ledger_name }}）から作りました。数字と名前は台帳のとおりです。", size=9)

    heading(doc, "１　目指す地域像")
    para(doc, "{{ vision }}", left=10.5)

    heading(doc, "２　生活支援コーディネーター（{{ as_of_short }}に在任）")
    loop_table(doc, ["層", "担当圏域", "氏名", "所属（種別）", "勤務形態", "連絡先", "配置日"],
               ["{{ s.layer }}", "{{ s.area }}", "{{ s.name }}", "{{ s.org }}", "{{ s.work_style }}",
                "{{ s.contact }}", "{{ s.start }}"],
               [10, 24, 22, 36, 14, 38, 24], "for s in coordinators")
    para(doc, "{%p if coordinator_changes %}")
    para(doc, "交代・終了予定: {% for c in coordinator_changes %}{{ c }}{% if not loop.last %}、{% endif %}{% endfor %}",
         size=9.5, left=10.5)
    para(doc, "{%p endif %}")

    heading(doc, "３　協議体")
    para(doc, "{%p for c in councils %}")
    para(doc, "（{{ loop.index }}）{{ c.name }}（第{{ c.layer }}層・{{ c.area }}）", bold=True, font=GOTHIC, keep=True)
    para(doc, "座長: {{ c.chair }}　事務局: {{ c.secretariat }}　年間目標 {{ c.target }} 回", left=10.5)
    para(doc, "前回: {{ c.last }}", left=10.5)
    para(doc, "次回: {{ c.next }}", left=10.5)
    loop_table(doc, ["構成員", "所属・役職", "役割", "団体種別", "送付方法"],
               ["{{ m.name }}", "{{ m.org_line }}", "{{ m.role }}", "{{ m.org_kind }}", "{{ m.delivery }}"],
               [30, 60, 20, 36, 22], "for m in c.members")
    para(doc, "{%p if c.homework %}")
    para(doc, "結果が未記入の宿題:", left=10.5, size=10)
    para(doc, "{%p for h in c.homework %}")
    para(doc, "・{{ h.content }}（担当: {{ h.owner }}、期限: {{ h.due }}、{{ h.meeting }}）", left=21, size=10)
    para(doc, "{%p endfor %}")
    para(doc, "{%p endif %}")
    para(doc, "{%p if c.issues %}")
    para(doc, "圏域の地域課題・資源（段階別）: {{ c.issues }}", left=10.5, size=10)
    para(doc, "{%p endif %}")
    para(doc, "", space_after=4)
    para(doc, "{%p endfor %}")

    heading(doc, "４　住民主体の活動")
    loop_table(doc, ["名称", "種類", "圏域", "頻度", "担い手", "支援内容"],
               ["{{ a.name }}", "{{ a.kind }}", "{{ a.area }}", "{{ a.frequency }}", "{{ a.helpers }}",
                "{{ a.support }}"],
               [40, 18, 24, 26, 14, 46], "for a in activities")

    heading(doc, "５　地域ケア会議との連携（直近1年）")
    para(doc, "{{ care.summary }}", left=10.5)
    para(doc, "{%p if care.open %}")
    para(doc, "協議体でまだ取り上げていない地域課題:", left=10.5, size=10)
    para(doc, "{%p for x in care.open %}")
    para(doc, "・{{ x }}", left=21, size=10)
    para(doc, "{%p endfor %}")
    para(doc, "{%p endif %}")

    heading(doc, "６　台帳の点検で残っている指摘")
    para(doc, "{%p if findings %}")
    loop_table(doc, ["種別", "場所", "内容"], ["{{ f.severity }}", "{{ f.location }}", "{{ f.message }}"],
               [14, 34, 120], "for f in findings")
    para(doc, "{%p else %}")
    para(doc, "指摘はありません。", left=10.5)
    para(doc, "{%p endif %}")
    para(doc, "")
    para(doc, "引継ぎ日　　　年　　月　　日　　前任者　　　　　　　　　　後任者　　　　　　　　　　", align=R)
    _drop_first_empty(doc)
    return save(doc, "handover.docx")


def build_newsletter() -> Path:
    """協議体だより: one public page about a council's latest meeting (第1節3(6) 広報媒体で外部へ周知)."""
    doc = new_document(top=18, bottom=15, left=22, right=20)
    title = para(doc, "{{ council }}だより", align=C, size=22, bold=True, font=GOTHIC)
    title.paragraph_format.space_after = Pt(2)
    para(doc, "{{ issue_line }}", align=C, size=10.5, space_after=10)
    para(doc, "{{ lead }}", size=11, space_after=8)
    heading(doc, "■ 話し合ったこと")
    para(doc, "{%p for a in agenda %}")
    para(doc, "・{{ a }}", left=10.5, size=11)
    para(doc, "{%p endfor %}")
    para(doc, "{%p if decisions %}")
    heading(doc, "■ 決まったこと")
    para(doc, "{%p for d in decisions %}")
    para(doc, "・{{ d }}", left=10.5, size=11)
    para(doc, "{%p endfor %}")
    para(doc, "{%p endif %}")
    para(doc, "{%p if activities %}")
    heading(doc, "■ 参加できる活動")
    para(doc, "{%p for a in activities %}")
    para(doc, "・{{ a.name }}（{{ a.kind }}{% if a.frequency %}・{{ a.frequency }}{% endif %}）", left=10.5, size=11)
    para(doc, "{%p endfor %}")
    para(doc, "{%p endif %}")
    heading(doc, "■ 次回の協議体")
    para(doc, "{{ next }}", left=10.5, size=11)
    para(doc, "どなたでも見学できます。お気軽にお問い合わせください。", left=10.5, size=10)
    para(doc, "")
    para(doc, "お問い合わせ: {{ contact }}", align=R, size=10)
    _drop_first_empty(doc)
    return save(doc, "newsletter.docx")


def build_appointment() -> Path:
    """委嘱状: one page per member, in the sender's name (DOMAIN.md §4.1)."""
    doc = new_document(top=30, bottom=25, left=30, right=28)
    para(doc, "{%p for a in appointments %}")
    for _ in range(2):
        para(doc, "")
    para(doc, "委　嘱　状", align=C, size=26, bold=True, font=GOTHIC, space_after=30)
    para(doc, "{%p if a.recipient.org_line %}")
    para(doc, "{{ a.recipient.org_line }}", size=14, left=20)
    para(doc, "{%p endif %}")
    para(doc, "{{ a.recipient.addressee }}", size=18, left=20, space_after=40)
    para(doc, "あなたを{{ council }}の{{ a.role }}に委嘱します。", size=16, left=20, space_after=20)
    para(doc, "{%p if a.period %}")
    para(doc, "委嘱期間　{{ a.period }}", size=14, left=20)
    para(doc, "{%p endif %}")
    for _ in range(8):
        para(doc, "")
    para(doc, "{{ a.date }}", size=14, left=200)
    para(doc, "")
    para(doc, "{{ sender.line }}", size=14, align=R)
    para(doc, "{%p if not loop.last %}")
    brk = para(doc, "")
    from docx.enum.text import WD_BREAK

    brk.add_run().add_break(WD_BREAK.PAGE)
    para(doc, "{%p endif %}")
    para(doc, "{%p endfor %}")
    _drop_first_empty(doc)
    return save(doc, "appointment.docx")


def build_member_list() -> Path:
    """委員名簿: a council's members as of a date."""
    doc = new_document(top=18, bottom=15, left=18, right=15)
    para(doc, "{{ council }}　委員名簿", align=C, size=15, bold=True, font=GOTHIC)
    para(doc, "{{ as_of }}現在　{{ count }} 名", align=R, space_after=6)
    loop_table(doc, ["No", "氏名", "所属・役職", "団体種別", "役割", "就任日", "退任予定"],
               ["{{ loop.index }}", "{{ m.name }}", "{{ m.org_line }}", "{{ m.org_kind }}", "{{ m.role }}",
                "{{ m.start }}", "{{ m.end }}"],
               [9, 25, 44, 28, 17, 27, 27], "for m in members")
    para(doc, "")
    para(doc, "{{ municipality }}", align=R)
    _drop_first_empty(doc)
    return save(doc, "member_list.docx")


def build_meeting_summary() -> Path:
    """会議のまとめ: the results of a meeting, sent to each member afterwards (第1節3(6)④)."""
    doc = new_document()
    for text in ("{{ recipient.postal }}", "{{ recipient.address1 }}", "{{ recipient.address2 }}",
                 "{{ recipient.org_line }}"):
        field = text[3:-3]
        para(doc, "{%p if " + field + " %}")
        para(doc, text)
        para(doc, "{%p endif %}")
    para(doc, "{{ recipient.addressee }}", size=12)
    para(doc)
    para(doc, "{{ sender.line }}", align=R)
    para(doc)
    para(doc, "{{ title }}", align=C, size=13, bold=True, font=GOTHIC, space_after=6)
    para(doc, "{{ meeting.date }}に{{ meeting.place }}で開いた{{ meeting.title }}の話し合いの結果を、"
              "次のとおりまとめました。ご出席できなかった方もご確認ください。", indent_first=10.5, space_after=4)
    para(doc, "{%p if meeting.agenda %}")
    para(doc, "議題：{% for a in meeting.agenda %}{{ a }}{% if not loop.last %}、{% endif %}{% endfor %}", left=10.5)
    para(doc, "{%p endif %}")
    heading(doc, "１　決まったこと")
    bullets(doc, "d in decisions", "・{{ d }}", "今回は決定事項はありません。")
    heading(doc, "２　引き続き話し合うこと")
    bullets(doc, "d in pending", "・{{ d }}", "ありません。")
    heading(doc, "３　次回までの宿題")
    para(doc, "{%p if homework %}")
    loop_table(doc, ["内容", "担当", "期限"], ["{{ h.content }}", "{{ h.owner }}", "{{ h.due }}"], [92, 32, 42],
               "for h in homework")
    para(doc, "{%p else %}")
    para(doc, "ありません。", left=10.5)
    para(doc, "{%p endif %}")
    heading(doc, "４　出された地域の課題・資源・アイデア")
    bullets(doc, "f in found", "・【{{ f.kind }}】{{ f.content }}", "ありません。")
    heading(doc, "５　次回の予定")
    para(doc, "{{ next.text }}", left=10.5)
    para(doc, "{%p if next.agenda %}")
    para(doc, "議題（予定）：{% for a in next.agenda %}{{ a }}{% if not loop.last %}、{% endif %}{% endfor %}",
         left=10.5)
    para(doc, "{%p endif %}")
    para(doc)
    para(doc, "【問い合わせ先】{{ contact.department }}{% if contact.person %}　{% if contact.role %}{{ contact.role }}"
              "　{% endif %}{{ contact.person }}{% endif %}"
              "{% if contact.phone %}　電話：{{ contact.phone }}{% endif %}{% if contact.email %}　メール："
              "{{ contact.email }}{% endif %}", size=9.5)
    _drop_first_empty(doc)
    return save(doc, "meeting_summary.docx")


def build_all() -> list[Path]:
    return [build_handover(), build_newsletter(), build_appointment(), build_member_list(), build_meeting_summary()]


if __name__ == "__main__":
    for built in build_all():
        print(built)
