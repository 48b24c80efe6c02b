"""The values of a ledger's worksheets, row by row, as the reader needs them.

Two engines give the same rows:
- python-calamine (Rust) reads a sheet about fifteen times faster than
  openpyxl. It is used whenever it is installed and the sheet is of a size it
  can hold (it builds every sheet as one dense grid in memory).
- openpyxl in read-only mode streams a sheet in bounded memory. It reads a
  sheet calamine must not hold (one stray cell at XFD1048576 would make
  calamine ask for 500 GB and abort the process), a sheet calamine fails on,
  and everything when calamine is not installed.

Either way the rows look the way openpyxl has always shown them to
values.py: None for an empty cell, int for a whole number, datetime for a
date, the error text ('#N/A') for an error cell. A regex pass over the raw
sheet XML adds what neither engine reports: vertical merges and formulas with
no cached value.

Nothing here parses a package before `reader.read_workbook_bytes` has checked
its sizes and refused DOCTYPEs.
"""
from __future__ import annotations

import datetime as dt
import io
import math
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from typing import Callable, Iterable
from xml.etree import ElementTree

from .. import safezip
from .values import clean_text, remove_controls

# The cells (rows x columns, counted from A1) calamine may hold for one sheet.
# A ledger of 10,000 members is 180,000; this is 100,000 rows of 30 columns.
# Past it the sheet is streamed by openpyxl instead, in bounded memory.
CALAMINE_CELL_LIMIT = 3_000_000

ENGINES = ("calamine", "openpyxl")


@dataclass
class Merges:
    """Vertical merges: the cells below each top cell, by row, and the top cells."""

    below: dict[int, list[tuple[int, int]]] = field(default_factory=dict)   # row -> [(col, top row)]
    tops: set[tuple[int, int]] = field(default_factory=set)                 # (row, col)

    def __bool__(self) -> bool:
        return bool(self.tops)


@dataclass
class RawSheet:
    """What the reader needs from one worksheet.

    `rows` yields one sequence of values per row, row 1 first; `clean` makes a
    cell's text safe (the engines differ in whether `_xHHHH_` is decoded yet).
    """

    title: str
    rows: Iterable
    merged: Merges
    formula_without_value: set[tuple[int, int]]
    clean: Callable[[str], str] = clean_text


# --- the raw sheet XML -----------------------------------------------------------

