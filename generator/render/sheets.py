"""Small xlsx files, written directly: the bytes openpyxl would write, at a fraction of the cost.

A 送付リスト or 謝礼支払一覧 is a few hundred cells. Through openpyxl most of its
time went to building a Workbook (default styles, theme), hashing style objects
once per cell, serialising every cell through lxml, and compressing the same
theme into every file. Here a sheet is rows of plain values and style ids:
a style is registered once per styling call, not once per cell; the sheet XML
is built as text; the parts that never change (theme, relationships, content
types) and the stylesheet of each distinct style set are made by openpyxl
itself once per process and kept compressed. A sheet that is one table (the
年次集計's) is kept as columns and written column by column (`Book.table`).

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
from itertools import repeat, zip_longest
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
# Text in a table ("\n"-joined) of which some may start as a formula does.
_FORMULA_TEXT = re.compile(r"(?:^|\n)[=+\-@]")
# Values of these classes that are equal print alike (unlike 1 and True, or 0.0 and -0.0).
_ALIKE_CLASSES = frozenset({str, int, dt.date, type(None)})

# openpyxl's ILLEGAL_CHARACTERS_RE (openpyxl.cell.cell), the control characters a cell cannot hold.
_ILLEGAL_CHARACTERS = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")

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
class _Page:
    """What every worksheet has: its name, the book's style lists, and the few sheet settings the tool uses."""

    name: str
    styles: _Styles
    widths: dict[int, float] = field(default_factory=dict)      # column number -> width
    heights: dict[int, float] = field(default_factory=dict)     # row number -> height
    freeze_row: int = 0            # rows above this one stay put (freeze_panes "A<n>")
    print_titles: str = ""         # "3:3"
    print_area: str = ""           # "A1:K15"
    landscape_a4_fit_width: bool = False
    margins: tuple[float, float, float, float] = (0.75, 0.75, 1, 1)    # left, right, top, bottom
    validations: list[tuple[str, str, str, str]] = field(default_factory=list)


