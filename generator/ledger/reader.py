"""Read 台帳.xlsx into the domain model (DOMAIN.md §2).

The reader is forgiving the way staff are (titles above the header, any column
order, extra columns, merged cells, blank rows, every date form) and strict
about what it cannot understand: a value it cannot parse becomes a finding at
its cell, and only a file it cannot read at all raises `LedgerError`.

The file is opened once, read-only, checked (sizes, DOCTYPEs) and decrypted
here; the engines that turn its sheets into rows of values (python-calamine,
openpyxl as fallback) live in engines.py and only ever see those checked bytes,
so the ledger is never written to.
"""
from __future__ import annotations

import io
import os
import re
import stat
import zipfile
from pathlib import Path

from .. import messages, safezip

from . import engines, schema
from ..errors import LedgerError, os_reason
from .findings import Finding, finding
from .model import RECORD_TYPES, Info, Ledger
from .values import ValueProblem, header_key, parse, show

HEADER_SEARCH_ROWS = 10

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"


# --- opening the file ---------------------------------------------------------

def read_workbook_bytes(path: str | Path, password: str | None = None) -> bytes:
    """The bytes of a plain .xlsx package, decrypted when a password is given."""
    path = Path(path)
    name = str(path)
    data = _read_regular_file(path, name, safezip.LEDGER.file)
    if not data:
        raise LedgerError("file-unreadable", messages.FILE_EMPTY.format(path=name))
    if data.startswith(_OLE_MAGIC):
        data = _decrypt(data, name, password)
    elif not data.startswith(_ZIP_MAGIC):
        raise LedgerError("file-unreadable", _not_xlsx_message(data, name))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" not in names:
                raise LedgerError("file-unreadable", messages.FILE_NOT_WORKBOOK.format(path=name))
            safezip.check_package(archive, safezip.LEDGER)
            unsafe = any(_declares_doctype(archive, part) for part in names
                         if part.endswith((".xml", ".rels")))
    except safezip.PackageTooLarge as exc:
        raise LedgerError("file-unreadable", _too_large_message(exc, name)) from None
    except safezip.BROKEN:
        raise LedgerError("file-unreadable", messages.FILE_BROKEN.format(path=name)) from None
    if unsafe:
        raise LedgerError("file-unreadable", messages.FILE_UNSAFE_XML.format(path=name))
    return data


