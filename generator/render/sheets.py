"""Small xlsx files, written directly: the bytes openpyxl would write, at a fraction of the cost.

A 送付リスト or 謝礼支払一覧 is a few hundred cells. Through openpyxl most of its
time went to building a Workbook (default styles, theme), hashing style objects
once per cell, serialising every cell through lxml, and compressing the same
theme into every file. Here a sheet is rows of plain values and style ids:
a style is registered once per styling call, not once per cell; the sheet XML
is built as text; the parts that never change (theme, relationships, content
types) and the stylesheet of each distinct style set are made by openpyxl
itself once per process and kept compressed.

What comes out is byte for byte what `openpyxl` + `output.workbook_bytes`
made before (tests/test_xlsx.py compares them on hostile values), including
its rules: text is truncated at 32,767 characters, a control character is
refused, a date gets openpyxl's automatic number format, and text that Excel
would read as a formula is quote-prefixed text, never a formula. One rule is
Excel's, not openpyxl's: text that looks like an `_xHHHH_` escape has its "_"
written as `_x005F_`, so Excel shows it as typed.
"""
from __future__ import annotations

import datetime as dt
import re
import struct
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import zip_longest
from operator import itemgetter
from types import SimpleNamespace

from .output import FIXED_ZIP_TIME, fix_core_times

# Text starting with one of these is a formula when typed into Excel.
FORMULA_START = ("=", "+", "-", "@")

# Positions in openpyxl's StyleArray (fontId, fillId, borderId, numFmtId,
# protectionId, alignmentId, pivotButton, quotePrefix, xfId).
_SLOT = {"font": 0, "fill": 1, "border": 2, "number_format": 3, "alignment": 5}
_QUOTE = 7
_PLAIN = (0,) * 9
# Values append can take as they are (once their text is checked), and those that get no date format.
_UNTIMED_CLASSES = frozenset({str, int, float, bool, type(None)})
_QUICK_CLASSES = _UNTIMED_CLASSES | {dt.date}
_VALUE = itemgetter(0)      # of a cell [value, style]

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_SHEET_HEAD = f'<worksheet xmlns="{_MAIN_NS}"><sheetPr><outlinePr summaryBelow="1" summaryRight="1"/>'
_FORMAT = '<sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>'


@lru_cache(maxsize=1)
def _openpyxl() -> SimpleNamespace:
    """openpyxl's pieces this module reproduces (imported on first use, like the rest of the writers)."""
    from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, get_time_format
    from openpyxl.compat.numbers import NUMERIC_TYPES
    from openpyxl.compat.strings import safe_string
    from openpyxl.styles.numbers import BUILTIN_FORMATS_MAX_SIZE, BUILTIN_FORMATS_REVERSE
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.datetime import to_excel
    from openpyxl.utils.exceptions import IllegalCharacterError

    return SimpleNamespace(ERROR_CODES=ERROR_CODES, ILLEGAL_CHARACTERS_RE=ILLEGAL_CHARACTERS_RE,
                           get_time_format=get_time_format, NUMERIC_TYPES=NUMERIC_TYPES, safe_string=safe_string,
                           BUILTIN_FORMATS_MAX_SIZE=BUILTIN_FORMATS_MAX_SIZE,
                           BUILTIN_FORMATS_REVERSE=BUILTIN_FORMATS_REVERSE, get_column_letter=get_column_letter,
                           to_excel=to_excel, IllegalCharacterError=IllegalCharacterError)


def get_column_letter(number: int) -> str:
    """The column letters of a 1-based column number (1 -> A, 27 -> AA)."""
    return _openpyxl().get_column_letter(number)


def _text(value: str) -> str:
    """Element text as lxml writes it into openpyxl's ASCII sheet stream."""
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    if "\r" in value:
        value = value.replace("\r", "&#13;")
    if value.isascii():
        return value
    if _NOT_XML.search(value):
        # lxml refuses these; a character reference to one would make a file Excel calls damaged.
        raise ValueError("All strings must be XML compatible: Unicode or ASCII, no NULL bytes or control characters")
    return value.encode("ascii", "xmlcharrefreplace").decode("ascii")


_LOOKS_ESCAPED = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")

# Characters XML cannot hold even as a reference: lone surrogates and U+FFFE, U+FFFF.
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")


