"""Regenerate the default Word templates in this folder.

    python templates/build_templates.py

The .docx files are what staff edit in Word (via `sasaeai templates export`);
this script only makes the first version reproducible. Layout follows the
usual Japanese municipal letter: A4 portrait, 明朝 10.5pt, 文書番号 and date
at the right, recipient at the left, sender at the right, centred title,
拝啓 … 敬具, 記 … 以上, and the contact block.
"""
from __future__ import annotations

import io
import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from generator.render.output import normalize_zip  # noqa: E402

HERE = Path(__file__).resolve().parent
MINCHO = "ＭＳ 明朝"
GOTHIC = "ＭＳ ゴシック"
LATIN = "Century"


def _fonts(rpr, east_asia: str, latin: str = LATIN) -> None:
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:cs"), latin)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "ja-JP")


def new_document(top=20, bottom=15, left=25, right=20) -> Document:
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(top), Mm(bottom)
    section.left_margin, section.right_margin = Mm(left), Mm(right)
    section.header_distance, section.footer_distance = Mm(8), Mm(8)
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _fonts(defaults, MINCHO)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(10.5)
    _fonts(normal.element.get_or_add_rPr(), MINCHO)
    fmt = normal.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing = 1.0
    # python-docx's default template holds US-Letter era defaults; drop the rest
    # of what a Japanese document should not inherit (spacing after paragraphs).
    ppr_default = styles.find(qn("w:docDefaults")).find(qn("w:pPrDefault"))
    if ppr_default is not None:
        styles.find(qn("w:docDefaults")).remove(ppr_default)
    for style in doc.styles:
        rpr = getattr(style.element, "rPr", None)
        if rpr is not None and rpr.find(qn("w:rFonts")) is not None and style.name != "Normal":
            _fonts(rpr, GOTHIC if "Heading" in style.name or "Title" in style.name else MINCHO)
    return doc


def para(doc_or_cell, text: str = "", align=None, size=None, bold=False, indent_first=None,
         left=None, hanging=None, font=None, page_break_before=False, space_after=None, keep=False):
    p = doc_or_cell.add_paragraph()
    if text:
        run = p.add_run(text)
        if size:
            run.font.size = Pt(size)
        run.bold = bold or None
        if font:
            _fonts(run._element.get_or_add_rPr(), font)
    fmt = p.paragraph_format
    if align:
        p.alignment = align
    if indent_first is not None:
        fmt.first_line_indent = Pt(indent_first)
    if left is not None:
        fmt.left_indent = Pt(left)
    if hanging is not None:
        fmt.first_line_indent = Pt(-hanging)
    if page_break_before:
        fmt.page_break_before = True
    if space_after is not None:
        fmt.space_after = Pt(space_after)
    if keep:
        fmt.keep_with_next = True
    return p


def _cell_borders(table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), "6")
        el.set(qn("w:space"), "0")
        el.set(qn("w:color"), "000000")
        borders.append(el)
    tbl_pr.append(borders)


def _fixed_layout(table, widths_mm, cell_margin_mm=None) -> None:
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)
    grid = table._tbl.tblGrid
    for col, width in zip(grid.findall(qn("w:gridCol")), widths_mm):
        col.set(qn("w:w"), str(int(Mm(width).twips)))
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm):
            cell.width = Mm(width)
    if cell_margin_mm is not None:
        margins = OxmlElement("w:tblCellMar")
        for side, value in zip(("top", "left", "bottom", "right"), cell_margin_mm):
            el = OxmlElement(f"w:{side}")
            el.set(qn("w:w"), str(int(Mm(value).twips)))
            el.set(qn("w:type"), "dxa")
            margins.append(el)
        tbl_pr.append(margins)


def _set_cell_text(cell, text, size=None, bold=False, align=None):
    p = cell.paragraphs[0]
    if text:
        run = p.add_run(text)
        if size:
            run.font.size = Pt(size)
        run.bold = bold or None
    if align:
        p.alignment = align
    return p


def save(doc: Document, name: str) -> Path:
    buffer = io.BytesIO()
    doc.core_properties.author = "sasaeai"
    doc.core_properties.last_modified_by = "sasaeai"
    doc.core_properties.revision = 1
    doc.save(buffer)
    path = HERE / name
    path.write_bytes(normalize_zip(buffer.getvalue()))
    return path


R, C = WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.CENTER


def _distributed(paragraph) -> None:
    """均等割付: the label's characters spread over its cell, as in Word's 均等割り付け."""
    ppr = paragraph._p.get_or_add_pPr()
    jc = ppr.find(qn("w:jc"))
    if jc is None:
        jc = OxmlElement("w:jc")
        ppr.append(jc)
    jc.set(qn("w:val"), "distribute")


def _borderless(table) -> None:
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    table._tbl.tblPr.append(borders)