_MERGE = re.compile(rb'<mergeCell[^>]*\bref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
_CELL = re.compile(rb'<c\b([^>]*?)(?:/>|>(.*?)</c>)', re.S)
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_ERROR_TYPE = re.compile(rb'\bt\s*=\s*["\']e["\']')
# An error cell's reference written any way XML allows (calamine reads them all).
_ANY_REF = re.compile(rb'(?:^|[\s"\'])r\s*=\s*["\']([A-Za-z]+)(\d+)["\']')
_VALUE = re.compile(rb'<v>(.*?)</v>', re.S)


def col_index(letters: bytes | str) -> int:
    """1 for A, 27 for AA."""
    index = 0
    for ch in letters if isinstance(letters, str) else letters.decode():
        index = index * 26 + ord(ch.upper()) - 64
    return index


@dataclass
class SheetScan:
    """What a regex pass over a sheet part finds that the engines do not report."""

    merged: Merges
    formula_without_value: set[tuple[int, int]]
    errors: dict[tuple[int, int], str]           # (row, col) -> '#N/A'; calamine shows them as empty
    unplaced_error: bool = False                 # an error cell with no reference to put it back at


def scan_sheet_xml(xml: bytes) -> SheetScan:
    """Merged ranges, formula cells that carry no cached value, and error cells.

    A regex over the raw part is far cheaper than a second parse, and the
    cell pass only runs when the part has a formula or an error cell.
    """
    merged = Merges()
    if b"<mergeCell " in xml:
        last_row = None
        seen: set[tuple[int, int]] = set()
        for c1, r1, _c2, r2 in _MERGE.findall(xml):
            top, left, bottom = int(r1), col_index(c1), int(r2)
            if bottom - top > _LONG_MERGE:
                # "A1:A1048576" is a few bytes; listing a million rows per merge is not.
                # No engine yields a row past the part's last row, so none is filled.
                if last_row is None:
                    last_row = last_row_bound(xml)
                bottom = min(bottom, last_row)
            for row in range(top + 1, bottom + 1):
                # Only the first column of a merge is filled down: a member's
                # 協議体ID merged over rows belongs to each row, but 住所1 merged
                # across into 住所2 must not be written twice. Of overlapping
                # merges the first listed fills a cell, so one entry is enough.
                if (row, left) not in seen:
                    seen.add((row, left))
                    merged.below.setdefault(row, []).append((left, top))
            merged.tops.add((top, left))
    missing: set[tuple[int, int]] = set()
    errors: dict[tuple[int, int], str] = {}
    unplaced = False
    has_errors = (b'"e"' in xml or b"'e'" in xml) and _ERROR_TYPE.search(xml) is not None
    if b"<f" in xml or has_errors:
        for attrs, body in _CELL.findall(xml):
            if body and b"<f" in body and (b"<v>" not in body or b"<v></v>" in body):
                ref = _REF.search(attrs)
                if ref:
                    missing.add((int(ref.group(2)), col_index(ref.group(1))))
            elif has_errors and _ERROR_TYPE.search(attrs):
                ref, value = _ANY_REF.search(attrs), _VALUE.search(body or b"")
                if ref and value:
                    errors[(int(ref.group(2)), col_index(ref.group(1)))] = value.group(1).decode(
                        "utf-8", "replace")
                elif value:
                    unplaced = True
    return SheetScan(merged, missing, errors, unplaced)


# Where calamine puts a cell: its r attribute (any case, either quote, spaces
# around '=', even with no space after the previous attribute's quote), else
# the next column of its row; a row without r follows the previous one. The
# extent below must bound that for hostile parts too.
# Leading zeros are skipped: r="A0000001" must not hide a longer row number elsewhere.
_POSITION = re.compile(rb'[\s"\']r\s*=\s*["\']([A-Za-z]*)0*(\d+)')
_ROW_ELEMENT = re.compile(rb'<row[\s/>]')
_CELL_ELEMENT = re.compile(rb'<c[\s/>]')
_PREFIXED_ROW = re.compile(rb'<[A-Za-z_][\w.-]*:row[\s/>]')
_PREFIXED_CELL = re.compile(rb'<[A-Za-z_][\w.-]*:c[\s/>]')


_LONG_MERGE = 1000        # rows; a merge this long is worth bounding by the part's rows


def last_row_bound(xml: bytes) -> int:
    """An upper bound of the row numbers either engine yields for this sheet part."""
    numbers = [n for _, n in _POSITION.findall(xml)]
    rows = len(_ROW_ELEMENT.findall(xml)) + len(_PREFIXED_ROW.findall(xml))
    if not numbers:
        return rows
    digits = max(map(len, numbers))
    # A row without r follows the previous one: at most one more per row element.
    return max(int(n) for n in numbers if len(n) == digits) + rows


def dense_extent(xml: bytes) -> float:
    """An upper bound of the cells from A1 that calamine allocates for this sheet part."""
    positions = _POSITION.findall(xml)
    cells = len(_CELL_ELEMENT.findall(xml))
    rows = len(_ROW_ELEMENT.findall(xml))
    if b":c" in xml or b":row" in xml:      # <x:row>, <x:c>, as some generators write them
        cells += len(_PREFIXED_CELL.findall(xml))
        rows += len(_PREFIXED_ROW.findall(xml))
    if not positions:
        return math.inf if cells else 0
    cols, numbers = zip(*positions)
    letters = set(cols)
    letters.discard(b"")
    digits = max(map(len, numbers))
    if digits > 7 or any(len(col) > 3 for col in letters):
        return math.inf        # past XFD1048576: nothing a ledger holds
    max_row = max(int(n) for n in numbers if len(n) == digits)
    max_col = max(map(col_index, letters), default=0)
    cell_refs = len(cols) - cols.count(b"")
    row_refs = len(cols) - cell_refs
    if cell_refs < cells:      # cells placed by counting: as wide as there are cells
        max_col += cells
    if row_refs < rows or cell_refs < cells:
        max_row += rows + cells
    return max_row * max_col


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Each sheet's title -> the zip part of its worksheet, as xl/workbook.xml and its rels name them."""
    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return {}
    targets = {}
    for rel in rels:
        if rel.tag.endswith("Relationship") and rel.get("Type", "").endswith("/worksheet"):
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join("xl", target))
            targets[rel.get("Id")] = path
    parts = {}
    for sheet in workbook.iter():
        if sheet.tag.endswith("}sheet"):
            rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
            if rid in targets and sheet.get("name") is not None:
                # The first of two sheets with one name is the one both engines read.
                parts.setdefault(sheet.get("name"), targets[rid])
    return parts