def _attr(value: str) -> str:
    """An attribute value as lxml writes it in a UTF-8 part (workbook.xml)."""
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;"))


def _utf8_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


class _Styles:
    """The workbook's style lists, filled in the order openpyxl fills them when cells are styled."""

    def __init__(self):
        from openpyxl.styles import Alignment, Protection
        from openpyxl.styles.borders import DEFAULT_BORDER
        from openpyxl.styles.fills import DEFAULT_EMPTY_FILL, DEFAULT_GRAY_FILL
        from openpyxl.styles.fonts import DEFAULT_FONT

        self.lists = {"font": [DEFAULT_FONT], "fill": [DEFAULT_EMPTY_FILL, DEFAULT_GRAY_FILL],
                      "border": [DEFAULT_BORDER], "alignment": [Alignment()], "number_format": []}
        self.protections = [Protection()]
        # (attr, id(value)) -> (value, its id): a workbook styles each sheet with the same
        # objects, and comparing openpyxl style objects with == is slow. The value is kept, so
        # its id() stays its own.
        self._known: dict[tuple[str, int], tuple[object, int]] = {}

    def register(self, attr: str, value) -> int:
        """The id openpyxl's IndexedList.add gives `value` (adding it when new)."""
        known = self._known.get((attr, id(value)))
        if known is not None and known[0] is value:
            return known[1]
        number = self._register(attr, value)
        self._known[(attr, id(value))] = (value, number)
        return number

    def _register(self, attr: str, value) -> int:
        if attr == "number_format":
            op = _openpyxl()
            if value in op.BUILTIN_FORMATS_REVERSE:
                return op.BUILTIN_FORMATS_REVERSE[value]
            return self._add(self.lists[attr], value) + op.BUILTIN_FORMATS_MAX_SIZE
        return self._add(self.lists[attr], value)

    @staticmethod
    def _add(items: list, value) -> int:
        for index, item in enumerate(items):
            if item is value or item == value:
                return index
        items.append(value)
        return len(items) - 1

    def key(self) -> tuple:
        return tuple(tuple(items) for items in self.lists.values())


