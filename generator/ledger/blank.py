"""Write the empty ledger of DOMAIN.md §2 (`sasaeai init`).

Every sheet and header of generator.schema, a dropdown on every column with a
list of values, an input note on every column, a frozen header row, widths
that fit the values, and text format where Excel would otherwise eat digits
(postal codes, IDs).
"""
from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from .. import messages

from . import schema
from ..errors import UsageError
from ..render.output import atomic_write, workbook_bytes

LIST_SHEET = "選択肢"
VALIDATED_ROWS = 2000
FONT = "Meiryo UI"

_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FILL = PatternFill("solid", fgColor="F8CBAD")
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)

_KIND_HINTS = {
    schema.ID: "ID（英数字。他のシートから参照されます）",
    schema.INT: "整数",
    schema.LAYER: "1 または 2",
    schema.DATE: "日付（例: 2026/12/21、令和8年12月21日、R8.12.21）",
    schema.TIME: "時刻（例: 14:00、14時30分、午後2時）",
    schema.POSTAL: "郵便番号7桁（例: 123-4567）",
    schema.EMAIL: "メールアドレス",
    schema.LINES: "複数はセル内で改行（Alt+Enter）",
    schema.MULTI: "一覧から選ぶか、複数は 、 で区切って入力",
}
_TEXT_COLUMNS = (schema.ID, schema.POSTAL, schema.TEXT, schema.EMAIL)


def _note(column_or_item, kind: str, required: bool) -> str:
    parts = ["【必須】" if required else "【任意】"]
    hint = _KIND_HINTS.get(kind)
    if hint:
        parts.append(hint)
    if kind == schema.CHOICE:
        parts.append("一覧から選択")
    if column_or_item.note:
        parts.append(column_or_item.note)
    if column_or_item.default is not None:
        parts.append(f"空欄は {column_or_item.default}")
    return "\n".join(parts)[:255]


class _Lists:
    """The hidden sheet holding dropdown values, one column per list."""

    def __init__(self, wb: Workbook):
        self.ws = wb.create_sheet(LIST_SHEET)
        self.ws.sheet_state = "hidden"
        self.columns: dict[tuple[str, ...], str] = {}

    def range_for(self, choices: tuple[str, ...]) -> str:
        if choices not in self.columns:
            col = get_column_letter(len(self.columns) + 1)
            for row, value in enumerate(choices, start=1):
                self.ws[f"{col}{row}"] = value
            self.columns[choices] = f"{quote_sheetname(LIST_SHEET)}!${col}$1:${col}${len(choices)}"
        return self.columns[choices]


def _validation(kind: str, choices: tuple[str, ...], lists: _Lists, title: str, note: str) -> DataValidation:
    if kind == schema.LAYER:
        dv = DataValidation(type="list", formula1='"1,2"', allow_blank=True)
    elif kind in (schema.CHOICE, schema.MULTI):
        dv = DataValidation(type="list", formula1=f"={lists.range_for(choices)}", allow_blank=True)
        if kind == schema.MULTI:
            # Several values joined with 、 are allowed, so Excel must not refuse them.
            dv.showErrorMessage = False
        else:
            dv.showErrorMessage = True
            dv.errorTitle = "一覧にない値"
            dv.error = "一覧から選んでください。"
    else:
        dv = DataValidation(allow_blank=True)
    dv.showInputMessage = True
    dv.promptTitle = title[:32]
    dv.prompt = note
    return dv


def _style_header(cell, required: bool) -> None:
    cell.font = Font(name=FONT, bold=True)
    cell.fill = _REQUIRED_FILL if required else _HEADER_FILL
    cell.border = _BORDER
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _write_info(wb: Workbook, lists: _Lists) -> None:
    ws = wb.active
    ws.title = schema.INFO_SHEET
    headers = (schema.INFO_ITEM_HEADER, schema.INFO_VALUE_HEADER, "説明")
    for col, text in enumerate(headers, start=1):
        _style_header(ws.cell(row=1, column=col, value=text), False)
    for row, item in enumerate(schema.INFO_ITEMS, start=2):
        label = ws.cell(row=row, column=1, value=item.label)
        label.font = Font(name=FONT, bold=item.required)
        if item.required:
            label.fill = _REQUIRED_FILL
        value = ws.cell(row=row, column=2, value=item.default)
        value.number_format = "@" if item.kind != schema.INT else "General"
        note = _note(item, item.kind, item.required)
        ws.cell(row=row, column=3, value=note.replace("\n", " "))
        dv = _validation(item.kind, item.choices, lists, item.label, note)
        dv.add(value.coordinate)
        ws.add_data_validation(dv)
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["C"].width = 60
    ws.freeze_panes = "A2"


def _write_table(wb: Workbook, spec: schema.Sheet, lists: _Lists) -> None:
    ws = wb.create_sheet(spec.name)
    last = VALIDATED_ROWS + 1
    for col, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(col)
        cell = ws.cell(row=1, column=col, value=column.header)
        _style_header(cell, column.required)
        note = _note(column, column.kind, column.required)
        cell.comment = Comment(note, "sasaeai", width=260, height=110)
        dv = _validation(column.kind, column.choices, lists, column.header, note)
        dv.add(f"{letter}2:{letter}{last}")
        ws.add_data_validation(dv)
        dim = ws.column_dimensions[letter]
        dim.width = column.width
        if column.kind in _TEXT_COLUMNS:
            dim.number_format = "@"   # keeps 060-0045 and 0123 as typed
        elif column.kind == schema.DATE:
            dim.number_format = "yyyy/m/d"
        elif column.kind == schema.TIME:
            dim.number_format = "h:mm"
        if column.kind == schema.LINES:
            dim.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 30
    ws.auto_filter.ref = f"A1:{get_column_letter(len(spec.columns))}1"


def blank_ledger_bytes() -> bytes:
    """The empty ledger as .xlsx bytes, the same bytes every time."""
    wb = Workbook()
    lists = _Lists(wb)
    _write_info(wb, lists)
    for spec in schema.SHEETS:
        _write_table(wb, spec, lists)
    wb.move_sheet(LIST_SHEET, offset=len(wb.sheetnames))
    return workbook_bytes(wb)


def write_blank_ledger(path: str | Path, force: bool = False) -> Path:
    """Write the empty ledger to `path`; refuses to overwrite unless `force`."""
    path = Path(path)
    if path.exists() and not force:
        raise UsageError(messages.INIT_EXISTS.format(path=path))
    if path.is_dir():
        raise UsageError(messages.FILE_IS_DIR.format(path=path))
    atomic_write(path, blank_ledger_bytes())
    return path
