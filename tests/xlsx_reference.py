"""The xlsx builders as they were before render/sheets.py wrote xlsx directly (openpyxl cell by cell).

Kept only as the reference the tests compare the new bytes with: the same
ledger must give byte-identical files. Copied verbatim from main at 8354775,
imports aside.
"""
from __future__ import annotations

import datetime as dt
from copy import copy
from typing import Iterable

from generator.documents.annual import AnnualData, workbook_sheets
from generator.documents.honoraria import YEN, Honoraria
from generator.documents.invitation import (LETTER_FOLDER, SENDLIST_FONT, SENDLIST_OFFICE, SENDLIST_PRINTED,
                                            SENDLIST_WIDTHS, MeetingPlan, MeetingResult, _wrapped_lines)
from generator.japanese import fiscal_year_era, format_date, format_postal
from generator.ledger.model import Ledger
from generator.render.context import meeting_title, posting_date, recipient_context
from generator.render.output import workbook_bytes


def style_cells(cells: Iterable, **attrs) -> None:
    """Set the same attributes (font=, border=, alignment=, fill=, number_format=) on every cell, in order.

    The workbook's style lists gain entries in the same order as setting each cell
    one by one would add them, so the saved file is byte-for-byte the same.
    """
    done: dict[tuple, object] = {}
    for cell in cells:
        before = tuple(cell._style or ())   # None until a cell is first styled
        after = done.get(before)
        if after is None:
            for name, value in attrs.items():
                setattr(cell, name, value)
            done[before] = copy(cell._style)
        else:
            cell._style = copy(after)


def sendlist_bytes(ledger: Ledger, plan: MeetingPlan, result: MeetingResult) -> bytes:
    """送付リスト.xlsx: who, how, where, a column to tick when sent, and the RSVP as it comes in."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "送付リスト"
    meeting = plan.meeting
    posted = plan.posted or posting_date(ledger.info, meeting)
    ws.append([f"{plan.title}（{format_date(meeting.date, ledger.info.date_style)}）送付リスト"])
    ws.append([f"発送予定日: {format_date(posted, ledger.info.date_style)}　"
               f"郵送 {result.count('郵送')} 件・メール {result.count('メール')} 件・手渡し {result.count('手渡し')} 件"])
    headers = SENDLIST_PRINTED + SENDLIST_OFFICE
    ws.append(list(headers))
    thin = Side(style="thin", color="808080")
    box = Border(top=thin, bottom=thin, left=thin, right=thin)
    for cell in ws[3]:
        cell.font = Font(bold=True, size=SENDLIST_FONT)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.border = box
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"].font = Font(size=SENDLIST_FONT)
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
    body = [cell for row in ws.iter_rows(min_row=4, max_row=last) for cell in row]
    # Long 所属 and addresses wrap inside their cell instead of being cut at its edge.
    style_cells(body, font=Font(size=SENDLIST_FONT), alignment=Alignment(vertical="top", wrap_text=True))
    style_cells((cell for cell in body if cell.column <= printed), border=box)
    answered_index = SENDLIST_PRINTED.index("回答日") + 1
    style_cells((cell for cell in body if cell.column == answered_index), number_format="yyyy/m/d")
    if last >= 4:
        sent_col = get_column_letter(SENDLIST_PRINTED.index("発送済") + 1)
        answer_col = get_column_letter(SENDLIST_PRINTED.index("回答") + 1)
        check = DataValidation(type="list", formula1='"✓"', allow_blank=True)
        check.add(f"{sent_col}4:{sent_col}{last}")
        ws.add_data_validation(check)
        reply = DataValidation(type="list", formula1='"出席,欠席,代理出席,未回答"', allow_blank=True)
        reply.add(f"{answer_col}4:{answer_col}{last}")
        ws.add_data_validation(reply)
        dates = DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True)
        dates.add(f"{answered_col}4:{answered_col}{last}")
        ws.add_data_validation(dates)
    for column, width in enumerate(SENDLIST_WIDTHS + (10, 34), start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    # Neither Excel nor LibreOffice grows a row for wrapped text on opening a file;
    # without a height the second line of a long 所属 is cut off on paper.
    for row in ws.iter_rows(min_row=3, max_row=last, max_col=printed):
        lines = max(_wrapped_lines(str(c.value or ""), SENDLIST_WIDTHS[c.column - 1]) for c in row)
        ws.row_dimensions[row[0].row].height = 4 + 13 * lines
    ws.freeze_panes = "A4"
    ws.print_title_rows = "3:3"
    ws.print_area = f"A1:{get_column_letter(printed)}{max(last, 3)}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    # Width on one page; rows flow on (a council rarely needs a second sheet, and
    # shrinking a long list to one page would make it unreadable).
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return workbook_bytes(wb)


def workbook(ledger: Ledger, data: Honoraria) -> bytes:
    """The list as an xlsx: a heading block, one row per payee, a total row."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    meeting = data.meeting
    council = ledger.council(meeting.council_id)
    wb = Workbook()
    ws = wb.active
    ws.title = "謝礼支払一覧"
    ws.append(["謝礼（報償費）支払一覧"])
    ws.append(["会議", None, meeting_title(council, meeting) if council else meeting.meeting_id])
    ws.append(["開催日", None, format_date(meeting.date, ledger.info.date_style) if meeting.date else ""])
    ws.append(["単価（円）", None, data.rate])
    ws.append(["代理出席の謝礼", None, ledger.info.proxy_honorarium])
    ws.append([])
    headers = ["No", "構成員ID", "氏名", "所属・役職", "出欠", "代理者氏名", "金額（円）", "備考"]
    ws.append(headers)
    header_row = ws.max_row
    for index, p in enumerate(data.payees, start=1):
        ws.append([index, p.member_id, p.name, p.org_line, p.answer, p.proxy, p.amount, p.note])
    unpaid = len(data.payees) - data.paid
    ws.append(["合計", None, f"{data.paid} 名", None, None, None, data.total,
               f"ほかに支払なし {unpaid} 名" if unpaid else None])
    total_row = ws.max_row
    thin = Side(style="thin", color="808080")
    style_cells((cell for row in ws.iter_rows(min_row=header_row, max_row=total_row) for cell in row),
                border=Border(top=thin, bottom=thin, left=thin, right=thin))
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center")
    for cell in ws[total_row]:
        cell.font = Font(bold=True)
    ws["A1"].font = Font(bold=True, size=14)
    ws["C4"].number_format = YEN
    style_cells((ws.cell(row, 7) for row in range(header_row + 1, total_row + 1)), number_format=YEN)
    for letter, width in zip("ABCDEFGH", (6, 10, 16, 42, 10, 14, 12, 22)):
        ws.column_dimensions[letter].width = width
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    return workbook_bytes(wb)