@dataclass
class Sheet(_Page):
    """One worksheet: rows of values and the styles of the styled cells, written row by row.

    A cell is addressed as (row index, column index), both from 0. Most cells carry no
    style, so a row's styles are a dict {column index: style} made only when one is set,
    and appending a row keeps its list of values as it is.
    """

    rows: list[list] = field(default_factory=list)                  # the values of each row
    row_styles: list[dict[int, tuple] | None] = field(default_factory=list)     # per row, or None: all plain
    _dates: list[tuple[int, int]] = field(default_factory=list, repr=False)     # the address of each date
    _time_styles: dict[type, tuple] = field(default_factory=dict, repr=False)

    @property
    def max_row(self) -> int:
        for index in range(len(self.rows), 0, -1):
            if self.rows[index - 1]:
                return index
        return 0

    @property
    def max_column(self) -> int:
        return max(map(len, self.rows), default=0)

    def append(self, values) -> None:
        """A row after the last one (openpyxl's ws.append), dates given openpyxl's automatic format."""
        values = list(values)
        kinds = list(map(type, values))
        classes = set(kinds)
        if not (classes <= _QUICK_CLASSES and self._plain_text(values, classes)):
            values = [_checked(value) if isinstance(value, str) else value for value in values]
        styles = None
        timed = classes - _UNTIMED_CLASSES      # usually {date} or nothing
        if timed:
            styles = {}
            for column, kind in enumerate(kinds):
                if kind in timed and issubclass(kind, (dt.date, dt.time, dt.timedelta)):
                    styles[column] = self._time_style(kind)
                    if issubclass(kind, dt.date):
                        self._dates.append((len(self.rows), column))
        self.rows.append(values)
        self.row_styles.append(styles or None)

    @staticmethod
    def _plain_text(values: list, classes: set) -> bool:
        """Whether the row's text needs no cell-by-cell look (no control character, none too long).

        A control character or too long a text in any cell is one in the joined text.
        """
        if str not in classes:
            return True
        text = "".join(filter(str.__instancecheck__, values)) if len(classes) > 1 else "".join(values)
        return len(text) <= 32767 and not _ILLEGAL_CHARACTERS.search(text)

    def _time_style(self, kind: type) -> tuple:
        """The style openpyxl gives a date, time or duration cell: its automatic number format."""
        style = self._time_styles.get(kind)
        if style is None:
            fmt = _openpyxl().get_time_format(kind)
            style = self._time_styles[kind] = _with(_PLAIN, ((3, self.styles.register("number_format", fmt)),))
        return style

    def value(self, address: tuple[int, int]):
        """The value at an address from `cells` or `date_cells`."""
        row, column = address
        return self.rows[row][column]

    def style_of(self, address: tuple[int, int]) -> tuple:
        """The style ids (openpyxl's StyleArray slots) of the cell at an address."""
        row, column = address
        return (self.row_styles[row] or {}).get(column, _PLAIN)

    def date_cells(self, min_row: int = 1) -> list[tuple[int, int]]:
        """The addresses of the cells holding a date (or datetime) in rows min_row and after, as appended."""
        return [(row, column) for row, column in self._dates if row >= min_row - 1]

    def text_lengths(self) -> list[int]:
        """Per column, the longest value as text (len(str(value or ""))), rows 1 to max_row."""
        lengths = []
        for column in zip_longest(*self.rows[:self.max_row]):
            if set(map(type, column)) <= _ALIKE_CLASSES:
                column = set(column)        # equal values print alike: each looked at once
            # filter(None) leaves out what `value or ""` turns into "": its length, 0, is the default.
            lengths.append(max(map(len, map(str, filter(None, column))), default=0))
        return lengths

    def cells(self, min_row: int, max_row: int | None = None,
              columns: tuple[int, ...] | None = None) -> list[tuple[int, int]]:
        """The addresses of rows min_row..max_row in `columns` (default every column up to max_column), made if missing.

        Like openpyxl's iter_rows: asking for a cell makes it (empty, unstyled).
        """
        max_row = min_row if max_row is None else max_row
        # openpyxl's max_column is at least 1, even on a sheet of empty rows.
        columns = columns or tuple(range(1, max(self.max_column, 1) + 1))
        widest = max(columns, default=0)
        while len(self.rows) < max_row:
            self.rows.append([])
            self.row_styles.append(None)
        found = []
        for index in range(min_row - 1, max_row):
            row = self.rows[index]
            if len(row) < widest:
                row += [None] * (widest - len(row))
            found += [(index, column - 1) for column in columns]
        return found

    def style(self, cells: list[tuple[int, int]], **attrs) -> None:
        """Set font=, fill=, border=, alignment=, number_format= on every cell, registering each style once, in order."""
        if not cells:
            return      # openpyxl registers a style only when it sets it on a cell
        changes = tuple((_SLOT[name], self.styles.register(name, value)) for name, value in attrs.items())
        done: dict[tuple, tuple] = {}
        row_styles = self.row_styles
        for row, column in cells:
            styles = row_styles[row]
            if styles is None:
                styles = row_styles[row] = {}
            before = styles.get(column, _PLAIN)
            after = done.get(before)
            if after is None:
                after = done[before] = _with(before, changes)
            styles[column] = after


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
class Table(_Page):
    """A sheet that is one table: a header row in one style, then rows of values, written column by column.

    `Book.table` makes one when the rows allow it (all as wide as the header, values of
    the quick classes, text that needs no cell-by-cell look), and otherwise a Sheet given
    the same calls; the bytes are the same either way (tests/test_xlsx.py compares them).
    A table's columns mostly repeat a few values in one style (the 年次集計's who and when,
    counts, ○), so each column's distinct values are turned into XML once and its cells
    are looked up in bulk, instead of every cell going through Python one by one.
    """

    header: list[str] = field(default_factory=list)
    columns: list[tuple] = field(default_factory=list)        # the body, column by column
    header_style: tuple = _PLAIN
    column_styles: list[dict[type, tuple]] = field(default_factory=list)      # per column: value class -> style
    distinct: list[set | None] = field(default_factory=list)   # per column its distinct values, when alike
    formula_text: bool = True       # some text may start as a formula does (then written quote-prefixed)

    @property
    def max_row(self) -> int:
        return 1 + len(self.columns[0])

    @property
    def max_column(self) -> int:
        return len(self.header)

    def text_lengths(self) -> list[int]:
        """Per column, the longest value as text (len(str(value or ""))), the header included."""
        return [max(len(title), max(map(len, map(str, filter(None, column if distinct is None else distinct))),
                                    default=0))
                for title, column, distinct in zip(self.header, self.columns, self.distinct)]

    def new_styles(self, known: dict[tuple, int]) -> list[tuple]:
        """The styles this table's cells use that are not in `known`, in the order of their first cells.

        That is the order openpyxl gives them xf ids: row by row, left to right. Text read
        as a formula is written in its style with Excel's hidden apostrophe, another style.
        It decides as `_cell_tail` does (which style a cell is written in, an empty unstyled
        cell not written); a change to one is a change to both.
        """
        firsts: dict[tuple, tuple[int, int]] = {}

        def seen(style: tuple, row: int, column: int) -> None:
            if style not in firsts or (row, column) < firsts[style]:
                firsts[style] = (row, column)

        quoted_titles = [column for column, title in enumerate(self.header)
                         if self.formula_text and title.startswith(FORMULA_START)]
        if quoted_titles and _quoted(self.header_style) not in known:
            seen(_quoted(self.header_style), 0, quoted_titles[0])
        if len(quoted_titles) < len(self.header) and self.header_style not in known:
            seen(self.header_style, 0, next(c for c in range(len(self.header)) if c not in quoted_titles))
        for column, (values, styles, distinct) in enumerate(zip(self.columns, self.column_styles, self.distinct)):
            for kind, style in styles.items():
                if kind is not str or not self.formula_text:
                    if style not in known:
                        seen(style, 1 + list(map(type, values)).index(kind), column)
                    continue
                texts = {value for value in (values if distinct is None else distinct) if value.__class__ is str}
                formulas = [value for value in texts if value.startswith(FORMULA_START)]
                if formulas and _quoted(style) not in known:
                    seen(_quoted(style), 1 + min(map(values.index, formulas)), column)
                if len(formulas) < len(texts) and style not in known:
                    seen(style, 1 + next(row for row, value in enumerate(values)
                                         if value.__class__ is str and not value.startswith(FORMULA_START)), column)
        return sorted(firsts, key=firsts.__getitem__)


