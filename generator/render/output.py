"""Writing output files: atomically, and the same bytes for the same input."""
from __future__ import annotations

import hashlib
import io
import os
import re
import unicodedata
import tempfile
import zipfile
from pathlib import Path

from .. import messages
from ..errors import OutputError, os_reason

# Temporary files are named .<target>.<random>.sasaeai.tmp: specific enough that
# the clean-up after a killed run can never match a folder made from ledger text.
TEMP_SUFFIX = ".sasaeai.tmp"
TEMP_PATTERN = f".*{TEMP_SUFFIX}"
PDF_STAGING_PATTERN = ".pdf-*.tmp"     # batch/pdf.py's staging folders

# Zip entries carry a timestamp; a fixed one makes reruns byte-identical.
FIXED_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


def atomic_write(path: str | Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, then rename it over `path`.

    A reader, or a run killed at any moment, sees the old file or the new one,
    never half of one. No fsync per file: it would triple the cost of a
    thousand-letter batch, and a rerun remakes whatever a power cut lost.
    """
    path = Path(path)
    if _is_input(path):
        if _holds(path, data):
            return      # the very same bytes (a ledger uploaded twice): nothing would change
        raise OutputError(messages.OUTPUT_IS_LEDGER.format(path=path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    except OSError as exc:
        raise OutputError(messages.INIT_CANNOT_WRITE.format(path=path, error=os_reason(exc))) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        _remove_quietly(tmp)
        raise OutputError(messages.INIT_CANNOT_WRITE.format(path=path, error=os_reason(exc))) from exc
    except BaseException:
        _remove_quietly(tmp)
        raise


# --- where output may go -----------------------------------------------------------

def check_out_folder(folder: str | Path) -> Path:
    """Refuse an output folder that is a file, sits below a file, or cannot be written, before any work."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError(messages.OUTPUT_NOT_FOLDER.format(path=folder))
    existing = folder
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        raise OutputError(messages.OUTPUT_FILE_IN_PATH.format(path=folder, blocker=existing))
    if existing.exists() and not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(messages.OUTPUT_CANNOT_WRITE.format(path=folder, reason=messages.OS_NO_PERMISSION))
    return folder


def make_out_folder(folder: str | Path) -> Path:
    """Create an output folder (and its parents), with a Japanese error when it cannot be."""
    folder = check_out_folder(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(messages.OUTPUT_CANNOT_WRITE.format(path=folder, reason=os_reason(exc))) from exc
    return folder


# The ledgers this process read. No output may land on one of them: `annual
# out/年次集計_2026.xlsx --out out` would otherwise replace the ledger it read.
_INPUTS: set[tuple[str, int, int]] = set()


def protect_input(path: str | Path) -> None:
    """Remember a file that was read as input, so that no writer ever replaces it."""
    try:
        info = os.stat(path)
    except OSError:
        return
    _INPUTS.add((os.path.normcase(str(Path(path).resolve())), info.st_dev, info.st_ino))


def _is_input(path: Path) -> bool:
    if not _INPUTS:
        return False
    try:
        info = os.stat(path)
        same = (info.st_dev, info.st_ino)
    except OSError:
        same = None
    # Resolving every output path (a dozen lstat calls) cost as much as writing a small letter.
    # Only a path named like an input, a symlink (whose target's name counts) or a file with
    # an input's inode can be one; anything else is not, without resolving it.
    if (same not in {(dev, ino) for _, dev, ino in _INPUTS} and not path.is_symlink()
            and os.path.normcase(path.name) not in {os.path.basename(name) for name, _, _ in _INPUTS}):
        return False
    resolved = os.path.normcase(str(path.resolve()))
    for entry in list(_INPUTS):
        name, dev, ino = entry
        if resolved == name:
            return True
        if same == (dev, ino):
            # The same file under another name (a hard link) - unless the ledger
            # is gone and the system gave its inode number to a new file.
            try:
                current = os.stat(name)
            except OSError:
                current = None
            if current is not None and (current.st_dev, current.st_ino) == (dev, ino):
                return True
            _INPUTS.discard(entry)
    return False


def _holds(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def refuse_input(path: str | Path) -> None:
    """Raise OutputError when writing `path` would replace an input ledger (same path, or same file by inode)."""
    if _is_input(Path(path)):
        raise OutputError(messages.OUTPUT_IS_LEDGER.format(path=path))


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

    `init` and the web page write their workbooks through here; the documents'
    xlsx go through render/sheets.py, which writes the same bytes faster. Both
    are where text is made to stay text (no cell is ever a formula).
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
_RESERVED = re.compile(r"^(CON|PRN|AUX|NUL|COM[0-9\u00b9\u00b2\u00b3]|LPT[0-9\u00b9\u00b2\u00b3]|CONIN\$|CONOUT\$)"
                       r"\s*(\..*)?$", re.I)

# A name made from ledger text is at most this long (Windows counts UTF-16
# units; Linux and macOS count UTF-8 bytes, 255 per component). 60 units keep
# C:\Users\<name>\Documents\出力\2026-12\開催通知\<meeting>\通知\<letter>.docx
# near 180 characters, well under Windows' 260; 200 bytes leave room for a
# suffix such as .docx and for the temporary name atomic_write adds (about 16).
NAME_UNITS = 60
NAME_BYTES = 200
_HASH_LENGTH = 6


def _units(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


def _cut(name: str, units: int, size: int) -> str:
    """The longest head of name within `units` UTF-16 units and `size` UTF-8 bytes."""
    used_units = used_bytes = 0
    for index, ch in enumerate(name):
        used_units += _units(ch)
        used_bytes += len(ch.encode("utf-8", "surrogatepass"))
        if used_units > units or used_bytes > size:
            return name[:index]
    return name


def safe_filename(text: str, max_length: int = NAME_UNITS) -> str:
    """A file or folder name from user text that Windows accepts and that cannot leave its folder.

    Path separators, reserved characters and control characters become '_';
    trailing dots and spaces (which Windows drops) go; leading dots (hidden
    files, and our own temporary names) become '_'; reserved device names
    (CON, NUL, COM1 …) get a leading '_'. The result has at most
    `max_length` UTF-16 units and NAME_BYTES UTF-8 bytes. When any of this
    changed the text, a short hash of the original is appended, so two
    texts that differ only in what a file name cannot hold (C0/06, C0:06)
    never share a name.
    """
    name = _UNSAFE_NAME.sub("_", text)
    name = re.sub(r"\s+", " ", name).strip().rstrip(". ")
    name = re.sub(r"^\.+", lambda m: "_" * len(m.group(0)), name)
    if not name:
        name = "_"
    if _RESERVED.match(name):
        name = "_" + name
    limit = min(max_length, NAME_UNITS)
    fits = _cut(name, limit, NAME_BYTES) == name
    if name == text and fits:
        return name
    tag = "~" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH_LENGTH]
    head = _cut(name, limit - len(tag), NAME_BYTES - len(tag)).rstrip(". ")
    return (head or "_") + tag


def name_key(name: str) -> str:
    """How Windows and macOS compare file names: case-insensitive, Unicode-normalised."""
    return unicodedata.normalize("NFC", name).casefold()


def ensure_distinct(names: list[str], where: str | Path = "") -> None:
    """Refuse, before anything is written, names that would be one file on Windows or macOS.

    safe_filename keeps apart texts that differ in characters a name cannot
    hold; what is left is text that differs only in case (K01, k01).
    """
    seen: dict[str, str] = {}
    for name in names:
        key = name_key(name)
        if key in seen and seen[key] != name:
            raise OutputError(messages.OUTPUT_NAME_CLASH.format(first=seen[key], second=name, folder=where))
        if key in seen:
            raise OutputError(messages.OUTPUT_NAME_TWICE.format(name=name, folder=where))
        seen[key] = name


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


def remove_temp_files(folder: str | Path, recursive: bool = True) -> int:
    """Delete temporary files a killed run left behind (they were never renamed into place).

    Only our own names match: a leading dot (which safe_filename never
    produces from ledger text) and TEMP_SUFFIX, or the PDF staging folders.
    """
    import shutil

    folder = Path(folder)
    if not folder.is_dir():
        return 0
    find = folder.rglob if recursive else folder.glob
    count = 0
    stale_paths = {p for pattern in (TEMP_PATTERN, PDF_STAGING_PATTERN) for p in find(pattern)}
    for stale in sorted(stale_paths, reverse=True):
        try:
            if stale.is_dir() and not stale.is_symlink():
                shutil.rmtree(stale)
            else:
                stale.unlink()
            count += 1
        except OSError:
            pass
    return count