def _note_items(doc) -> None:
    """記 1-5 as a borderless table: numbers, 均等割付 labels in one fixed width, values.

    A fixed label column is what makes every value start at the same x, in
    Word and in LibreOffice alike; spaces typed into the labels never did.
    """
    rows = [
        ("１", "日時", ["{{ meeting.date }}　{{ meeting.time }}"]),
        ("２", "場所", ["{{ meeting.place }}", "{%p if meeting.place_address %}", "（{{ meeting.place_address }}）",
                       "{%p endif %}"]),
        ("３", "議題", ["{%p for item in meeting.agenda %}", "（{{ loop.index }}）{{ item }}", "{%p endfor %}"]),
        ("４", "持ち物", ["{{ meeting.bring }}"]),
        ("５", "出欠の回答", ["{{ meeting.reply_by }}までに、別紙「出欠回答票」でご回答ください。"]),
    ]
    table = doc.add_table(rows=len(rows), cols=3)
    _borderless(table)
    _fixed_layout(table, [7, 21, 137], cell_margin_mm=(0.6, 0, 0.6, 0))
    for row, (number, label, lines) in zip(table.rows, rows):
        _set_cell_text(row.cells[0], number)
        label_p = _set_cell_text(row.cells[1], label)
        _distributed(label_p)
        row.cells[1].paragraphs[0].paragraph_format.right_indent = Mm(0)
        value = row.cells[2]
        first = _set_cell_text(value, lines[0])
        first.paragraph_format.left_indent = Mm(4)
        for line in lines[1:]:
            p = para(value, line)
            p.paragraph_format.left_indent = Mm(4)
        for p in value.paragraphs:
            if p.text.startswith("（{{ loop.index"):
                p.paragraph_format.left_indent = Mm(4 + 7.4)
                p.paragraph_format.first_line_indent = -Mm(7.4)