@dataclass
class Sheet:
    """One worksheet: rows of cells [value, style], and the few sheet settings the tool uses."""

    name: str
    styles: _Styles
    rows: list[list[list]] = field(default_factory=list)
    widths: dict[int, float] = field(default_factory=dict)      # column number -> width
    heights: dict[int, float] = field(default_factory=dict)     # row number -> height
    freeze_row: int = 0            # rows above this one stay put (freeze_panes "A<n>")
    print_titles: str = ""         # "3:3"
    print_area: str = ""           # "A1:K15"
    landscape_a4_fit_width: bool = False
    margins: tuple[float, float, float, float] = (0.75, 0.75, 1, 1)    # left, right, top, bottom
    validations: list[tuple[str, str, str, str]] = field(default_factory=list)
    _dates: list[tuple[int, list]] = field(default_factory=list, repr=False)    # (row number, cell) per date
    _time_styles: dict[type, tuple] = field(default_factory=dict, repr=False)

    @property
    def max_row(self) -> int:
        for index in range(len(self.rows), 0, -1):
            if self.rows[index - 1]:
                return index
        return 0

    @property
    def max_column(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def append(self, values) -> None:
        """A row after the last one (openpyxl's ws.append), dates given openpyxl's automatic format."""
        values = list(values)
        classes = {value.__class__ for value in values}
        text = "".join([value for value in values if value.__class__ is str])
        if classes <= _QUICK_CLASSES and len(text) <= 32767 and not _openpyxl().ILLEGAL_CHARACTERS_RE.search(text):
            # The usual row: its text looked at once, not cell by cell. A control character or
            # too long a text in any cell is one in the joined text.
            cells = [[value, _PLAIN] for value in values]
        else:
            cells = [[_checked(value) if isinstance(value, str) else value, _PLAIN] for value in values]
        timed = classes - _UNTIMED_CLASSES      # usually {date} or nothing
        if timed:
            number = len(self.rows) + 1
            for cell in cells:
                if cell[0].__class__ in timed and isinstance(cell[0], (dt.date, dt.time, dt.timedelta)):
                    cell[1] = self._time_style(type(cell[0]))
                    if isinstance(cell[0], dt.date):
                        self._dates.append((number, cell))
        self.rows.append(cells)

    def _time_style(self, kind: type) -> tuple:
        """The style openpyxl gives a date, time or duration cell: its automatic number format."""
        style = self._time_styles.get(kind)
        if style is None:
            fmt = _openpyxl().get_time_format(kind)
            style = self._time_styles[kind] = _with(_PLAIN, ((3, self.styles.register("number_format", fmt)),))
        return style

    def date_cells(self, min_row: int = 1) -> list[list]:
        """The cells holding a date (or datetime) in rows min_row and after, row by row, as appended."""
        return [cell for number, cell in self._dates if number >= min_row]

    def text_lengths(self) -> list[int]:
        """Per column, the longest value as text (len(str(value or ""))), rows 1 to max_row."""
        rows = self.rows[:self.max_row]
        # filter(None) leaves out what `value or ""` turns into "": its length, 0, is the default.
        return [max(map(len, map(str, filter(None, map(_VALUE, column)))), default=0)
                for column in zip_longest(*rows, fillvalue=(None, _PLAIN))]

    def cells(self, min_row: int, max_row: int | None = None, columns: tuple[int, ...] | None = None) -> list[list]:
        """The cells of rows min_row..max_row in `columns` (default every column up to max_column), made if missing.

        Like openpyxl's iter_rows: asking for a cell makes it (empty, unstyled).
        """
        max_row = min_row if max_row is None else max_row
        columns = columns or tuple(range(1, self.max_column + 1))
        found = []
        for number in range(min_row, max_row + 1):
            while len(self.rows) < number:
                self.rows.append([])
            row = self.rows[number - 1]
            for column in columns:
                while len(row) < column:
                    row.append([None, _PLAIN])
                found.append(row[column - 1])
        return found

    def style(self, cells: list[list], **attrs) -> None:
        """Set font=, fill=, border=, alignment=, number_format= on every cell, registering each style once, in order."""
        if not cells:
            return      # openpyxl registers a style only when it sets it on a cell
        changes = tuple((_SLOT[name], self.styles.register(name, value)) for name, value in attrs.items())
        done: dict[tuple, tuple] = {}
        for cell in cells:
            before = cell[1]
            after = done.get(before)
            if after is None:
                after = done[before] = _with(before, changes)
            cell[1] = after


def _with(style: tuple, changes: tuple) -> tuple:
    new = list(style)
    for slot, value in changes:
        new[slot] = value
    return tuple(new)


def _checked(value: str) -> str:
    """openpyxl's check_string: at most 32,767 characters, no control characters."""
    value = value[:32767]
    op = _openpyxl()
    if op.ILLEGAL_CHARACTERS_RE.search(value):
        raise op.IllegalCharacterError(f"{value} cannot be used in worksheets.")
    return value


@dataclass
class Book:
    """A workbook to be written as xlsx bytes by `xlsx_bytes`."""

    sheets: list[Sheet] = field(default_factory=list)
    styles: _Styles = field(default_factory=_Styles)
    title: str | None = None
    subject: str | None = None
    keywords: str | None = None
    custom: list = field(default_factory=list)       # openpyxl.packaging.custom properties, in order

    def sheet(self, name: str) -> Sheet:
        made = Sheet(name, self.styles)
        self.sheets.append(made)
        return made


# --- serialising ---------------------------------------------------------------------

class _CellTails:
    """Each distinct cell's XML after its reference, made once per workbook.

    The sheets of a workbook repeat values (the 年次集計 puts the 都道府県, 市町村, 年度 and
    基準日 on every row of every sheet; IDs and small counts recur), so each distinct value
    and style is turned into XML once. Most cells are unstyled text or whole numbers, looked
    up by value alone; other keys hold the class, because 1, 1.0 and True are equal as keys
    but not as cells. A style gets its xf id where openpyxl gives it one: at its first cell.
    """

    def __init__(self):
        self.xf_ids: dict[tuple, int] = {_PLAIN: 0}
        self.plain_texts: dict[str, str] = {}
        self.plain_ints: dict[int, str] = {}
        self.others: dict[tuple, str] = {}

    def tail(self, value, style: tuple) -> str:
        return _cell_tail(value, style, self.xf_ids, _openpyxl())


@lru_cache(maxsize=1024)
def _number_text(number: float) -> str:
    """A width, height or margin as openpyxl writes it ("%.16g"); they recur from sheet to sheet.

    Equal numbers are one cache entry (8 and 8.0), which is right: "%.16g" sees only the value.
    """
    return _openpyxl().safe_string(number)


def _sheet_xml(sheet: Sheet, tails: _CellTails) -> bytes:
    letter = _openpyxl().get_column_letter
    last_row, last_column = sheet.max_row, sheet.max_column        # each a walk over the rows
    out = [_SHEET_HEAD, '<pageSetUpPr fitToPage="1"/>' if sheet.landscape_a4_fit_width else "<pageSetUpPr/>",
           f'</sheetPr><dimension ref="A1:{letter(last_column or 1)}{last_row or 1}"/><sheetViews>'
           '<sheetView workbookViewId="0">']
    if sheet.freeze_row > 1:
        out.append(f'<pane ySplit="{sheet.freeze_row - 1}" topLeftCell="A{sheet.freeze_row}" activePane="bottomLeft" '
                   'state="frozen"/><selection pane="bottomLeft" activeCell="A1" sqref="A1"/>')
    else:
        out.append('<selection activeCell="A1" sqref="A1"/>')
    out.append("</sheetView></sheetViews>" + _FORMAT)
    if sheet.widths:
        out.append("<cols>")
        for column in sorted(sheet.widths):
            out.append(f'<col width="{_number_text(sheet.widths[column])}" customWidth="1" min="{column}" '
                       f'max="{column}"/>')
        out.append("</cols>")
    out.append("<sheetData>")
    starts = [f'<c r="{letter(c)}' for c in range(1, last_column + 1)]
    plain_texts, plain_ints, others, tail_of = tails.plain_texts, tails.plain_ints, tails.others, tails.tail
    for number in range(1, last_row + 1):
        height = sheet.heights.get(number)
        out.append(f'<row r="{number}" ht="{_number_text(height)}" customHeight="1">' if height is not None
                   else f'<row r="{number}">')
        end = f'{number}"'
        for start, (value, style) in zip(starts, sheet.rows[number - 1]):
            if style is _PLAIN and value.__class__ is str:
                tail = plain_texts.get(value)
                if tail is None:
                    tail = plain_texts[value] = tail_of(value, style)
            elif style is _PLAIN and value.__class__ is int:
                tail = plain_ints.get(value)
                if tail is None:
                    tail = plain_ints[value] = tail_of(value, style)
            elif value is None and style == _PLAIN:
                continue        # a cell openpyxl made but nothing was put in
            else:
                key = (value.__class__, value, style)
                tail = others.get(key)
                if tail is None:
                    tail = others[key] = tail_of(value, style)
            out.append(f"{start}{end}{tail}")
        out.append("</row>")
    out.append("</sheetData>")
    if sheet.validations:
        out.append(f'<dataValidations count="{len(sheet.validations)}">')
        for sqref, kind, operator, formula in sheet.validations:
            op_attr = f' operator="{operator}"' if operator else ""
            out.append(f'<dataValidation sqref="{sqref}" showDropDown="0" showInputMessage="0" showErrorMessage="0" '
                       f'allowBlank="1" type="{kind}"{op_attr}><formula1>{_text(formula)}</formula1></dataValidation>')
        out.append("</dataValidations>")
    left, right, top, bottom = (_number_text(m) for m in sheet.margins)
    out.append(f'<pageMargins left="{left}" right="{right}" top="{top}" bottom="{bottom}" header="0.5" footer="0.5"/>')
    if sheet.landscape_a4_fit_width:
        out.append('<pageSetup orientation="landscape" paperSize="9" fitToHeight="0" fitToWidth="1"/>')
    out.append("</worksheet>")
    return "".join(out).encode("ascii")


def _cell_tail(value, style: tuple, xf_ids: dict[tuple, int], op: SimpleNamespace) -> str:
    """A cell's XML after its reference: style, type and value, as openpyxl writes them."""
    cls = value.__class__
    if cls is str and value.startswith(FORMULA_START):
        style = style[:_QUOTE] + (1,) + style[_QUOTE + 1:]      # Excel's hidden apostrophe
    styled = f' s="{xf_ids.setdefault(style, len(xf_ids))}"' if style != _PLAIN else ""
    if cls is str:
        if value[:1] == "#" and value in op.ERROR_CODES:      # every error code starts with "#"
            return f'{styled} t="e"><v>{_text(value)}</v></c>'
        if "_x" in value:
            # Excel decodes _xHHHH_ in cell text ("a_x0007_b" would open as a bell): its "_" is
            # written _x005F_, as Excel writes it. openpyxl wrote such text as is.
            value = _LOOKS_ESCAPED.sub("_x005F_", value)
        if value == "":
            return f'{styled} t="inlineStr"></c>'
        if value != value.strip():
            return f'{styled} t="inlineStr"><is><t xml:space="preserve">{_text(value)}</t></is></c>'
        return f'{styled} t="inlineStr"><is><t>{_text(value)}</t></is></c>'
    if value is None:
        return f'{styled} t="n"></c>'
    if cls is bool:
        return f'{styled} t="b"><v>{op.safe_string(value)}</v></c>'
    if isinstance(value, op.NUMERIC_TYPES):
        return f'{styled} t="n"><v>{op.safe_string(value)}</v></c>'
    if isinstance(value, (dt.date, dt.time, dt.timedelta)):
        return f'{styled} t="n"><v>{op.safe_string(op.to_excel(value))}</v></c>'
    raise ValueError(f"Cannot convert {value!r} to Excel")


def _workbook_xml(book: Book) -> bytes:
    sheets, names = [], []
    for index, sheet in enumerate(book.sheets):
        sheets.append(f'<sheet xmlns:r="{_REL_NS}" name="{_attr(sheet.name)}" sheetId="{index + 1}" '
                      f'state="visible" r:id="rId{index + 1}"/>')
        quoted = "'" + sheet.name.replace("'", "''") + "'"
        if sheet.print_titles:
            first, last = sheet.print_titles.split(":")
            names.append(f'<definedName name="_xlnm.Print_Titles" localSheetId="{index}">'
                         f'{_utf8_text(quoted)}!${first}:${last}</definedName>')
        if sheet.print_area:
            start, end = (_absolute(ref) for ref in sheet.print_area.split(":"))
            names.append(f'<definedName name="_xlnm.Print_Area" localSheetId="{index}">'
                         f'{_utf8_text(quoted)}!{start}:{end}</definedName>')
    defined = f"<definedNames>{''.join(names)}</definedNames>" if names else "<definedNames/>"
    return (f'<workbook xmlns="{_MAIN_NS}"><workbookPr/><workbookProtection/><bookViews><workbookView '
            'visibility="visible" minimized="0" showHorizontalScroll="1" showVerticalScroll="1" showSheetTabs="1" '
            'tabRatio="600" firstSheet="0" activeTab="0" autoFilterDateGrouping="1"/></bookViews>'
            f'<sheets>{"".join(sheets)}</sheets>{defined}<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>'
            ).encode("utf-8")


def _absolute(ref: str) -> str:
    column = ref.rstrip("0123456789")
    return f"${column}${ref[len(column):]}"


@dataclass(frozen=True)
class _Part:
    """A zip member, compressed once."""

    name: str
    data: bytes
    crc: int
    size: int


def _part(name: str, body: bytes) -> _Part:
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)   # as zipfile compresses
    return _Part(name, compressor.compress(body) + compressor.flush(), zlib.crc32(body), len(body))


