"""Limits on what an Office package (a ledger .xlsx, a template .docx) may inflate to.

A zip of 1-2 MB can hold a part that inflates to gigabytes of whitespace, or
tens of millions of tiny shared strings; parsed, that is gigabytes of memory
and minutes of time. Before anything parses a package, every part's declared
size is checked, then each part is inflated as a stream and counted (a zip
can lie about sizes), stopping at the limit. The limits sit far above any
real ledger or template, so only a bomb meets them.
"""
from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass

MB = 1024 * 1024
_CHUNK = MB


@dataclass(frozen=True)
class Limits:
    """How large a package may be: on disk, per part and in total once inflated."""

    file: int                      # bytes of the file itself
    part: int                      # inflated bytes of any one part
    total: int                     # inflated bytes of all parts together
    parts: int = 10_000            # entries in the zip
    shared_strings: int = 0        # <si> entries in xl/sharedStrings.xml (0: not counted)


# A ledger of 10,000 members and 2,000 meetings is about 3 MB on disk and
# 30 MB inflated; these are ten times that and more.
LEDGER = Limits(file=100 * MB, part=100 * MB, total=200 * MB, shared_strings=1_000_000)
# A letter template is tens of kilobytes; its text parts are regex-processed
# whole, so they get a tighter cap than pictures and fonts.
TEMPLATE = Limits(file=50 * MB, part=50 * MB, total=200 * MB)
TEMPLATE_TEXT_PART = 10 * MB


class PackageTooLarge(Exception):
    """A package over its limits; `part` names the part, `limit` the limit met."""

    def __init__(self, part: str, limit: int, what: str = "size"):
        super().__init__(f"{part}: over {limit} ({what})")
        self.part = part
        self.limit = limit
        self.what = what          # "size", "total", "parts" or "strings"


def human_size(size: int) -> str:
    """A byte count as staff read it: 200 MB, 64 KB."""
    if size >= MB:
        return f"{size / MB:.0f} MB"
    return f"{max(size // 1024, 1)} KB"


def check_package(archive: zipfile.ZipFile, limits: Limits, text_parts: tuple[str, ...] = (),
                  text_limit: int = 0) -> None:
    """Raise PackageTooLarge when a part, or all parts, inflate beyond `limits`.

    Declared sizes are checked first (no inflating at all for an honest
    bomb); then each part is inflated in chunks and counted, so a part that
    lies about its size is stopped at the limit, never held in memory.
    `text_parts` (exact names) are held to `text_limit` instead of the part limit.
    """
    infos = archive.infolist()
    if len(infos) > limits.parts:
        raise PackageTooLarge("", limits.parts, "parts")

    def cap(info: zipfile.ZipInfo) -> int:
        return text_limit if text_limit and info.filename in text_parts else limits.part

    declared = 0
    for info in infos:
        if info.file_size > cap(info):
            raise PackageTooLarge(info.filename, cap(info))
        declared += info.file_size
        if declared > limits.total:
            raise PackageTooLarge(info.filename, limits.total, "total")
    total = 0
    for info in infos:
        size = 0
        strings = 0
        count_strings = limits.shared_strings and info.filename.lower() == "xl/sharedstrings.xml"
        tail = b""
        with archive.open(info) as stream:
            while True:
                chunk = stream.read(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                total += len(chunk)
                if size > cap(info):
                    raise PackageTooLarge(info.filename, cap(info))
                if total > limits.total:
                    raise PackageTooLarge(info.filename, limits.total, "total")
                if count_strings:
                    # "<si>" or "<si " may straddle two chunks: carry the last 3 bytes.
                    window = tail + chunk
                    strings += window.count(b"<si>") + window.count(b"<si ")
                    tail = window[-3:]
                    if strings > limits.shared_strings:
                        raise PackageTooLarge(info.filename, limits.shared_strings, "strings")


# Errors a damaged zip raises while it is read; callers report "broken".
BROKEN = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, zlib.error, NotImplementedError)