# --- calamine's values as openpyxl shows them ----------------------------------------

_SAFE_INT = 2 ** 53
_NEEDS_TEXT = object()      # a number only the cell's own text gives exactly


def _as_openpyxl(value):
    """One non-text calamine value in openpyxl's type: 3 for 3.0, datetime for date."""
    cls = value.__class__
    if cls is float:
        if value.is_integer():
            # openpyxl makes <v>3</v> an int. Past 2**53 a float has lost digits that
            # <v>9007199254740993</v> holds and openpyxl keeps: the text decides.
            return int(value) if -_SAFE_INT < value < _SAFE_INT else _NEEDS_TEXT
        return value if math.isfinite(value) else _NEEDS_TEXT
    if cls is dt.date:
        return dt.datetime(value.year, value.month, value.day)
    return value


def cast_number_text(text: str):
    """A <v> that is no finite number, as openpyxl reads it: int, float, or the text itself."""
    try:
        if "." in text or "E" in text or "e" in text:
            return float(text)
        return int(text)
    except ValueError:
        return text


def _raw_number(xml: bytes, row: int, col: int, fallback):
    letters = ""
    n = col
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    match = re.search(rb'<c\b[^>]*\br\s*=\s*["\']' + f"{letters}{row}".encode() + rb'["\'][^>]*>(.*?)</c>',
                      xml, re.S | re.I)
    value = _VALUE.search(match.group(1)) if match else None
    # A cell without a reference cannot be found again: calamine's float is the closest.
    return cast_number_text(value.group(1).decode("utf-8", "replace")) if value else fallback


def openpyxl_rows(grid: list[list], part_xml: Callable[[], bytes], errors: dict[tuple[int, int], str]):
    """calamine's grid (from A1, '' for empty) in openpyxl's values, error cells restored, row by row.

    Each grid row is let go once converted, so the sheet is not held twice.
    `part_xml` gives the sheet's XML for the rare number calamine could not keep.
    """
    convert = _as_openpyxl
    by_row: dict[int, list[tuple[int, str]]] = {}
    for (number, col), text in errors.items():
        by_row.setdefault(number, []).append((col, text))
    for index, row in enumerate(grid):
        grid[index] = None
        number = index + 1
        values = [None if v == "" else v if v.__class__ is str else convert(v) for v in row]
        if _NEEDS_TEXT in values:
            # 1e999 or 5,000 digits: calamine says inf; openpyxl keeps what it cannot cast as
            # text. Past 2**53: openpyxl keeps every digit of an int.
            xml = part_xml()
            values = [_raw_number(xml, number, col, row[col - 1]) if v is _NEEDS_TEXT else v
                      for col, v in enumerate(values, 1)]
        row = values
        for col, text in by_row.get(number, ()):
            if col <= len(row):
                row[col - 1] = text
        yield row


# --- the two engines ----------------------------------------------------------------