def _quoted(style: tuple) -> tuple:
    """The style with Excel's hidden apostrophe: text that would be read as a formula stays text."""
    return style[:_QUOTE] + (1,) + style[_QUOTE + 1:]


@dataclass
class Book:
    """A workbook to be written as xlsx bytes by `xlsx_bytes`."""

    sheets: list[Sheet | Table] = field(default_factory=list)
    styles: _Styles = field(default_factory=_Styles)
    title: str | None = None
    subject: str | None = None
    keywords: str | None = None
    custom: list = field(default_factory=list)       # openpyxl.packaging.custom properties (name, value), in order

    def sheet(self, name: str) -> Sheet:
        """A new empty worksheet after the others."""
        made = Sheet(name, self.styles)
        self.sheets.append(made)
        return made

    def table(self, name: str, header: list[str], rows: list[list], header_style: dict,
              formats: dict[int, str] | None = None, date_format: str = "") -> Sheet | Table:
        """A sheet of one table: `header` in `header_style` (font=, fill=, ...), then `rows`.

        `formats` gives a column (index from 0) its number format below the header;
        `date_format` is given to every date below it. The result is the sheet
        `_table_as_sheet` makes with the same arguments, written faster when the rows allow.
        Which of the two comes back depends on the rows, so a caller uses only what both
        have: the page settings (widths, freeze_row, ...) and `text_lengths`.
        """
        formats = formats or {}
        # Any iterables, as ws.append takes: listed once here, so the fallback reads what was measured.
        header, rows = list(header), list(rows)
        width = len(header)
        try:
            widths = set(map(len, rows))
        except TypeError:       # a row that is an iterator: only the cell-by-cell way reads it
            widths = None
        if not (width and rows and set(map(type, header)) == {str} and widths == {width}
                and set(formats) <= set(range(width))):
            return self._table_as_sheet(name, header, rows, header_style, formats, date_format)
        columns = list(zip(*rows))
        column_kinds = [set(map(type, values)) for values in columns]
        kinds = set().union(*column_kinds)
        distinct = [set(values) if found <= _ALIKE_CLASSES else None for values, found in zip(columns, column_kinds)]
        texts = list(header)
        for values, found, seen in zip(columns, column_kinds, distinct):
            if str in found:
                texts += filter(str.__instancecheck__, values if seen is None else seen)
        joined = "\n".join(texts)
        if not (kinds <= _QUICK_CLASSES and max(map(len, texts)) <= 32767 and not _ILLEGAL_CHARACTERS.search(joined)):
            return self._table_as_sheet(name, header, rows, header_style, formats, date_format)
        styles = self.styles
        # Styles registered in the order the Sheet registers them, which numbers them in styles.xml.
        header_changes = tuple((_SLOT[attr], styles.register(attr, value)) for attr, value in header_style.items())
        has_dates = dt.date in kinds
        automatic = styles.register("number_format", _openpyxl().get_time_format(dt.date)) if has_dates else 0
        format_ids = {column: styles.register("number_format", fmt) for column, fmt in formats.items()}
        date_id = styles.register("number_format", date_format) if date_format and has_dates else None
        table = Table(name, styles, header=header, columns=columns, header_style=_with(_PLAIN, header_changes),
                      distinct=distinct, formula_text=bool(_FORMULA_TEXT.search(joined)))
        for column, found in enumerate(column_kinds):
            # Only the number format differs: the dates' own, else the column's, else openpyxl's for a date.
            column_format = format_ids.get(column)
            numbers = {kind: column_format or 0 for kind in found}
            if dt.date in found:
                numbers[dt.date] = next(n for n in (date_id, column_format, automatic) if n is not None)
            table.column_styles.append({kind: _with(_PLAIN, ((3, number),)) if number else _PLAIN
                                        for kind, number in numbers.items()})
        self.sheets.append(table)
        return table

    def _table_as_sheet(self, name: str, header: list, rows: list[list], header_style: dict,
                        formats: dict[int, str], date_format: str) -> Sheet:
        """The table as a Sheet, cell by cell: what `table` means, for any rows."""
        ws = self.sheet(name)
        ws.append(header)
        ws.style(ws.cells(1), **header_style)
        for values in rows:
            ws.append(values)
        last = ws.max_row
        for index, fmt in formats.items():
            if last >= 2:
                ws.style(ws.cells(2, last, columns=(index + 1,)), number_format=fmt)
        if date_format:
            ws.style(ws.date_cells(min_row=2), number_format=date_format)
        return ws


