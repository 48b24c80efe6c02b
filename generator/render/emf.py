"""A minimal Enhanced Metafile (EMF) writer: lines of text as a vector picture.

Used where a .docx needs text that LibreOffice would not draw as asked, such
as the upside-down back face of a tent card: LibreOffice drops a text box's
rotation when it imports .docx, but it honours a rotated font inside an EMF
picture, and so does Word. The text stays text (sharp at any printer
resolution, a few hundred bytes, microseconds to make), drawn by the viewer in
the font named here.

Each glyph is placed by an explicit advance (EMR_EXTTEXTOUTW's Dx array) that
the caller measured, so where a line starts and ends does not depend on the
viewer's font metrics. Coordinates are logical units of 0.01 mm (the
reference device is declared so), origin top left, y downwards.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

UNITS_PER_MM = 100

_EMR_HEADER = 1
_EMR_EOF = 14
_EMR_SETBKMODE = 18
_EMR_SETTEXTALIGN = 22
_EMR_SETTEXTCOLOR = 24
_EMR_SELECTOBJECT = 37
_EMR_DELETEOBJECT = 40
_EMR_EXTCREATEFONTINDIRECTW = 82
_EMR_EXTTEXTOUTW = 84

_TRANSPARENT = 1
_TA_BASELINE = 24                  # the reference point is on the baseline, at the start of the line
_GM_COMPATIBLE = 1
_FW_NORMAL = 400
_SHIFTJIS_CHARSET = 128            # steers a viewer without the named face to a Japanese one
_SIGNATURE = 0x464D4520            # " EMF"


@dataclass(frozen=True)
class TextLine:
    """One line: the reference point (start of the baseline), the em height and each code unit's advance."""

    text: str
    x: int
    y: int
    height: int
    advances: tuple[int, ...]      # one per UTF-16 code unit, as EMR_EXTTEXTOUTW wants them


def _record(kind: int, body: bytes) -> bytes:
    return struct.pack("<II", kind, 8 + len(body)) + body


def _font(handle: int, height: int, face: str, escapement: int) -> bytes:
    name = face.encode("utf-16-le")[:62].ljust(64, b"\0")
    # LOGFONTW. lfEscapement = lfOrientation, as GM_COMPATIBLE requires; the height is negative
    # so it is the em height, not the cell height.
    logfont = struct.pack("<iiiiiBBBBBBBB", -height, 0, escapement, escapement, _FW_NORMAL,
                          0, 0, 0, _SHIFTJIS_CHARSET, 0, 0, 0, 0) + name
    return _record(_EMR_EXTCREATEFONTINDIRECTW, struct.pack("<I", handle) + logfont)


def _text(line: TextLine, bounds: tuple[int, int, int, int]) -> bytes:
    units = line.text.encode("utf-16-le")
    count = len(units) // 2
    if len(line.advances) != count:
        raise ValueError("one advance per UTF-16 code unit")
    string = units.ljust((len(units) + 3) // 4 * 4, b"\0")
    head = 76                       # record header, bounds, mode, scales and the EmrText fields
    body = (struct.pack("<iiii", *bounds) + struct.pack("<Iff", _GM_COMPATIBLE, 1.0, 1.0)
            + struct.pack("<iiIIIiiiiI", line.x, line.y, count, head, 0, 0, 0, 0, 0, head + len(string))
            + string + struct.pack(f"<{count}i", *line.advances))
    return _record(_EMR_EXTTEXTOUTW, body)


def text_picture(width: int, height: int, face: str, lines: list[TextLine], escapement: int = 0) -> bytes:
    """An EMF of `width` x `height` units holding `lines` in `face`, turned by `escapement` tenths of a degree."""
    records = [_record(_EMR_SETBKMODE, struct.pack("<I", _TRANSPARENT)),
               _record(_EMR_SETTEXTALIGN, struct.pack("<I", _TA_BASELINE)),
               _record(_EMR_SETTEXTCOLOR, struct.pack("<I", 0))]
    fonts: dict[int, int] = {}
    selected = None
    for line in lines:
        if line.height not in fonts:
            fonts[line.height] = len(fonts) + 1
            records.append(_font(fonts[line.height], line.height, face, escapement))
        if selected != fonts[line.height]:
            selected = fonts[line.height]
            records.append(_record(_EMR_SELECTOBJECT, struct.pack("<I", selected)))
        records.append(_text(line, _line_bounds(line, escapement, width, height)))
    records += [_record(_EMR_DELETEOBJECT, struct.pack("<I", handle)) for handle in fonts.values()]
    records.append(_record(_EMR_EOF, struct.pack("<III", 0, 16, 20)))
    size = 108
    mm = (round(width / UNITS_PER_MM), round(height / UNITS_PER_MM))
    # The reference device is the picture itself at 0.01 mm a pixel, so logical units,
    # device units and the frame's 0.01 mm units are one and the same.
    header = _record(_EMR_HEADER, struct.pack(
        "<iiiiiiiiIIIIHHIIIiiiiIIIII",
        0, 0, width - 1, height - 1, 0, 0, width - 1, height - 1, _SIGNATURE, 0x10000,
        size + sum(map(len, records)), len(records) + 1, len(fonts) + 1, 0, 0, 0, 0,
        width, height, *mm, 0, 0, 0, mm[0] * 1000, mm[1] * 1000))
    assert len(header) == size
    return header + b"".join(records)


def _line_bounds(line: TextLine, escapement: int, width: int, height: int) -> tuple[int, int, int, int]:
    """The box the line's glyphs can occupy (for viewers that clip or cull by it), within the picture."""
    length = sum(line.advances)
    if escapement == 1800:
        box = (line.x - length, line.y - line.height // 4, line.x, line.y + line.height)
    else:
        box = (line.x, line.y - line.height, line.x + length, line.y + line.height // 4)
    return (max(0, box[0]), max(0, box[1]), min(width - 1, box[2]), min(height - 1, box[3]))