def build_invitation() -> Path:
    doc = new_document()
    body = doc  # the letter: page 1
    # 文書番号 and （公印省略） belong to letters in the 首長's name only (§4.1); the context leaves
    # doc_number empty and seal_omitted false for a council's own letters.
    para(body, "{%p if doc_number %}")
    para(body, "{{ doc_number }}", align=R)
    para(body, "{%p endif %}")
    para(body, "{{ letter_date }}", align=R)
    para(body)
    para(body, "{%p if recipient.postal %}")
    para(body, "{{ recipient.postal }}")
    para(body, "{%p endif %}")
    para(body, "{%p if recipient.address1 %}")
    para(body, "{{ recipient.address1 }}")
    para(body, "{%p endif %}")
    para(body, "{%p if recipient.address2 %}")
    para(body, "{{ recipient.address2 }}")
    para(body, "{%p endif %}")
    para(body, "{%p if recipient.org_line %}")
    para(body, "{{ recipient.org_line }}")
    para(body, "{%p endif %}")
    para(body, "{{ recipient.addressee }}", size=12)
    para(body)
    para(body, "{{ sender.line }}", align=R)
    para(body, "{%p if sender.seal_omitted %}")
    para(body, "（公印省略）", align=R)
    para(body, "{%p endif %}")
    para(body)
    para(body, "{{ title }}", align=C, size=12, bold=True)
    para(body)
    para(body, "拝啓　{{ greeting }}、ますますご清栄のこととお喜び申し上げます。"
               "日頃より{{ municipality.self_ref }}の地域づくりにご理解とご協力を賜り、厚く御礼申し上げます。",
         indent_first=10.5)
    para(body, "さて、標記の会議を下記のとおり開催いたします。ご多忙のところ誠に恐縮ですが、"
               "ご出席くださいますようお願い申し上げます。", indent_first=10.5)
    para(body, "{%p if late %}")
    para(body, "なお、ご案内が遅くなり申し訳ございません。お手数をおかけしますが、"
               "{{ meeting.reply_by }}までにご回答くださいますようお願い申し上げます。", indent_first=10.5)
    para(body, "{%p endif %}")
    para(body, "敬具", align=R)
    para(body)
    para(body, "記", align=C)
    para(body)
    _note_items(doc)
    para(body)
    para(body, "以上", align=R)
    para(body)
    contact = doc.add_table(rows=1, cols=1)
    contact.alignment = WD_TABLE_ALIGNMENT.RIGHT
    _cell_borders(contact)
    _fixed_layout(contact, [88], cell_margin_mm=(1.5, 2.5, 1.5, 2.5))
    cell = contact.rows[0].cells[0]
    _set_cell_text(cell, "【問い合わせ先】")
    para(cell, "{{ contact.department }}")
    para(cell, "{%p if contact.person %}")
    para(cell, "担当：{% if contact.role %}{{ contact.role }}　{% endif %}{{ contact.person }}")
    para(cell, "{%p endif %}")
    para(cell, "{%p if contact.phone or contact.fax %}")
    para(cell, "{% if contact.phone %}電話：{{ contact.phone }}{% endif %}"
               "{% if contact.phone and contact.fax %}　{% endif %}{% if contact.fax %}FAX：{{ contact.fax }}{% endif %}")
    para(cell, "{%p endif %}")
    para(cell, "{%p if contact.email %}")
    para(cell, "メール：{{ contact.email }}")
    para(cell, "{%p endif %}")

    # Page 2: the RSVP form. It goes back to whoever answers questions (§4.1).
    para(body, "（返信先）{{ contact.department }}{% if contact.is_coordinator %}　{{ contact.role }}　{{ contact.person }}{% endif %}　行",
         page_break_before=True)
    para(body, "{%p if contact.fax or contact.email %}")
    para(body, "{% if contact.fax %}FAX：{{ contact.fax }}　{% endif %}"
               "{% if contact.email %}メール：{{ contact.email }}{% endif %}")
    para(body, "{%p endif %}")
    para(body)
    para(body, "出欠回答票", align=C, size=16, bold=True, font=GOTHIC)
    para(body)
    para(body, "{{ meeting.title }}", align=C, size=12)
    para(body)
    para(body, "日時：{{ meeting.date }}　{{ meeting.time }}")
    para(body, "場所：{{ meeting.place }}")
    para(body)
    # An organisation (敬称 御中) answers for itself and names who will come; a person
    # answers for themself and may send a proxy (§4.1).
    para(body, "{%p if recipient.organisation %}")
    form = doc.add_table(rows=4, cols=2)
    _cell_borders(form)
    _fixed_layout(form, [35, 130], cell_margin_mm=(2, 2, 2, 2))
    for row, label in zip(form.rows, ["団　体　名", "出　　欠", "ご出席者\n（職・氏名）", "ご意見・\nご質問"]):
        _set_cell_text(row.cells[0], label, align=C)
        row.cells[0].vertical_alignment = 1  # center
    _set_cell_text(form.rows[0].cells[1], "{{ recipient.name }}", size=12)
    _set_cell_text(form.rows[1].cells[1], "□ 出席　　　□ 欠席")
    for row, height in zip(form.rows, (16, 14, 22, 62)):
        row.height = Mm(height)
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    para(body, "{%p else %}")
    form = doc.add_table(rows=4, cols=2)
    _cell_borders(form)
    _fixed_layout(form, [35, 130], cell_margin_mm=(2, 2, 2, 2))
    labels = ["所属・役職", "氏　　名", "出　　欠", "ご意見・\nご質問"]
    for row, label in zip(form.rows, labels):
        _set_cell_text(row.cells[0], label, align=C)
        row.cells[0].vertical_alignment = 1  # center
    _set_cell_text(form.rows[0].cells[1], "{{ recipient.org_line }}")
    _set_cell_text(form.rows[1].cells[1], "{{ recipient.name }}", size=12)
    _set_cell_text(form.rows[2].cells[1], "□ 出席　　　□ 欠席　　　□ 代理出席")
    para(form.rows[2].cells[1], "（代理出席の方のお名前：　　　　　　　　　　　　　）")
    for row, height in zip(form.rows, (14, 16, 22, 62)):
        row.height = Mm(height)
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    para(body, "{%p endif %}")
    para(body)
    para(body, "{{ meeting.reply_by }}までに、{{ contact.reply_ways }}でご回答ください。")
    para(body, "あてはまる□に✓を付けてください。")
    para(body)
    para(body, "返信先：{{ contact.department }}{% if contact.person %}（担当：{% if contact.role %}{{ contact.role }}　"
               "{% endif %}{{ contact.person }}）{% endif %}")
    para(body, "{%p if contact.address %}")
    para(body, "{{ contact.postal }}　{{ contact.address }}", left=42)
    para(body, "{%p endif %}")
    para(body, "{% if contact.phone %}電話：{{ contact.phone }}{% endif %}"
               "{% if contact.fax %}　FAX：{{ contact.fax }}{% endif %}"
               "{% if contact.email %}　メール：{{ contact.email }}{% endif %}", left=42)
    _drop_leading_empty_paragraph(doc)
    return save(doc, "invitation.docx")


def _drop_leading_empty_paragraph(doc: Document) -> None:
    first = doc.paragraphs[0]
    if not first.text and first._p.getprevious() is None:
        first._p.getparent().remove(first._p)