@lru_cache(maxsize=8)
def _package_parts(sheet_count: int, custom: bool) -> dict[str, _Part]:
    """The parts no cell changes (app, theme, relationships, content types), as openpyxl writes them."""
    import io
    import zipfile

    from openpyxl import Workbook
    from openpyxl.packaging.custom import StringProperty

    wb = Workbook()
    for _ in range(sheet_count - 1):
        wb.create_sheet()
    if custom:
        wb.custom_doc_props.append(StringProperty(name="x", value="x"))
    buffer = io.BytesIO()
    wb.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return {name: _part(name, archive.read(name))
                for name in ("docProps/app.xml", "xl/theme/theme1.xml", "_rels/.rels", "xl/_rels/workbook.xml.rels",
                             "[Content_Types].xml")}


@lru_cache(maxsize=64)
def _core_part(title: str | None, subject: str | None, keywords: str | None) -> _Part:
    from openpyxl.packaging.core import DocumentProperties
    from openpyxl.xml.functions import tostring

    stamp = dt.datetime(*FIXED_ZIP_TIME)
    props = DocumentProperties(creator="sasaeai", created=stamp, modified=stamp, lastModifiedBy="sasaeai",
                               title=title, subject=subject, keywords=keywords)
    return _part("docProps/core.xml", fix_core_times(tostring(props.to_tree())))


