"""Build the templates printed for the meeting day: 会議次第, 受付名簿 and 名札.

    python templates/build_meeting_papers.py     (build_templates.py runs it too)

Same conventions as build_templates.py: A4, 明朝 for text and ゴシック for
headings, docxtpl tags that staff can edit in Word.
"""
from __future__ import annotations

import sys
from pathlib import Path

from docx.oxml import parse_xml
from docx.shared import Mm, Pt

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_templates import (C, GOTHIC, R, _cell_borders, _fixed_layout, _set_cell_text, new_document,  # noqa: E402
                             para, save)
from docx.oxml import OxmlElement  # noqa: E402
from docx.oxml.ns import qn  # noqa: E402


def build_agenda() -> Path:
    """会議次第: the running order of the guidebook (第1節3(6) 当日進行上の留意点)."""
    doc = new_document(top=25, bottom=20, left=28, right=25)
    para(doc, "{{ title }}", align=C, size=15, bold=True, font=GOTHIC)
    para(doc, "次　　第", align=C, size=15, bold=True, font=GOTHIC, space_after=10)
    para(doc, "日時　{{ meeting.date }}　{{ meeting.time }}", align=R)
    para(doc, "場所　{{ meeting.place }}", align=R, space_after=18)
    items = [
        ("１　開　　会", None),
        ("２　あいさつ", None),
        ("３　目指す地域像の共有", "{%p if vision %}"),
        ("４　近況報告（最近の地域の様子）", None),
        ("５　議　　題", "agenda"),
        ("６　情報提供", None),
        ("７　次回の予定", "next"),
        ("８　閉　　会", None),
    ]
    for text, extra in items:
        para(doc, text, size=12, font=GOTHIC, space_after=4)
        if extra == "{%p if vision %}":
            para(doc, "{%p if vision %}")
            para(doc, "「{{ vision }}」", left=24, space_after=4)
            para(doc, "{%p endif %}")
        elif extra == "agenda":
            para(doc, "{%p for item in agenda %}")
            para(doc, "（{{ loop.index }}）{{ item }}", left=24, size=11.5, space_after=2)
            para(doc, "{%p endfor %}")
            para(doc, "", space_after=8)
        elif extra == "next":
            para(doc, "{%p if next %}")
            para(doc, "{{ next }}", left=24, space_after=4)
            para(doc, "{%p endif %}")
        else:
            para(doc, "", space_after=8)
    para(doc, "")
    para(doc, "{%p if materials %}")
    para(doc, "【配布資料】", size=10.5)
    para(doc, "{%p for m in materials %}")
    para(doc, "・{{ m }}", left=12)
    para(doc, "{%p endfor %}")
    para(doc, "{%p endif %}")
    para(doc, "{{ organiser }}", align=R)
    _drop_first_empty(doc)
    return save(doc, "agenda.docx")


def build_roster() -> Path:
    """受付名簿: members in office with their RSVP, a signature column, blank rows for proxies."""
    doc = new_document(top=15, bottom=12, left=18, right=15)
    para(doc, "{{ title }}　受付名簿", align=C, size=14, bold=True, font=GOTHIC)
    para(doc, "{{ meeting.date }}　{{ meeting.time }}　{{ meeting.place }}", align=C, space_after=6)
    widths = [10, 62, 40, 22, 43]
    table = doc.add_table(rows=5, cols=5)
    _cell_borders(table)
    _fixed_layout(table, widths, cell_margin_mm=(0.5, 1.2, 0.5, 1.2))
    for cell, text in zip(table.rows[0].cells, ["No", "所属・役職", "氏名", "事前の回答", "署名（受付）"]):
        _set_cell_text(cell, text, bold=True, align=C, size=10)
    _set_cell_text(table.rows[1].cells[0], "{%tr for m in members %}")
    for cell, text, align in zip(table.rows[2].cells,
                                 ["{{ loop.index }}", "{{ m.org_line }}", "{{ m.name }}", "{{ m.answer }}", ""],
                                 [C, None, None, C, None]):
        _set_cell_text(cell, text, align=align, size=10)
    _set_cell_text(table.rows[3].cells[0], "{%tr endfor %}")
    header = table.rows[0]._tr.get_or_add_trPr()
    header.append(OxmlElement("w:tblHeader"))
    for row in table.rows:
        _row_height(row, 8.5)
    para(doc, "")
    para(doc, "代理出席・当日参加の方", size=10.5, bold=True, font=GOTHIC)
    blank = doc.add_table(rows=4, cols=5)
    _cell_borders(blank)
    _fixed_layout(blank, widths, cell_margin_mm=(0.5, 1.2, 0.5, 1.2))
    for cell, text in zip(blank.rows[0].cells, ["No", "所属・役職", "氏名", "代理の場合（誰の代理か）", "署名（受付）"]):
        _set_cell_text(cell, text, bold=True, align=C, size=9)
    _set_cell_text(blank.rows[1].cells[0], "{%tr for n in blank_rows %}")
    _set_cell_text(blank.rows[2].cells[0], "{{ n }}", align=C, size=10)
    _set_cell_text(blank.rows[3].cells[0], "{%tr endfor %}")
    for row in blank.rows:
        _row_height(row, 8.5)
    para(doc, "出席 {{ counts.present }} 名・代理出席 {{ counts.proxy }} 名・欠席 {{ counts.absent }} 名・"
              "未回答 {{ counts.unanswered }} 名（事前の回答、{{ counts.as_of }}現在）", size=9, align=R)
    _drop_first_empty(doc)
    return save(doc, "roster.docx")