def build_labels() -> Path:
    """A4 12面 (86.4 x 42.3 mm, 2 x 6, top 21.2 mm, left 18.6 mm)."""
    doc = new_document(top=21.2, bottom=15, left=18.6, right=18.6)
    section = doc.sections[0]
    section.header_distance = section.footer_distance = Mm(0)
    table = doc.add_table(rows=3, cols=2)
    _fixed_layout(table, [86.4, 86.4], cell_margin_mm=(0, 0, 0, 0))
    tbl_pr = table._tbl.tblPr
    indent = OxmlElement("w:tblInd")
    indent.set(qn("w:w"), "0")
    indent.set(qn("w:type"), "dxa")
    tbl_pr.append(indent)
    _set_cell_text(table.rows[0].cells[0], "{%tr for row in rows %}")
    _set_cell_text(table.rows[2].cells[0], "{%tr endfor %}")
    label_row = table.rows[1]
    label_row.height = Mm(42.3)
    label_row.height_rule = WD_ROW_HEIGHT_RULE.EXACTLY
    for cell, side in zip(label_row.cells, ("left", "right")):
        first = _set_cell_text(cell, "{{ row.%s.postal }}" % side)
        first.paragraph_format.space_before = Pt(9)
        for field in ("address1", "address2", "org_line"):
            para(cell, "{{ row.%s.%s }}" % (side, field))
        # The name is what the carrier and the reader look for: 14 pt, above the 10.5 pt address.
        name = para(cell, "{{ row.%s.addressee }}" % side, size=14)
        name.paragraph_format.space_before = Pt(3)
        for p in cell.paragraphs:
            p.paragraph_format.left_indent = Mm(6)
            p.paragraph_format.right_indent = Mm(4)
    # The paragraph Word requires after a table: tiny, so a full last page
    # does not spill an empty page.
    tail = doc.add_paragraph()
    tail.add_run("").font.size = Pt(1)
    tail.paragraph_format.line_spacing = Pt(1)
    return save(doc, "labels.docx")


BLANK_LINES = 4


def ruled(doc, count: int = BLANK_LINES) -> None:
    """Lines to write on by hand: a borderless table with a dotted rule under each row.

    (Paragraph bottom borders will not do: Word and LibreOffice merge the
    borders of neighbouring paragraphs into one line under the last.)
    """
    table = doc.add_table(rows=count, cols=1)
    _fixed_layout(table, [160], cell_margin_mm=(0, 0, 0, 0))
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "right", "insideV"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    for side in ("bottom", "insideH"):
        el = OxmlElement(f"w:{side}")
        for key, value in (("w:val", "dotted"), ("w:sz", "4"), ("w:space", "0"), ("w:color", "808080")):
            el.set(qn(key), value)
        borders.append(el)
    table._tbl.tblPr.append(borders)
    indent = OxmlElement("w:tblInd")
    indent.set(qn("w:w"), str(int(Mm(4).twips)))
    indent.set(qn("w:type"), "dxa")
    table._tbl.tblPr.append(indent)
    for row in table.rows:
        row.height = Mm(8)
        row.height_rule = WD_ROW_HEIGHT_RULE.EXACTLY


def heading(doc, text: str):
    p = para(doc, text, size=11, bold=True, font=GOTHIC, keep=True)
    p.paragraph_format.space_before = Pt(8)
    p.paragraph_format.space_after = Pt(2)
    return p


def loop_table(doc, headers, cells, widths_mm, loop: str, right=(), header_fill=True):
    """A bordered table: a header row, then one row per item of `loop` ({%tr for %})."""
    table = doc.add_table(rows=4, cols=len(headers))
    _cell_borders(table)
    _fixed_layout(table, widths_mm, cell_margin_mm=(0.8, 1.5, 0.8, 1.5))
    for cell, text in zip(table.rows[0].cells, headers):
        _set_cell_text(cell, text, bold=True, align=C)
        if header_fill:
            shade = OxmlElement("w:shd")
            shade.set(qn("w:val"), "clear")
            shade.set(qn("w:color"), "auto")
            shade.set(qn("w:fill"), "E7EEF7")
            cell._tc.get_or_add_tcPr().append(shade)
    _set_cell_text(table.rows[1].cells[0], "{%tr " + loop + " %}")
    for index, (cell, text) in enumerate(zip(table.rows[2].cells, cells)):
        _set_cell_text(cell, text, align=R if index in right else None)
    _set_cell_text(table.rows[3].cells[0], "{%tr endfor %}")
    header = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    header.append(repeat)
    return table


def bullets(doc, loop: str, text: str, left: float) -> None:
    """One '・' paragraph per item of `loop` ({%p for %})."""
    para(doc, "{%p " + loop + " %}")
    para(doc, "・" + text, left=left + 10.5, hanging=10.5)
    para(doc, "{%p endfor %}")