def table_sheet(wb, name: str, header: list, rows: list[list], header_style: dict, formats: dict[int, str],
                date_format: str):
    """A sheet of one table, cell by cell in openpyxl, as the 年次集計 was made (what Book.table means)."""
    ws = wb.create_sheet(name)
    ws.append(header)
    for cell in ws[1]:
        for attr, value in header_style.items():
            setattr(cell, attr, value)
    for values in rows:
        ws.append(values)
    for index, fmt in formats.items():
        for cells in ws.iter_rows(min_row=2, min_col=index + 1, max_col=index + 1):
            for cell in cells:
                cell.number_format = fmt
    for cells in ws.iter_rows(min_row=2):
        for cell in cells:
            if date_format and isinstance(cell.value, dt.date):
                cell.number_format = date_format
    return ws


def summary_workbook(data: AnnualData) -> bytes:
    """年次集計_YYYY.xlsx for the 都道府県: who and when on the file and on every row, numbers as numbers."""
    from openpyxl import Workbook
    from openpyxl.packaging.custom import DateTimeProperty, IntProperty, StringProperty
    from openpyxl.styles import Font, PatternFill

    row = data.city_row
    wb = Workbook()
    wb.remove(wb.active)
    era = fiscal_year_era(data.fiscal_year)
    wb.properties.title = f"{row['市町村名']} {era} 生活支援体制整備事業 年次集計"
    wb.properties.subject = f"{row['都道府県']} {row['市町村名']} {era}（{data.basis_date:%Y/%m/%d} 時点）"
    wb.properties.keywords = f"{row['都道府県']},{row['市町村名']},{data.fiscal_year},{data.basis_date:%Y-%m-%d}"
    for name, value, kind in (("都道府県", row["都道府県"], StringProperty), ("市町村名", row["市町村名"], StringProperty),
                              ("年度", data.fiscal_year, IntProperty)):
        if value != "":
            wb.custom_doc_props.append(kind(name=name, value=value))
    wb.custom_doc_props.append(DateTimeProperty(name="集計基準日", value=dt.datetime.combine(data.basis_date, dt.time())))
    header_style = {"font": Font(bold=True), "fill": PatternFill("solid", fgColor="DDEBF7")}
    for name, headers, rows, formats in workbook_sheets(data):
        ws = table_sheet(wb, name, headers, rows, header_style, formats, "yyyy/m/d")
        for column in ws.columns:
            width = max(len(str(c.value or "")) for c in column)
            ws.column_dimensions[column[0].column_letter].width = min(60, max(8, width * 1.8 + 2))
        ws.freeze_panes = "A2"
    return workbook_bytes(wb)