_STYLESHEETS: dict[tuple, _Part] = {}


def _styles_part(styles: _Styles, xf_ids: dict[tuple, int]) -> _Part:
    """xl/styles.xml as openpyxl writes it for these style lists; made once per distinct set."""
    key = (styles.key(), tuple(xf_ids))
    part = _STYLESHEETS.get(key)
    if part is None:
        from openpyxl import Workbook
        from openpyxl.styles.cell_style import StyleArray
        from openpyxl.styles.stylesheet import write_stylesheet
        from openpyxl.utils.indexed_list import IndexedList
        from openpyxl.xml.functions import tostring

        wb = Workbook()
        wb._fonts, wb._fills, wb._borders, wb._alignments = (IndexedList(styles.lists[k]) for k in
                                                             ("font", "fill", "border", "alignment"))
        wb._number_formats = IndexedList(styles.lists["number_format"])
        wb._protections = IndexedList(styles.protections)
        wb._cell_styles = IndexedList([StyleArray(list(style)) for style in xf_ids])
        part = _STYLESHEETS[key] = _part("xl/styles.xml", tostring(write_stylesheet(wb)))
    return part


def xlsx_bytes(book: Book) -> bytes:
    """The workbook as xlsx bytes, the same for the same book (fixed times, openpyxl's part order)."""
    tails = _CellTails()
    sheets = [_part(f"xl/worksheets/sheet{n}.xml", _sheet_xml(sheet, tails))
              for n, sheet in enumerate(book.sheets, start=1)]
    fixed = _package_parts(len(book.sheets), bool(book.custom))
    parts = [fixed["docProps/app.xml"], _core_part(book.title, book.subject, book.keywords),
             fixed["xl/theme/theme1.xml"]]
    if book.custom:
        from openpyxl.packaging.custom import CustomPropertyList
        from openpyxl.xml.functions import tostring

        props = CustomPropertyList()
        for prop in book.custom:
            props.append(prop)
        parts.append(_part("docProps/custom.xml", tostring(props.to_tree())))
    parts += sheets
    parts.append(_styles_part(book.styles, tails.xf_ids))
    parts.append(fixed["_rels/.rels"])
    parts.append(_part("xl/workbook.xml", _workbook_xml(book)))
    parts += [fixed["xl/_rels/workbook.xml.rels"], fixed["[Content_Types].xml"]]
    return _zip(parts)