def _read_regular_file(path: Path, name: str, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes.

    A FIFO would block for ever and /dev/zero never ends, so the kind of file
    is checked before it is read - and again on the open descriptor, since
    the name could be swapped in between (opened non-blocking for that reason).
    """
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise LedgerError("file-unreadable", messages.FILE_IS_DIR.format(path=name))
        if not stat.S_ISREG(info.st_mode):
            raise LedgerError("file-unreadable", messages.FILE_NOT_REGULAR.format(path=name))
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise LedgerError("file-unreadable", messages.FILE_NOT_REGULAR.format(path=name))
            if info.st_size > limit:
                raise LedgerError("file-unreadable", messages.FILE_TOO_LARGE.format(
                    path=name, limit=safezip.human_size(limit)))
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise LedgerError("file-unreadable", messages.FILE_NOT_FOUND.format(path=name)) from None
    except PermissionError:
        raise LedgerError("file-unreadable", messages.FILE_NO_PERMISSION.format(path=name)) from None
    except OSError as exc:
        raise LedgerError("file-unreadable", messages.FILE_OS_ERROR.format(path=name, error=os_reason(exc))) from exc
    if len(data) > limit:   # grew while we read it
        raise LedgerError("file-unreadable", messages.FILE_TOO_LARGE.format(
            path=name, limit=safezip.human_size(limit)))
    return data


def _too_large_message(exc: safezip.PackageTooLarge, name: str) -> str:
    limits = safezip.LEDGER
    if exc.what == "strings":
        return messages.FILE_TOO_MANY_STRINGS.format(path=name, limit=f"{limits.shared_strings:,}")
    if exc.what == "parts":
        return messages.FILE_TOO_MANY_PARTS.format(path=name, limit=f"{limits.parts:,}")
    return messages.FILE_INFLATES_TOO_LARGE.format(
        path=name, part=exc.part, part_limit=safezip.human_size(limits.part),
        total_limit=safezip.human_size(limits.total))


_PROLOG_LIMIT = 65536
_ROOT_START = re.compile(rb"<[A-Za-z_]")


def _declares_doctype(archive: zipfile.ZipFile, part: str) -> bool:
    """True when an XML part has a DOCTYPE (entity definitions) before its root.

    Office never writes one. defusedxml refuses them in the parts openpyxl
    streams, but openpyxl parses workbook.xml with lxml when lxml is present,
    which leaves entities unexpanded instead of refusing; one rule for every
    part is simpler to trust. Only the head of each part is decompressed.
    """
    with archive.open(part) as stream:
        head = stream.read(_PROLOG_LIMIT)
    root = _ROOT_START.search(head)
    prolog = head[: root.start()] if root else head
    return b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog


def _decrypt(data: bytes, name: str, password: str | None) -> bytes:
    import msoffcrypto
    from msoffcrypto.exceptions import DecryptionError, FileFormatError, InvalidKeyError

    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        encrypted = office.is_encrypted()
    except Exception:  # msoffcrypto raises many kinds on files it does not know
        raise LedgerError("file-unreadable", messages.FILE_OLD_FORMAT.format(path=name)) from None
    if not encrypted or office.format != "ooxml":
        raise LedgerError("file-unreadable", messages.FILE_OLD_FORMAT.format(path=name))
    if not password:
        raise LedgerError("file-unreadable", messages.FILE_NEEDS_PASSWORD.format(path=name))
    out = io.BytesIO()
    try:
        office.load_key(password=password)
        office.decrypt(out)
    except (InvalidKeyError, DecryptionError):
        raise LedgerError("file-unreadable", messages.FILE_WRONG_PASSWORD.format(path=name)) from None
    except (FileFormatError, Exception):  # noqa: B014 - any failure here is "cannot decrypt"
        raise LedgerError("file-unreadable", messages.FILE_BROKEN.format(path=name)) from None
    decrypted = out.getvalue()
    if not decrypted.startswith(_ZIP_MAGIC):
        raise LedgerError("file-unreadable", messages.FILE_WRONG_PASSWORD.format(path=name))
    return decrypted


def _not_xlsx_message(data: bytes, name: str) -> str:
    head = data[:4096]
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "," in text or "\t" in text:
            return messages.FILE_IS_CSV.format(path=name)
        return messages.FILE_IS_TEXT.format(path=name)
    return messages.FILE_NOT_XLSX.format(path=name)


# --- reading sheets -------------------------------------------------------------

class _Workbook:
    """The open workbook: sheets by normalised name, raw values per sheet."""

    def __init__(self, data: bytes, name: str, engine: str | None = None):
        self.name = name
        try:
            self.book = engines.open_book(data, engine)
        except BaseException as exc:  # pyo3 panics derive from BaseException
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            raise _read_failure(exc, name) from exc
        self.by_key = {}
        for title in self.book.titles:
            self.by_key.setdefault(header_key(title), title)

    def has(self, sheet_name: str) -> bool:
        return header_key(sheet_name) in self.by_key

    def sheet(self, sheet_name: str) -> engines.RawSheet:
        return self.book.sheet(self.by_key[header_key(sheet_name)])

    def close(self) -> None:
        self.book.close()


def _read_failure(exc: BaseException, name: str) -> LedgerError:
    try:
        from defusedxml import DefusedXmlException
    except ImportError:  # pragma: no cover - defusedxml is a dependency
        DefusedXmlException = ()
    if isinstance(exc, DefusedXmlException):
        return LedgerError("file-unreadable", messages.FILE_UNSAFE_XML.format(path=name))
    # zip, zlib, XML and the engines' own errors alike: the file is damaged.
    return LedgerError("file-unreadable", messages.FILE_BROKEN.format(path=name))


# What a parser may raise on a value nobody foresaw (a date out of range, a
# number too large): reported at its cell like any unreadable value.
_CELL_FAILURES = (ValueError, OverflowError, ArithmeticError, TypeError)


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _find_header(rows: list[tuple], wanted: dict[str, object]) -> tuple[int, dict[int, object]]:
    """The header row among the first rows: the one naming most wanted columns.

    Returns (row number, {0-based column: spec}); (0, {}) when none matches.
    """
    best_row, best = 0, {}
    for number, row in enumerate(rows, start=1):
        found = {}
        for col, cell in enumerate(row):
            spec = wanted.get(header_key(cell)) if cell is not None else None
            if spec is not None and spec not in found.values():
                found[col] = spec
        if len(found) > len(best):
            best_row, best = number, found
    return best_row, best


def _column_letter(index0: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index0 + 1)


class _Reader:
    def __init__(self, book: _Workbook):
        self.book = book
        self.findings: list[Finding] = []
        self.fatal: list[str] = []

    def add(self, code: str, sheet: str, cell: str, message: str) -> None:
        self.findings.append(finding(code, sheet, cell, message))

    # 基本情報: 項目 / 値 pairs
    def read_info(self, ledger: Ledger) -> None:
        raw = self.book.sheet(schema.INFO_SHEET)
        sheet = schema.INFO_SHEET
        items = {header_key(item.label): item for item in schema.INFO_ITEMS}
        rows = list(raw.rows)
        head = rows[:HEADER_SEARCH_ROWS]
        header_row, cols = _find_header(head, {header_key(schema.INFO_ITEM_HEADER): "label",
                                               header_key(schema.INFO_VALUE_HEADER): "value"})
        inverse = {v: k for k, v in cols.items()}
        if "label" in inverse and "value" in inverse:
            label_col, value_col, first = inverse["label"], inverse["value"], header_row
        else:  # no header: the items are in column A, their values in column B
            label_col, value_col, first = 0, 1, 0
        info = Info()
        seen: set[str] = set()
        value_letter = _column_letter(value_col)
        for number, row in enumerate(rows[first:], start=first + 1):
            label = row[label_col] if label_col < len(row) else None
            item = items.get(header_key(label)) if label is not None else None
            if item is None or item.field in seen:
                continue
            seen.add(item.field)
            cell = f"{value_letter}{number}"
            ledger.info_cells[item.field] = cell
            value = row[value_col] if value_col < len(row) else None
            if (number, value_col + 1) in raw.formula_without_value:
                self.add("formula-no-value", sheet, cell, messages.FORMULA_NO_VALUE.format(header=item.label))
                continue
            if _is_blank(value):
                if item.required:
                    self.add("value-missing", sheet, cell, messages.INFO_VALUE_MISSING.format(label=item.label))
                continue
            if value.__class__ is str:
                value = raw.clean(value)
            try:
                setattr(info, item.field, parse(item.kind, value, item.choices))
            except ValueProblem as problem:
                self.add(problem.code, sheet, cell, f"{item.label}: {problem.detail}")
            except _CELL_FAILURES:
                self.add("value-type", sheet, cell, messages.VALUE_UNREADABLE.format(
                    header=item.label, value=show(value)))
        for item in schema.INFO_ITEMS:
            if item.required and item.field not in seen:
                self.add("value-missing", sheet, "", messages.INFO_ITEM_MISSING.format(label=item.label))
        ledger.info = info

    def read_table(self, ledger: Ledger, spec: schema.Sheet) -> None:
        record_type = RECORD_TYPES[spec.key]
        raw = self.book.sheet(spec.name)
        rows = raw.rows
        head: list[tuple] = []
        for row in rows:
            head.append(row)
            if len(head) == HEADER_SEARCH_ROWS:
                break
        wanted = {header_key(c.header): c for c in spec.columns}
        header_row, cols = _find_header(head, wanted)
        missing = [c.header for c in spec.columns if c.required and c not in cols.values()]
        if missing:
            self.fatal.append(messages.COLUMNS_MISSING.format(
                sheet=spec.name, columns="」「".join(missing), rows=HEADER_SEARCH_ROWS))
            return
        header_cells = head[header_row - 1]
        extras = {col: str(value).strip() for col, value in enumerate(header_cells)
                  if col not in cols and not _is_blank(value)}
        letters = {col: _column_letter(col) for col in range(len(header_cells))}
        ledger.columns[spec.name] = {c.field: letters[col] for col, c in cols.items()}
        plan = [(col, c, letters[col], c.kind, c.required, c.choices, c.default) for col, c in cols.items()]
        merged, no_value, clean = raw.merged, raw.formula_without_value, raw.clean
        top_values: dict[tuple[int, int], object] = {}
        records = getattr(ledger, spec.key)
        add = self.findings.append
        name = spec.name

        def data_rows():
            yield from enumerate(head[header_row:], start=header_row + 1)
            yield from enumerate(rows, start=len(head) + 1)

        for number, row in data_rows():
            if merged:
                row = self._fill_merged(row, number, merged, top_values)
            width = len(row)
            if not any(not _is_blank(row[col]) for col, *_ in plan if col < width):
                continue  # blank row, or a row holding only notes in extra columns
            values = {}
            for col, column, letter, kind, required, choices, default in plan:
                value = row[col] if col < width else None
                if value is None or (value.__class__ is str and not value.strip()):
                    if no_value and (number, col + 1) in no_value:
                        add(finding("formula-no-value", name, f"{letter}{number}",
                                    messages.FORMULA_NO_VALUE.format(header=column.header)))
                    elif required:
                        add(finding("value-missing", name, f"{letter}{number}",
                                    messages.VALUE_MISSING.format(header=column.header)))
                    elif default is not None:
                        values[column.field] = default
                    continue
                if value.__class__ is str:
                    value = clean(value)
                if kind == "text":
                    values[column.field] = value.strip() if value.__class__ is str else parse(kind, value)
                    continue
                try:
                    values[column.field] = parse(kind, value, choices)
                except ValueProblem as problem:
                    add(finding(problem.code, name, f"{letter}{number}", f"{column.header}: {problem.detail}"))
                except _CELL_FAILURES:
                    # One odd cell is a finding at that cell, never "the file is broken".
                    add(finding("value-type", name, f"{letter}{number}", messages.VALUE_UNREADABLE.format(
                        header=column.header, value=show(value))))
            if extras:
                extra = {h: row[col] for col, h in extras.items() if col < width and not _is_blank(row[col])}
                if extra:
                    values["extra"] = extra
            records.append(record_type(row=number, **values))

    @staticmethod
    def _fill_merged(row, number: int, merged: engines.Merges, top_values: dict) -> tuple:
        """Give every row of a vertical merge the value of its top cell."""
        for col0, value in enumerate(row):
            if value is not None and (number, col0 + 1) in merged.tops:
                top_values[(number, col0 + 1)] = value
        cells = merged.below.get(number)
        if not cells:
            return row
        row = list(row)
        for col, top in cells:
            while len(row) < col:
                row.append(None)
            if row[col - 1] is None:
                row[col - 1] = top_values.get((top, col))
        return tuple(row)


def read_ledger(path: str | Path, password: str | None = None, *,
                engine: str | None = None) -> tuple[Ledger, list[Finding]]:
    """Read a ledger file: the model, and the findings about values that could not be read.

    `engine` is "calamine" or "openpyxl"; the default is calamine when it is
    installed (see generator.ledger.engines). Both give the same model.
    """
    name = str(path)
    data = read_workbook_bytes(path, password)
    book = _Workbook(data, name, engine)
    try:
        missing = [s for s in schema.REQUIRED_SHEETS if not book.has(s)]
        if missing:
            raise LedgerError("sheet-missing", messages.SHEETS_MISSING.format(
                path=name, sheets="」「".join(missing)), sheet=missing[0])
        ledger = Ledger(path=name)
        reader = _Reader(book)
        try:
            reader.read_info(ledger)
            for spec in schema.SHEETS:
                if book.has(spec.name):
                    ledger.sheets_present.add(spec.name)
                    reader.read_table(ledger, spec)
        except LedgerError:
            raise
        except BaseException as exc:  # pyo3 panics derive from BaseException
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            # A part that no engine can parse (truncated, hostile XML) is a broken
            # file to the user, not a traceback.
            raise _read_failure(exc, name) from exc
        if reader.fatal:
            raise LedgerError("column-missing", " ".join(reader.fatal))
        return ledger, reader.findings
    finally:
        book.close()
