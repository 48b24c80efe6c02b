"""Writing output files: atomically, and the same bytes for the same input."""
from __future__ import annotations

import io
import os
import re
import tempfile
import zipfile
from pathlib import Path

from .. import messages
from ..errors import OutputError

# Zip entries carry a timestamp; a fixed one makes reruns byte-identical.
FIXED_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


def atomic_write(path: str | Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, then rename it over `path`.

    A reader, or a run killed at any moment, sees the old file or the new one,
    never half of one. No fsync per file: it would triple the cost of a
    thousand-letter batch, and a rerun remakes whatever a power cut lost.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(messages.INIT_CANNOT_WRITE.format(path=path, error=exc.strerror)) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        _remove_quietly(tmp)
        raise OutputError(messages.INIT_CANNOT_WRITE.format(path=path, error=exc.strerror)) from exc
    except BaseException:
        _remove_quietly(tmp)
        raise


def _remove_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


_CORE_TIMES = re.compile(rb"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*(</dcterms:)")


def fix_core_times(core_xml: bytes) -> bytes:
    """docProps/core.xml with its created/modified stamps set to a fixed instant."""
    return _CORE_TIMES.sub(rb"\g<1>2000-01-01T00:00:00Z\g<2>", core_xml)


def normalize_zip(data: bytes) -> bytes:
    """Rewrite an Office package with fixed zip and document times, entry order kept.

    openpyxl and python-docx stamp 'now' into docProps/core.xml; the same input
    must give the same bytes, so those stamps become a fixed instant.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = fix_core_times(content)
            target.writestr(entry, content)
    return out.getvalue()


# Text starting with one of these is a formula when typed into Excel.
_FORMULA_START = ("=", "+", "-", "@")


def _text_stays_text(wb) -> None:
    """Make every text cell of every sheet plain text, never a formula.

    openpyxl turns any string starting with '=' into a formula, so a ledger
    value such as =HYPERLINK(...) would run in Excel. Text that Excel would
    read as a formula when re-typed also gets Excel's own quote prefix (the
    hidden apostrophe), so editing the cell keeps it text.
    """
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if value.__class__ is str and value.startswith(_FORMULA_START):
                    cell.data_type = "s"
                    cell.quotePrefix = True


def workbook_bytes(wb) -> bytes:
    """Serialise an openpyxl workbook with fixed properties and zip times (byte-identical reruns).

    Every xlsx the tool writes goes through here, so this is where text is
    made to stay text (no cell is ever a formula).
    """
    import datetime as dt

    _text_stays_text(wb)
    stamp = dt.datetime(*FIXED_ZIP_TIME)
    wb.properties.creator = "sasaeai"
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.lastModifiedBy = "sasaeai"
    buffer = io.BytesIO()
    wb.save(buffer)
    return normalize_zip(buffer.getvalue())


_UNSAFE_NAME = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_RESERVED = re.compile(r"^(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(\..*)?$", re.I)


def safe_filename(text: str, max_length: int = 80) -> str:
    """A file or folder name from user text that Windows accepts and that cannot leave its folder.

    Path separators, reserved characters and control characters become '_';
    trailing dots and spaces (which Windows drops) go; reserved device names
    (CON, NUL, COM1 …) get a leading '_'; '.' and '..' cannot result.
    """
    name = _UNSAFE_NAME.sub("_", text).strip().rstrip(". ")
    name = re.sub(r"\s+", " ", name)
    if len(name) > max_length:
        name = name[:max_length].rstrip(". ")
    if not name or set(name) <= {"."}:
        name = "_"
    if _RESERVED.match(name):
        name = "_" + name
    return name


def inside(folder: str | Path, *parts: str) -> Path:
    """folder/parts..., refusing any result outside folder."""
    base = Path(folder).resolve()
    path = base.joinpath(*parts).resolve()
    if path != base and base not in path.parents:
        raise OutputError(f"出力先 {base} の外には書き込めません: {path}")
    return path


def write_if_changed(path: str | Path, data: bytes) -> bool:
    """Atomically write `data` unless the file already holds exactly it. True when written."""
    path = Path(path)
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except OSError:
        pass
    atomic_write(path, data)
    return True


TEMP_PATTERN = ".*.tmp"


def remove_temp_files(folder: str | Path) -> int:
    """Delete temporary files a killed run left behind (they were never renamed into place)."""
    import shutil

    count = 0
    for stale in sorted(Path(folder).rglob(TEMP_PATTERN), reverse=True):
        try:
            if stale.is_dir():
                shutil.rmtree(stale)
            else:
                stale.unlink()
            count += 1
        except OSError:
            pass
    return count