def build_minutes() -> Path:
    doc = new_document(top=20, bottom=18, left=22, right=20)
    para(doc, "{{ title }}", align=C, size=14, bold=True, font=GOTHIC, space_after=6)
    info = doc.add_table(rows=6, cols=2)
    _cell_borders(info)
    _fixed_layout(info, [28, 140], cell_margin_mm=(0.8, 1.5, 0.8, 1.5))
    for row, (label, value) in zip(info.rows, [
            ("日　時", "{{ meeting.date }}　{{ meeting.time }}"),
            ("場　所", "{{ meeting.place }}{% if meeting.place_address %}（{{ meeting.place_address }}）{% endif %}"),
            ("形　式", "{{ meeting.form }}"),
            ("座　長", "{{ chair.text }}"),
            ("進行役", "{{ meeting.facilitator }}"),
            ("事務局・SC", "{{ secretariat }}{% if coordinators %}／生活支援コーディネーター：{{ coordinators }}{% endif %}")]):
        _set_cell_text(row.cells[0], label, align=C)
        _set_cell_text(row.cells[1], value)
    heading(doc, "出席者")
    para(doc, "{%p if has_attendance %}")
    para(doc, "{{ attendance.counts }}")
    para(doc, "出席：{% for m in attendance.present %}{{ m.label }}{% if not loop.last %}、{% endif %}{% endfor %}")
    para(doc, "{%p if attendance.proxy %}")
    para(doc, "代理出席：{% for m in attendance.proxy %}{{ m.label }}{% if not loop.last %}、{% endif %}{% endfor %}")
    para(doc, "{%p endif %}")
    para(doc, "{%p if attendance.absent %}")
    para(doc, "欠席：{% for m in attendance.absent %}{{ m.name }}{% if not loop.last %}、{% endif %}{% endfor %}")
    para(doc, "{%p endif %}")
    para(doc, "{%p else %}")
    para(doc, "（出欠の記録がないため、出席した方に✓を付けてください）")
    loop_table(doc, ["出席", "氏名", "所属・役職"], ["□", "{{ m.name }}", "{{ m.org }}"], [14, 45, 109],
               "for m in checklist")
    para(doc, "{%p endif %}")
    para(doc, "{%p if opinions %}")
    para(doc, "出欠回答票に書かれた意見：", keep=True)
    bullets(doc, "for o in opinions", "{{ o }}", 10.5)
    para(doc, "{%p endif %}")

    heading(doc, "１　目指す地域像と前回の振り返り")
    para(doc, "目指す地域像：{{ vision }}", left=10.5)
    para(doc, "{%p if previous.exists %}")
    para(doc, "前回 {{ previous.title }}の決定事項：", left=10.5)
    bullets(doc, "for d in previous.decisions", "{{ d.content }}", 21)
    para(doc, "{%p if previous.pending %}")
    para(doc, "前回からの継続検討：", left=10.5)
    bullets(doc, "for d in previous.pending", "{{ d.content }}", 21)
    para(doc, "{%p endif %}")
    para(doc, "{%p if previous.homework %}")
    para(doc, "前回の宿題：", left=10.5)
    # The result on a line of its own, so a blank to fill in by hand never breaks across lines.
    para(doc, "{%p for h in previous.homework %}")
    para(doc, "・{{ h.content }}（{{ h.owner }}{% if h.due %}、{{ h.due }}まで{% endif %}）", left=31.5, hanging=10.5,
         keep=True)
    para(doc, "→ 結果：{% if h.result %}{{ h.result }}{% else %}＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿{% endif %}",
         left=52.5, hanging=21)
    para(doc, "{%p endfor %}")
    para(doc, "{%p endif %}")
    para(doc, "{%p if not previous.decisions and not previous.homework and not previous.pending %}")
    ruled(doc, 2)
    para(doc, "{%p endif %}")
    para(doc, "{%p else %}")
    para(doc, "（前回の記録はありません）", left=10.5)
    para(doc, "{%p endif %}")

    heading(doc, "２　近況報告（アイスブレイク）")
    para(doc, "{%p if news %}")
    bullets(doc, "for n in news", "{{ n.content }}", 10.5)
    para(doc, "{%p else %}")
    ruled(doc, 3)
    para(doc, "{%p endif %}")

    heading(doc, "３　協議")
    # 第1節3(6) ワンポイント「地域ケア会議と協議体の連携」: issues from the conference are
    # discussed here and the result is fed back to it.
    para(doc, "{%p if care %}")
    para(doc, "地域ケア会議から寄せられた地域課題：", left=10.5, keep=True)
    para(doc, "{%p for c in care %}")
    para(doc, "・{{ c.source }}：{{ c.issues|join('、') }}", left=31.5, hanging=10.5)
    para(doc, "{%p endfor %}")
    para(doc, "※この協議の結果は、地域ケア会議へ報告します。", left=21, size=9)
    para(doc, "{%p endif %}")
    para(doc, "{%p for item in agenda_items %}")
    para(doc, "（{{ item.number }}）{{ item.title }}", left=10.5, keep=True)
    bullets(doc, "for d in item.discussion", "{{ d.content }}", 21)
    para(doc, "{%p if item.decisions %}")
    para(doc, "合意事項：", left=21, keep=True)
    bullets(doc, "for d in item.decisions", "{{ d.content }}", 31.5)
    para(doc, "{%p endif %}")
    para(doc, "{%p if item.ruled %}")
    ruled(doc, 3)
    para(doc, "{%p endif %}")
    para(doc, "{%p endfor %}")
    para(doc, "{%p if general.discussion %}")
    para(doc, "{% if numbered %}議題番号のない協議内容：{% else %}協議の内容：{% endif %}", left=10.5, keep=True)
    bullets(doc, "for d in general.discussion", "{{ d.content }}", 21)
    para(doc, "{%p endif %}")

    heading(doc, "４　地域課題・地域資源・アイデア")
    loop_table(doc, ["地域課題", "地域資源", "アイデア"], ["{{ b.issue }}", "{{ b.resource }}", "{{ b.idea }}"],
               [56, 56, 56], "for b in board")

    heading(doc, "５　合意事項")
    para(doc, "（多数決ではなく、参加者全員が納得して合意した事項を記録します）", size=9, left=10.5)
    para(doc, "{%p if general.decisions and agreed_in_items %}")
    para(doc, "議題番号のない合意事項：", left=10.5, keep=True)
    bullets(doc, "for d in general.decisions", "{{ d.content }}", 21)
    para(doc, "{%p elif general.decisions %}")
    bullets(doc, "for d in general.decisions", "{{ d.content }}", 10.5)
    para(doc, "{%p elif agreed_in_items %}")
    para(doc, "各議題の「合意事項」のとおりです。", left=10.5)
    para(doc, "{%p else %}")
    ruled(doc, 3)
    para(doc, "{%p endif %}")

    # ファシリテーション③: what could not be agreed is organised, not forced.
    heading(doc, "６　継続検討")
    para(doc, "（無理にまとめず、出された考えを整理して次回の協議体につなげます）", size=9, left=10.5)
    para(doc, "{%p if pending %}")
    bullets(doc, "for d in pending", "{{ d.content }}", 10.5)
    para(doc, "{%p else %}")
    ruled(doc, 2)
    para(doc, "{%p endif %}")

    heading(doc, "７　宿題")
    loop_table(doc, ["担当", "内容", "期限"], ["{{ h.owner }}", "{{ h.content }}", "{{ h.due }}"],
               [30, 86, 52], "for h in homework")

    heading(doc, "８　次回開催予定")
    para(doc, "{%p if next.exists %}")
    para(doc, "{{ next.text }}", left=10.5)
    para(doc, "{%p if next.agenda %}")
    para(doc, "議題：", left=10.5, keep=True)
    para(doc, "{%p for a in next.agenda %}")
    para(doc, "{{ a }}", left=21)
    para(doc, "{%p endfor %}")
    para(doc, "{%p endif %}")
    para(doc, "{%p else %}")
    para(doc, "令和　　年　　月　　日（　）　　時　　分～　　場所：", left=10.5)
    para(doc, "{%p endif %}")
    para(doc)
    para(doc, "記録者：＿＿＿＿＿＿＿＿＿＿＿＿　　座長確認：＿＿＿＿＿＿＿＿＿＿＿＿", align=R)
    heading(doc, "ホワイトボード・模造紙の写真")
    box = doc.add_table(rows=1, cols=1)
    _cell_borders(box)
    _fixed_layout(box, [168])
    box.rows[0].height = Mm(70)
    box.rows[0].height_rule = WD_ROW_HEIGHT_RULE.EXACTLY
    _set_cell_text(box.rows[0].cells[0], "（写真を貼り付けてください）", align=C)
    _drop_leading_empty_paragraph(doc)
    return save(doc, "minutes.docx")