class OpenpyxlBook:
    """Sheets streamed by openpyxl in read-only mode."""

    def __init__(self, data: bytes):
        import openpyxl

        _install_tolerant_numbers()
        self.wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        self.titles = list(self.wb.sheetnames)

    def sheet(self, title: str) -> RawSheet:
        ws = self.wb[title]
        try:
            xml = self.wb._archive.read(ws._worksheet_path)
        except (AttributeError, KeyError):  # not a plain worksheet (a chartsheet)
            return RawSheet(title, iter(()), Merges(), set())
        scan = scan_sheet_xml(xml)
        ws.reset_dimensions()  # some writers store a wrong <dimension>; read every row
        return RawSheet(title, ws.iter_rows(values_only=True), scan.merged, scan.formula_without_value)

    def close(self) -> None:
        self.wb.close()


class CalamineBook:
    """Sheets read by python-calamine; a sheet it must not or cannot read goes to openpyxl."""

    def __init__(self, data: bytes):
        import python_calamine

        self.data = data
        self.archive = zipfile.ZipFile(io.BytesIO(data))
        if _declares_too_many_strings(self.archive):
            self.archive.close()
            raise NotForCalamine("shared strings")
        self.wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        kinds = python_calamine.SheetTypeEnum
        # The sheets openpyxl lists: worksheets and chartsheets (no dialog or macro sheets).
        self.titles = [m.name for m in self.wb.sheets_metadata if m.typ in (kinds.WorkSheet, kinds.ChartSheet)]
        self.worksheets = {m.name for m in self.wb.sheets_metadata if m.typ == kinds.WorkSheet}
        self.parts = {t: p for t, p in sheet_parts(self.archive).items() if t in self.worksheets}
        if self.parts:
            # openpyxl does not list a worksheet whose part is not in the package, so the
            # reader names it as a missing sheet; listed here, it made the file "broken".
            self.titles = [t for t in self.titles if t not in self.worksheets
                           or self.parts.get(t) in self.archive.NameToInfo]
        self.fallback: OpenpyxlBook | None = None
        # A part calamine might read as a sheet that this reader did not map to one
        # (a hostile rels target) must not be too large either, or nothing is safe.
        mapped = set(self.parts.values())
        self.safe = all(dense_extent(self.archive.read(name)) <= CALAMINE_CELL_LIMIT
                        for name in self.archive.namelist()
                        if name not in mapped and _may_be_sheet(self.archive, name))

    def sheet(self, title: str) -> RawSheet:
        if title not in self.worksheets:      # a chartsheet: no values
            return RawSheet(title, iter(()), Merges(), set())
        part = self.parts.get(title)
        xml = self.archive.read(part) if part in self.archive.NameToInfo else None
        # A part this reader could not find is one whose size it cannot bound either.
        if xml is None or not self.safe or dense_extent(xml) > CALAMINE_CELL_LIMIT:
            return self._openpyxl().sheet(title)
        scan = scan_sheet_xml(xml)
        if scan.unplaced_error:
            # calamine shows an error cell as empty, and this one cannot be put back by
            # reference: openpyxl places it by counting, as it always has.
            return self._openpyxl().sheet(title)
        try:
            grid = self.wb.get_sheet_by_name(title).to_python(skip_empty_area=False)
        except BaseException as exc:  # pyo3 panics derive from BaseException
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            # What calamine cannot read, openpyxl reads as it always has, or names as broken.
            return self._openpyxl().sheet(title)
        archive = self.archive
        rows = openpyxl_rows(grid, lambda: archive.read(part), scan.errors)
        # calamine has decoded _xHHHH_ already; decoding again would turn a
        # literal "_x005F_x0041_" (text "_x0041_") into "A".
        return RawSheet(title, rows, scan.merged, scan.formula_without_value, remove_controls)

    def _openpyxl(self) -> OpenpyxlBook:
        if self.fallback is None:
            self.fallback = OpenpyxlBook(self.data)
        return self.fallback

    def close(self) -> None:
        self.wb.close()
        self.archive.close()
        if self.fallback is not None:
            self.fallback.close()