# --- serialising ---------------------------------------------------------------------

class _CellTails:
    """Each distinct cell's XML after its reference, made once per workbook.

    The sheets of a workbook repeat values (the 年次集計 puts the 都道府県, 市町村, 年度 and
    基準日 on every row of every sheet; IDs and small counts recur), so each distinct value
    and style is turned into XML once. Most cells are unstyled text or whole numbers, kept
    by value alone (no text equals a number); other keys hold the class, because 1, 1.0 and
    True are equal as keys but not as cells, and values of classes whose equal values may
    print differently (0.0 and -0.0) are keyed by their repr. A style gets its xf id where
    openpyxl gives it one: at its first cell.
    """

    def __init__(self):
        self.xf_ids: dict[tuple, int] = {_PLAIN: 0}
        self.plain: dict[str | int, str] = {}       # unstyled str and int cells (exactly those classes)
        self.others: dict[tuple, str] = {}

    def find(self, value, style: tuple) -> str | None:
        """The cell's XML after its reference, made on its first sight; None for a cell not written."""
        cls = value.__class__
        if style is _PLAIN and (cls is str or cls is int):
            tail = self.plain.get(value)
            if tail is None:
                tail = self.plain[value] = _cell_tail(value, style, self.xf_ids, _openpyxl())
        elif value is None and style == _PLAIN:
            return None         # a cell openpyxl made but nothing was put in
        else:
            key = (cls, value if cls in _ALIKE_CLASSES else repr(value), style)
            tail = self.others.get(key)
            if tail is None:
                tail = self.others[key] = _cell_tail(value, style, self.xf_ids, _openpyxl())
        return tail


@lru_cache(maxsize=1024)
def _number_text(number: float) -> str:
    """A width, height or margin as openpyxl writes it ("%.16g"); they recur from sheet to sheet.

    Equal numbers are one cache entry (8 and 8.0), which is right: "%.16g" sees only the value.
    """
    return _openpyxl().safe_string(number)