def _rows_stay_whole(doc) -> None:
    """No table row of the report splits across pages (w:cantSplit); header rows already repeat."""
    for table in doc.tables:
        for row in table.rows:
            tr_pr = row._tr.get_or_add_trPr()
            if tr_pr.find(qn("w:cantSplit")) is None:
                tr_pr.insert(0, OxmlElement("w:cantSplit"))


def _review_part(doc, title: str, key: str) -> None:
    para(doc, title, left=10.5, bold=True, keep=True)
    para(doc, "{%p for t in review." + key + " %}")
    para(doc, "{{ t }}", left=21, indent_first=10.5)
    para(doc, "{%p endfor %}")


def build_annual_report() -> Path:
    doc = new_document(top=20, bottom=18, left=22, right=20)
    for _ in range(6):
        para(doc)
    para(doc, "{{ fy_title }}", align=C, size=16, font=GOTHIC)
    para(doc, "生活支援体制整備事業 実施報告書", align=C, size=20, bold=True, font=GOTHIC, space_after=12)
    para(doc, "（対象期間: {{ fy_range }}）", align=C)
    para(doc, "（集計基準日: {{ as_of }}{% if running %}・年度途中の集計{% else %}・年度末{% endif %}）", align=C)
    for _ in range(11):
        para(doc)
    para(doc, "{{ municipality.name }}", align=C, size=14)
    para(doc, "{{ department }}", align=C)

    heading(doc, "１　目指す地域像")
    doc.paragraphs[-1].paragraph_format.page_break_before = True
    para(doc, "{{ vision }}", left=10.5)
    para(doc, "※{{ basis }}", size=8, left=10.5)

    heading(doc, "２　生活支援コーディネーターの配置と協議体の設置")
    para(doc, "{{ coverage_summary }}{% if coverage_goal_met %}第1層・第2層の全域で配置・設置の目標を達成しています。"
              "{% else %}第1層・第2層の全域での配置・設置に向け、未整備の圏域があります。{% endif %}", left=10.5,
         indent_first=10.5)
    loop_table(doc, ["圏域", "層", "在任SC", "年度中の異動", "協議体", "SC", "協議体"],
               ["{{ r[1] }}", "{{ r[2] }}", "{{ r[4] }}", "{{ r[6] }}", "{{ r[7] }}", "{{ r[8] }}", "{{ r[9] }}"],
               [28, 10, 32, 28, 46, 12, 12], "for r in tables.coverage")
    para(doc, "{{ sc_summary }}", left=10.5, indent_first=10.5)
    loop_table(doc, ["層", "圏域", "氏名", "所属", "所属種別", "直営・委託", "勤務形態", "在任"],
               ["{{ r[0] }}", "{{ r[1] }}", "{{ r[2] }}", "{{ r[3] }}", "{{ r[4] }}", "{{ r[5] }}", "{{ r[6] }}",
                "{% if r[9] %}在任{% else %}{{ r[8] }}まで{% endif %}"],
               [9, 22, 22, 36, 24, 16, 14, 25], "for r in tables.sc_detail")
    para(doc)
    loop_table(doc, ["層", "在任SC", "直営", "委託先", "専従", "兼務", "年度中の異動"],
               ["{{ r[0] }}", "{{ r[1] }}", "{{ r[2] }}", "{{ r[3] }}", "{{ r[4] }}", "{{ r[5] }}", "{{ r[7] }}"],
               [20, 20, 18, 18, 18, 18, 56], "for r in tables.sc_totals", right=(1, 2, 3, 4, 5))

    heading(doc, "３　協議体の開催状況")
    para(doc, "{{ charts.meetings }}", align=C)
    loop_table(doc, ["協議体", "開催済", "見込み", "中止", "目標", "達成", "最長の間隔", "出席率", "主な議題"],
               ["{{ c.name }}", "{{ c.held }}回",
                "{% if running and c.planned %}あと{{ c.planned }}回{% else %}—{% endif %}",
                "{% if c.cancelled %}{{ c.cancelled }}回{% else %}—{% endif %}",
                "{{ c.target }}回", "{{ c.met }}", "{% if c.gap != '—' %}{{ c.gap }}日{% else %}—{% endif %}",
                "{{ c.rate }}", "{{ c.topics }}"],
               [30, 15, 18, 12, 12, 12, 15, 15, 39], "for c in councils", right=(1, 2, 3, 4, 6, 7))
    para(doc, "※開催済は、状態が開催済の会議と、集計基準日より前の日付で中止でない会議の回数です。目標の達成は開催済の"
              "回数だけで判定します{% if running %}（年度途中でまだ届いていないものは「途中」）。見込みは今後予定している"
              "会議の回数で、開催済には含めません{% endif %}。中止した会議はどちらにも含めません。最長の間隔は開催済の会議の間隔、出席率は開催済の会議の"
              "（出席＋代理出席）÷出欠の回答数の合計、主な議題は開催済の会議の議題です。", size=8)

    heading(doc, "４　構成員の構成（団体種別）")
    para(doc, "{{ charts.members }}", align=C)
    loop_table(doc, ["団体種別", "第1層", "第2層", "計", "割合"],
               ["{{ r[0] }}", "{{ r[1] }}", "{{ r[2] }}", "{{ r[3] }}", "{{ r[4] }}"],
               [70, 24, 24, 24, 26], "for r in tables.members", right=(1, 2, 3, 4))
    para(doc, "※{{ point }}に在任の構成員を数えています（{{ members_note }}）。", size=8)

    heading(doc, "５　地域課題・地域資源の把握と取組の段階")
    para(doc, "{{ charts.issues }}", align=C)
    loop_table(doc, ["段階", "地域課題", "地域資源", "ニーズ", "計"],
               ["{{ r[0] }}", "{{ r[1] }}", "{{ r[2] }}", "{{ r[3] }}", "{{ r[4] }}"],
               [60, 27, 27, 27, 27], "for r in tables.issue_stage", right=(1, 2, 3, 4))
    para(doc)
    loop_table(doc, ["把握のきっかけ", "地域課題", "地域資源", "ニーズ", "計"],
               ["{{ r[0] }}", "{{ r[1] }}", "{{ r[2] }}", "{{ r[3] }}", "{{ r[4] }}"],
               [60, 27, 27, 27, 27], "for r in tables.issue_source", right=(1, 2, 3, 4))

    heading(doc, "６　住民主体の活動")
    para(doc, "{{ charts.activities }}", align=C)
    loop_table(doc, ["種類", "活動数", "年間実施回数", "延べ参加者数", "1回あたり参加者数", "担い手数"],
               ["{{ r[0] }}", "{{ r[1] }}", "{{ r[2] }}", "{{ r[3] }}", "{{ r[4] }}", "{{ r[5] }}"],
               [34, 20, 28, 30, 32, 24], "for r in tables.activity_kind", right=(1, 2, 3, 4, 5))
    para(doc, "※延べ参加者数は、各活動の年間実施回数×平均参加者数の合計です。1回あたり参加者数は延べ参加者数÷"
              "年間実施回数（実施回数で重み付けした平均）です。", size=8)
    para(doc)
    loop_table(doc, ["圏域", "活動数", "延べ参加者数", "担い手数", "主な種類"],
               ["{{ r[0] }}", "{{ r[1] }}", "{{ r[2] }}", "{{ r[3] }}", "{{ r[4] }}"],
               [40, 20, 30, 24, 54], "for r in tables.activity_area", right=(1, 2, 3))
    para(doc)
    loop_table(doc, ["支援内容", "活動数"], ["{{ r[0] }}", "{{ r[1] }}"], [70, 30], "for r in tables.activity_support",
               right=(1,))

    heading(doc, "７　地域ケア会議との連携")
    para(doc, "地域ケア会議 {{ care.held }} 回のうち、生活支援コーディネーターの出席は {{ care.attended }} 回"
              "（出席率 {{ care.rate }}）、協議体へ反映した地域課題は {{ care.passed }} 件です。", left=10.5,
         indent_first=10.5)
    loop_table(doc, ["開催日", "圏域", "抽出された地域課題", "反映先の会議"],
               ["{{ r[0] }}", "{{ r[1] }}", "{{ r[3] }}", "{{ r[4] }}"], [40, 26, 56, 46], "for r in tables.care_passed")
    para(doc)
    para(doc, "協議体でまだ取り上げていない地域ケア会議の課題", left=10.5, bold=True, keep=True)
    para(doc, "{%p if tables.care_open %}")
    loop_table(doc, ["開催日", "圏域", "種類", "抽出された地域課題"],
               ["{{ r[0] }}", "{{ r[1] }}", "{{ r[2] }}", "{{ r[3] }}"], [40, 30, 16, 82], "for r in tables.care_open")
    para(doc, "{%p else %}")
    para(doc, "ありません（抽出された地域課題はすべて協議体で取り上げています）。", left=21)
    para(doc, "{%p endif %}")

    heading(doc, "８　目標と実績")
    para(doc, "{%p if goals %}")
    loop_table(doc, ["区分", "目標", "指標", "目標値", "実績値", "評価", "見直し"],
               ["{{ g.row[0] }}", "{{ g.row[1] }}", "{{ g.row[2] }}", "{{ g.row[3] }}",
                "{{ g.row[4] }}{% if g.auto %}※{% endif %}", "{{ g.row[5] }}", "{{ g.row[6] }}"],
               [12, 40, 22, 18, 34, 12, 30], "for g in goals")
    para(doc, "{%p if goals_auto %}")
    para(doc, "※は台帳の「自動集計」により、この報告書の集計（{{ as_of }}時点）から求めた実績値です。", size=8)
    para(doc, "{%p endif %}")
    para(doc, "{%p else %}")
    para(doc, "（台帳の「目標」シートにこの年度の目標がありません）", left=10.5)
    para(doc, "{%p endif %}")

    heading(doc, "９　年度の総括")
    para(doc, "{%p if review.given %}")
    _review_part(doc, "（１）成果", "achievements")
    _review_part(doc, "（２）課題", "challenges")
    _review_part(doc, "（３）次年度の方針", "next_policy")
    para(doc, "{%p else %}")
    para(doc, "（台帳の「年度総括」シートにこの年度の記入がありません）", left=10.5)
    para(doc, "{%p endif %}")

    # Internal: on its own page, so staff can leave it out of what goes to the 都道府県.
    heading(doc, "【庁内用】参考　台帳の点検で残っている指摘")
    doc.paragraphs[-1].paragraph_format.page_break_before = True
    para(doc, "この頁は庁内での確認用です。都道府県等へ提出する際は、この頁を除いてください。", size=9)
    para(doc, "{%p if findings %}")
    loop_table(doc, ["種別", "場所", "内容"], ["{{ r[0] }}", "{{ r[1] }}", "{{ r[2] }}"], [14, 34, 120],
               "for r in findings")
    para(doc, "{%p else %}")
    para(doc, "指摘はありません。", left=10.5)
    para(doc, "{%p endif %}")
    _rows_stay_whole(doc)
    for p in doc.paragraphs:     # a small-print note reads as one block, not split over two pages
        if p.text.startswith("※"):
            p.paragraph_format.keep_together = True
    _drop_leading_empty_paragraph(doc)
    return save(doc, "annual_report.docx")


if __name__ == "__main__":
    from build_meeting_papers import build_all as build_meeting_papers
    from build_reports import build_all as build_reports

    for built in (build_invitation(), build_labels(), build_minutes(), build_annual_report(),
                  *build_meeting_papers(), *build_reports()):
        print(built)