class NotForCalamine(Exception):
    """A workbook calamine must not be given; openpyxl reads it."""


def _declares_too_many_strings(archive: zipfile.ZipFile) -> bool:
    """True when a shared-strings part declares more strings than a ledger can hold.

    calamine reserves room for the declared count before reading one string:
    uniqueCount="4000000000" in a file of a few kilobytes aborts the process.
    openpyxl ignores the count.
    """
    # Every part: calamine finds xl/sharedStrings.xml ignoring case and reading '\\' as '/'.
    for info in archive.infolist():
        if not info.is_dir():
            root = _root_tag(archive, info.filename)
            if _SST.match(root):
                for value in (b"".join(pair) for pair in _COUNTS.findall(root)):
                    if any(len(n.lstrip(b"0")) > 7 or int(n) > safezip.LEDGER.shared_strings
                           for n in re.findall(rb"\d+", value)):
                        return True
    return False


_SST = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sst[\s/>]")
_COUNTS = re.compile(rb'[\s"\'](?:uniqueCount|count)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')
_PROLOG_ITEM = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->", re.S)
_START_TAG = re.compile(rb"<[^>]*>", re.S)


def _root_tag(archive: zipfile.ZipFile, name: str) -> bytes:
    """The start tag of a part's root element, after its declaration, comments and whitespace."""
    with archive.open(name) as stream:
        head, position = b"", 0
        while True:
            chunk = stream.read(65536)
            head += chunk
            while True:
                item = _PROLOG_ITEM.match(head, position)
                if not item:
                    break
                position = item.end()
            rest = head[position:position + 4]
            if rest and not rest.startswith(b"<"):
                return b""      # not XML (an image): nothing more to read
            # An unfinished comment or declaration may hold a '>': read on before taking a tag.
            unfinished = len(rest) < 4 or rest.startswith((b"<!--", b"<?"))
            tag = None if unfinished else _START_TAG.match(head, position)
            if tag or not chunk:
                return tag.group(0) if tag else b""


def _may_be_sheet(archive: zipfile.ZipFile, name: str) -> bool:
    with archive.open(name) as stream:
        return b"sheetData" in stream.read() if not name.endswith("/") else False


def calamine_available() -> bool:
    """True when python-calamine can be imported."""
    try:
        import python_calamine  # noqa: F401
    except ImportError:
        return False
    return True


def open_book(data: bytes, engine: str | None = None) -> "CalamineBook | OpenpyxlBook":
    """The workbook in `data`, read by `engine` (default: calamine when installed, else openpyxl).

    A workbook calamine cannot open at all is opened by openpyxl, which reads
    it as it always has or raises the error the reader reports as broken.
    """
    if engine not in (None, *ENGINES):
        raise ValueError(f"unknown engine {engine!r}")
    if engine == "openpyxl" or (engine is None and not calamine_available()):
        return OpenpyxlBook(data)
    try:
        return CalamineBook(data)
    except BaseException as exc:  # pyo3 panics derive from BaseException
        if isinstance(exc, (KeyboardInterrupt, SystemExit)) or engine == "calamine":
            raise
        return OpenpyxlBook(data)


# --- openpyxl's number conversion, tolerant -----------------------------------------------

def _tolerant_cast_number(value: str):
    """openpyxl's number conversion, keeping a number it cannot convert as its text.

    openpyxl turns a cell's <v> into int or float while it iterates rows, so a
    5,000-digit number (past int()'s 4,300-digit limit) would abort the whole
    sheet with no cell named. As text, it reaches the parser of its column
    and becomes a finding at its cell.
    """
    try:
        return _openpyxl_cast_number(value)
    except ValueError:
        return value


def _install_tolerant_numbers() -> None:
    global _openpyxl_cast_number
    from openpyxl.worksheet import _reader

    if _reader._cast_number is not _tolerant_cast_number:
        _openpyxl_cast_number = _reader._cast_number
        _reader._cast_number = _tolerant_cast_number


_openpyxl_cast_number = None