def _sheet_xml(sheet: Sheet | Table, tails: _CellTails) -> bytes:
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
    if isinstance(sheet, Table):
        _table_rows_xml(sheet, starts, tails, out)
    else:
        _rows_xml(sheet.rows[:last_row], sheet.row_styles, 1, sheet.heights, starts, tails, out)
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


def _row_head(number: int, heights: dict[int, float]) -> str:
    height = heights.get(number)
    return (f'<row r="{number}" ht="{_number_text(height)}" customHeight="1">' if height is not None
            else f'<row r="{number}">')


def _rows_xml(rows: list[list], row_styles: list, first: int, heights: dict[int, float], starts: list[str],
              tails: _CellTails, out: list[str]) -> None:
    """Rows numbered from `first`, cell by cell, in column order: a style gets its xf id at its first cell."""
    plain, find = tails.plain, tails.find
    for number, (values, styles) in enumerate(zip(rows, row_styles), start=first):
        out.append(_row_head(number, heights))
        end = f'{number}"'
        if styles:
            cell_styles = [_PLAIN] * len(values)
            for column, style in styles.items():
                cell_styles[column] = style
        else:
            cell_styles = repeat(_PLAIN)
        for start, value, style in zip(starts, values, cell_styles):
            # The usual cell, unstyled text or number seen before, without a call; the rest by find.
            cls = value.__class__
            if style is _PLAIN and (cls is str or cls is int):
                tail = plain.get(value) or find(value, style)
            else:
                tail = find(value, style)
                if tail is None:
                    continue        # a cell openpyxl made but nothing was put in
            out.append(f"{start}{end}{tail}")
        out.append("</row>")


_NUMBER = "\0"        # where a table row's number goes in its cells' XML


def _table_rows_xml(table: Table, starts: list[str], tails: _CellTails, out: list[str]) -> None:
    """The header row cell by cell, then the body column by column: each distinct value of a column once.

    A body cell's XML is made with a NUL where its row number goes (no cell can hold a
    NUL: Book.table refuses control characters), so a row is its cells joined, with the
    number put in once; a cell that is not written is "".
    """
    xf_ids = tails.xf_ids
    for style in table.new_styles(xf_ids):
        xf_ids[style] = len(xf_ids)
    header_styles = dict.fromkeys(range(len(table.header)), table.header_style)
    _rows_xml([table.header], [header_styles], 1, table.heights, starts, tails, out)
    find = tails.find
    columns = []
    for start, values, styles, distinct in zip(starts, table.columns, table.column_styles, table.distinct):
        start += _NUMBER + '"'
        if distinct is None:        # True and 1, or 0.0 and -0.0, are one key but two cells
            columns.append(["" if (tail := find(value, styles[value.__class__])) is None else start + tail
                            for value in values])
        else:
            xml = {value: "" if (tail := find(value, styles[value.__class__])) is None else start + tail
                   for value in distinct}
            columns.append(list(map(xml.__getitem__, values)))
    heights = table.heights
    for number, row in enumerate(zip(*columns), start=2):
        head = _row_head(number, heights) if heights else f'<row r="{number}">'
        out.append(head + "".join(row).replace(_NUMBER, str(number)) + "</row>")


def _cell_tail(value, style: tuple, xf_ids: dict[tuple, int], op: SimpleNamespace) -> str:
    """A cell's XML after its reference: style, type and value, as openpyxl writes them.

    Table.new_styles numbers the styles a table's cells are written in by the same rules.
    """
    cls = value.__class__
    if cls is str and value.startswith(FORMULA_START):
        style = _quoted(style)
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


@lru_cache(maxsize=64)
def _custom_part(props: tuple[tuple[type, str, object], ...]) -> _Part:
    """docProps/custom.xml of (property class, name, value), the fields the tool sets; the same all year."""
    from openpyxl.packaging.custom import CustomPropertyList
    from openpyxl.xml.functions import tostring

    made = CustomPropertyList()
    for kind, name, value in props:
        made.append(kind(name=name, value=value))
    return _part("docProps/custom.xml", tostring(made.to_tree()))


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
        parts.append(_custom_part(tuple((type(prop), prop.name, prop.value) for prop in book.custom)))
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
