"""Console text that survives a Japanese Windows console (cp932) and any other legacy encoding.

Names in a ledger may hold characters that cp932 cannot encode (𠮷, emoji, ♥). Python then
raises UnicodeEncodeError on print, so a monthly run would stop half way for one name. The
console is for reading, not for data, so such characters are replaced instead: first with the
cp932 look-alike where Windows has one (— → ―), else with 〓 (the usual mark for a missing
glyph in Japanese text), else with ?. Files are never written through the console.
"""
from __future__ import annotations

import codecs
import sys

ERRORS = "sasaeai-console"

# Unicode characters that JIS-based text uses and cp932 spells with another code point.
_LOOKALIKE = {
    "\u2014": "\u2015",   # EM DASH → HORIZONTAL BAR
    "\u2016": "\u2225",   # DOUBLE VERTICAL LINE → PARALLEL TO
    "\u2212": "\uff0d",   # MINUS SIGN → FULLWIDTH HYPHEN-MINUS
    "\u00a6": "\uffe4",   # BROKEN BAR → FULLWIDTH BROKEN BAR
    "\u00a0": " ",        # NO-BREAK SPACE
}
_MISSING = ("\u3013", "?")   # 〓, then ? where even that cannot be encoded


def _fits(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _replace(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: a look-alike or a placeholder for each character the encoding lacks."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    out = []
    for ch in exc.object[exc.start:exc.end]:
        for candidate in (_LOOKALIKE.get(ch), *_MISSING):
            if candidate is not None and _fits(candidate, exc.encoding):
                out.append(candidate)
                break
        else:
            out.append("?")
    return "".join(out), exc.end


codecs.register_error(ERRORS, _replace)


def is_utf8(encoding: str | None) -> bool:
    """True when `encoding` is a name of UTF-8 (utf8, UTF-8, cp65001 …)."""
    try:
        return codecs.lookup(encoding or "").name == "utf-8"
    except LookupError:
        return False


def configure_console(streams=None) -> None:
    """Make stdout and stderr replace, not raise on, characters their encoding lacks."""
    for stream in streams if streams is not None else (sys.stdout, sys.stderr):
        # A UTF-8 stream encodes everything; a stream without reconfigure (a test's capture,
        # a closed pipe) is left as it is.
        if stream is None or is_utf8(getattr(stream, "encoding", None)) or not hasattr(stream, "reconfigure"):
            continue
        try:
            stream.reconfigure(errors=ERRORS)
        except (ValueError, OSError):    # already closed or detached: nothing will be printed there
            continue