# --- the zip, as zipfile writes it -------------------------------------------------------

_DOS_TIME = (FIXED_ZIP_TIME[3] << 11) | (FIXED_ZIP_TIME[4] << 5) | (FIXED_ZIP_TIME[5] // 2)
_DOS_DATE = ((FIXED_ZIP_TIME[0] - 1980) << 9) | (FIXED_ZIP_TIME[1] << 5) | FIXED_ZIP_TIME[2]
# "Made by" Unix (3), zip 2.0, as zipfile writes on Linux and macOS. zipfile writes 0 on
# Windows; one fixed value keeps a file's bytes the same on every system.
_MADE_BY = (3 << 8) | 20


def _zip(parts: list[_Part]) -> bytes:
    chunks, central, offset = [], [], 0
    for part in parts:
        raw = part.name.encode("ascii")
        local = struct.pack("<4s2B4HL2L2H", b"PK\003\004", 20, 0, 0, 8, _DOS_TIME, _DOS_DATE,
                            part.crc, len(part.data), part.size, len(raw), 0)
        central.append(struct.pack("<4s4B4HL2L5H2L", b"PK\001\002", 20, 3, 20, 0, 0, 8, _DOS_TIME, _DOS_DATE,
                                   part.crc, len(part.data), part.size, len(raw), 0, 0, 0, 0, 0o600 << 16, offset)
                       + raw)
        chunks += (local, raw, part.data)
        offset += len(local) + len(raw) + len(part.data)
    directory = b"".join(central)
    end = struct.pack("<4s4H2LH", b"PK\005\006", 0, 0, len(parts), len(parts), len(directory), offset, 0)
    return b"".join(chunks) + directory + end