_A = "http://schemas.openxmlformats.org/drawingml/2006/main"


def _card_box(y_mm: float, upside_down: bool, docpr: int) -> str:
    """A text box half a page tall, for the front face of a tent card (below the fold)."""
    emu = 36000
    x, w, h = 15, 180, 118
    rot = ' rot="10800000"' if upside_down else ""
    run = ('<w:r><w:rPr><w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:eastAsia="{font}"/>'
           '<w:sz w:val="{sz}"/><w:szCs w:val="{sz}"/>{bold}</w:rPr><w:t xml:space="preserve">{text}</w:t></w:r>')
    org = run.format(font="ＭＳ ゴシック", sz=56, bold="", text="{{ m.org_line }}")
    name = run.format(font="ＭＳ ゴシック", sz=144, bold="", text="{{ m.name }}")
    # A name too wide for one line at 72 pt is printed at 60 pt, as the back face shrinks it;
    # at 72 pt Word would break it after six or seven characters.
    small = run.format(font="ＭＳ ゴシック", sz=120, bold="", text="{{ m.name }}")
    center = '<w:pPr><w:jc w:val="center"/><w:spacing w:before="0" w:after="120"/></w:pPr>'
    return (
        '<w:p xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:r><w:drawing>'
        '<wp:anchor xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
        'distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="2" behindDoc="0" locked="1" '
        'layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>'
        f'<wp:positionH relativeFrom="page"><wp:posOffset>{x * emu}</wp:posOffset></wp:positionH>'
        f'<wp:positionV relativeFrom="page"><wp:posOffset>{int(y_mm * emu)}</wp:posOffset></wp:positionV>'
        f'<wp:extent cx="{w * emu}" cy="{h * emu}"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapNone/>'
        f'<wp:docPr id="{docpr}" name="名札 {docpr}"/><wp:cNvGraphicFramePr/>'
        f'<a:graphic xmlns:a="{_A}"><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        '<wps:wsp xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        '<wps:cNvSpPr txBox="1"/>'
        f'<wps:spPr><a:xfrm{rot}><a:off x="0" y="0"/><a:ext cx="{w * emu}" cy="{h * emu}"/></a:xfrm>'
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:noFill/><a:ln><a:noFill/></a:ln></wps:spPr>'
        '<wps:txbx><w:txbxContent>'
        f'<w:p>{center}{org}</w:p>'
        f'<w:p>{center}<w:r><w:t>{{%p if m.long_name %}}</w:t></w:r></w:p><w:p>{center}{small}</w:p>'
        f'<w:p>{center}<w:r><w:t>{{%p else %}}</w:t></w:r></w:p><w:p>{center}{name}</w:p>'
        f'<w:p>{center}<w:r><w:t>{{%p endif %}}</w:t></w:r></w:p>'
        '</w:txbxContent></wps:txbx>'
        '<wps:bodyPr rot="0" vert="horz" wrap="square" lIns="0" tIns="0" rIns="0" bIns="0" anchor="ctr">'
        '<a:noAutofit/></wps:bodyPr></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></w:r></w:p>'
    )


def build_nameplates() -> Path:
    """名札: A4 tent cards folded across the middle, one per member, the name 72 pt on both faces."""
    doc = new_document(top=10, bottom=10, left=10, right=10)
    sect = doc.element.body.sectPr
    para(doc, "{%p for m in members %}")
    # The back face is a picture turned 180° (LibreOffice drops text-box rotation);
    # the front face is text staff can restyle in Word.
    para(doc, "{{ m.back }}", align=C)
    sect.addprevious(parse_xml(_card_box(297 / 2 + 15, False, 2)))
    fold = para(doc, "", size=8)
    para(doc, "{%p if not loop.last %}")
    brk = para(doc, "")
    brk.add_run().add_break(_page_break())
    para(doc, "{%p endif %}")
    para(doc, "{%p endfor %}")
    fold.paragraph_format.space_before = Pt(0)
    _drop_first_empty(doc)
    return save(doc, "nameplates.docx")


def _page_break():
    from docx.enum.text import WD_BREAK

    return WD_BREAK.PAGE


def _row_height(row, mm: float) -> None:
    from docx.enum.table import WD_ROW_HEIGHT_RULE

    row.height = Mm(mm)
    row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    trpr = row._tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:cantSplit"))


def _drop_first_empty(doc) -> None:
    first = doc.element.body[0]
    if first.tag == qn("w:p") and not first.xpath(".//w:t"):
        doc.element.body.remove(first)


def build_all() -> list[Path]:
    return [build_agenda(), build_roster(), build_nameplates()]


if __name__ == "__main__":
    for built in build_all():
        print(built)
