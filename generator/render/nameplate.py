"""The back face of a tent card (名札): 所属 and 氏名 upside down, as a vector picture.

A picture because LibreOffice drops a text box's rotation when it imports
.docx; an EMF whose font is turned 180° survives (and Word draws it natively).
The layout is fixed here, from advances measured once per character in the
IPAexGothic file that ships with matplotlib-fontja, so the fit-to-width rules
below hold whatever font the viewer draws the glyphs with:
- the name is 72 pt, shrinks 2 pt at a time to fit, never below 60 pt, and
  beyond that wraps onto balanced lines (at the space between family and
  given name when that keeps the lines inside the card);
- 所属 keeps the line breaks typed in the cell; a line too wide puts its
  役職 (after the last space) on a line of its own, then balances the rest;
- everything is centred, and scaled down together should it not fit the card.
"""
from __future__ import annotations

import math
import struct
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .emf import UNITS_PER_MM, TextLine, text_picture

# The front face's font (templates/build_meeting_papers.py): Word on Windows has it, and the
# PDF step's fonts.conf maps it to Noto Sans CJK JP, so both faces of a card look alike.
CARD_FACE = "ＭＳ ゴシック"
NAME_PT = 72
NAME_MIN_PT = 60
ORG_PT = 28
FILL = 0.95                         # of the card's width (and height) that text may take
_UNITS_PER_PT = 25.4 * UNITS_PER_MM / 72


@dataclass(frozen=True)
class _Metrics:
    advances: dict[int, float]      # code point -> advance in em
    ascent: float                   # em, above the baseline
    descent: float                  # em, below it

    def advance(self, char: str) -> float:
        code = ord(char)
        found = self.advances.get(code)
        if found is not None:
            return found
        # Not in the font (𠮷, rarer 異体字): the viewer's font draws it; wide characters are one em.
        if unicodedata.category(char) in ("Mn", "Me", "Cf"):
            return 0.0                # variation selectors and joiners take no room
        return 1.0 if unicodedata.east_asian_width(char) in ("W", "F") else 0.5

    def width(self, text: str) -> float:
        return sum(self.advance(c) for c in text)


@lru_cache(maxsize=1)
def _metrics() -> _Metrics:
    from .charts import font_path

    data = font_path().read_bytes()
    tables = {data[12 + 16 * i:16 + 16 * i]: struct.unpack_from(">I", data, 20 + 16 * i)[0]
              for i in range(struct.unpack_from(">H", data, 4)[0])}
    per_em = struct.unpack_from(">H", data, tables[b"head"] + 18)[0]
    ascent, descent = struct.unpack_from(">hh", data, tables[b"hhea"] + 4)
    widths = struct.unpack_from(">H", data, tables[b"hhea"] + 34)[0]
    # hmtx: an advance per glyph up to numberOfHMetrics, the last one repeated after that.
    advance = [struct.unpack_from(">H", data, tables[b"hmtx"] + 4 * g)[0] for g in range(widths)]
    advances = {code: advance[min(glyph, widths - 1)] / per_em for code, glyph in _unicode_glyphs(data, tables[b"cmap"])
                if glyph}
    return _Metrics(advances, ascent / per_em, -descent / per_em)


def _unicode_glyphs(data: bytes, cmap: int):
    """(code point, glyph ID) of the font's full-Unicode cmap subtable (format 12, platform 3 encoding 10).

    Read with struct: fontTools maps code points to glyph names, and naming 12,000 glyphs
    took 0.2 s of every batch that printed a card.
    """
    for i in range(struct.unpack_from(">H", data, cmap + 2)[0]):
        platform, encoding, offset = struct.unpack_from(">HHI", data, cmap + 4 + 8 * i)
        table = cmap + offset
        if (platform, encoding) == (3, 10) and struct.unpack_from(">H", data, table)[0] == 12:
            for g in range(struct.unpack_from(">I", data, table + 12)[0]):
                start, end, glyph = struct.unpack_from(">III", data, table + 16 + 12 * g)
                yield from zip(range(start, end + 1), range(glyph, glyph + end - start + 1))
            return
    raise ValueError("the card font has no format 12 cmap")


@dataclass(frozen=True)
class CardLine:
    """One line of the card as it reads upright: its text, size, and where it starts (0.01 mm)."""

    text: str
    points: float
    x: int
    baseline: int


def card_layout(org: str, name: str, width_mm: float, height_mm: float) -> list[CardLine]:
    """The lines of 所属 then 氏名, centred on a card of the given size, upright."""
    metrics = _metrics()
    width, height = width_mm * UNITS_PER_MM, height_mm * UNITS_PER_MM
    room = width * FILL
    # A line break typed in 氏名 is noise; in 所属 it separates 団体 from 役職, as on the front face.
    name = " ".join(name.split())
    org_lines = [" ".join(line.split()) for line in org.splitlines()]
    org_lines = [line for line in org_lines if line]

    def em(points: float) -> float:
        return points * _UNITS_PER_PT

    size = NAME_PT
    while size > NAME_MIN_PT and metrics.width(name) * em(size) > room:
        size -= 2
    blocks = [(line, ORG_PT) for text in org_lines for line in _org_lines(text, room / em(ORG_PT), metrics)]
    blocks += [(line, size) for line in _balanced(name, room / em(size), metrics)]
    gap = 0.35 * em(ORG_PT)
    line_em = metrics.ascent + metrics.descent
    total = sum(line_em * em(points) for _, points in blocks) + gap * (len(blocks) - 1)
    widest = max((metrics.width(text) * em(points) for text, points in blocks), default=0.0)
    scale = min(1.0, height * FILL / total if total else 1.0, room / widest if widest else 1.0)
    top = (height - total * scale) / 2
    lines = []
    for text, points in blocks:
        points *= scale
        baseline = top + metrics.ascent * em(points)
        lines.append(CardLine(text, points, round((width - metrics.width(text) * em(points)) / 2), round(baseline)))
        top += line_em * em(points) + gap * scale
    return lines


# Japanese line-breaking rules (禁則) kept by any break: no line starts with a small kana,
# a prolonged sound mark or a closing bracket, none ends with an opening one.
_NO_LINE_START = set("ーッャュョァィゥェォヮヵヶっゃゅょぁぃぅぇぉゎ・、。，．）」』】〕’”")
_NO_LINE_END = set("（「『【〔‘“")
_WORD_ENDS = set(" -・＝=")         # a line may end after these at any level: they separate words
_MAX_NAME_LINES = 4


def _can_break(text: str, i: int, level: int) -> bool:
    """Whether a line may end before text[i]: level 0 at spaces and hyphens, 1 also beside wide characters, 2 anywhere."""
    before, after = text[i - 1], text[i]
    if unicodedata.category(after) in ("Mn", "Me", "Cf") or after in _NO_LINE_START or before in _NO_LINE_END:
        return False
    if before in _WORD_ENDS or after == " ":
        return True
    if level == 1:
        return any(unicodedata.east_asian_width(c) in ("W", "F") for c in (before, after))
    return level == 2


class _Widths:
    """Widths of stripped slices of one text in O(1), from prefix sums of its advances."""

    def __init__(self, text: str, metrics: _Metrics):
        self.text = text
        self.prefix = [0.0]
        for char in text:
            self.prefix.append(self.prefix[-1] + metrics.advance(char))

    def __call__(self, start: int, end: int) -> float:
        while start < end and self.text[start] == " ":
            start += 1
        while end > start and self.text[end - 1] == " ":
            end -= 1
        return self.prefix[end] - self.prefix[start]


def _org_lines(text: str, room: float, metrics: _Metrics) -> list[str]:
    """A 所属 line too wide for `room` em: the 役職 after its last space on a line of its own, then balanced lines.

    A greedy wrap left 中央地区民生委員・児童委員協議会 会 / 長 on the sample's cards.
    """
    if metrics.width(text) <= room:
        return [text]
    head, space, tail = text.rpartition(" ")
    if space and head:
        return _balanced(head, room, metrics) + _balanced(tail, room, metrics)
    return _balanced(text, room, metrics)


def _balanced(name: str, room: float, metrics: _Metrics) -> list[str]:
    """The name on as few lines as fit `room` em, of about equal width, broken where a reader expects."""
    widths = _Widths(name, metrics)
    if widths(0, len(name)) <= room:
        return [name]
    least = min(math.ceil(widths(0, len(name)) / room), _MAX_NAME_LINES)
    best: list[int] = []
    # Between words first (山田 / 太郎, Alexander / Montgomery-), then beside any kanji or kana,
    # and only then inside a Latin word.
    for level in (0, 1, 2):
        breaks = [i for i in range(1, len(name)) if _can_break(name, i, level)]
        for count in range(least, _MAX_NAME_LINES + 1):
            cuts, widest = _partition(widths, breaks, count)
            if cuts is not None and widest <= room:
                return _cut(name, cuts)
            if level == 2 and count == _MAX_NAME_LINES and cuts is not None:
                best = cuts         # wider than the card even so: card_layout scales it down
    return _cut(name, best)


def _partition(widths: _Widths, breaks: list[int], count: int) -> tuple[list[int] | None, float]:
    """`count - 1` of `breaks` that make the widest line narrowest (a small dynamic programme)."""
    if count - 1 > len(breaks):
        return None, math.inf
    ends = [*breaks, len(widths.text)]
    # best[k][j]: (widest line, cuts) splitting text[:ends[j]] into k + 1 lines.
    best = [[(widths(0, end), []) for end in ends]]
    for k in range(1, count):
        row = []
        for j, end in enumerate(ends):
            options = [(max(best[k - 1][i][0], widths(ends[i], end)), best[k - 1][i][1] + [ends[i]])
                       for i in range(j) if best[k - 1][i][0] < math.inf]
            row.append(min(options, key=lambda o: o[0]) if options else (math.inf, []))
        best.append(row)
    widest, cuts = best[count - 1][-1]
    return (cuts, widest) if widest < math.inf else (None, math.inf)


def _cut(text: str, cuts: list[int]) -> list[str]:
    bounds = [0, *cuts, len(text)]
    return [text[a:b].strip() for a, b in zip(bounds, bounds[1:]) if text[a:b].strip()]


def upside_down_card(org: str, name: str, width_mm: float, height_mm: float,
                     lines: list[CardLine] | None = None) -> bytes:
    """The back face of a tent card: an EMF of `card_layout` (or `lines` made by it) turned 180° about the card's centre."""
    metrics = _metrics()
    width, height = round(width_mm * UNITS_PER_MM), round(height_mm * UNITS_PER_MM)
    turned = []
    for line in lines if lines is not None else card_layout(org, name, width_mm, height_mm):
        em = line.points * _UNITS_PER_PT
        # Upright, the line starts at (x, baseline) and runs right; turned, that point is at
        # (width - x, height - baseline) and the text runs left with its glyphs upside down.
        turned.append(TextLine(line.text, width - line.x, height - line.baseline, round(em),
                               _advances(line.text, em, metrics)))
    return text_picture(width, height, CARD_FACE, turned, escapement=1800)


def _advances(text: str, em: float, metrics: _Metrics) -> tuple[int, ...]:
    """Integer advances per UTF-16 code unit, rounded so they add up to the line's exact width."""
    out, position, placed = [], 0.0, 0
    for char in text:
        position += metrics.advance(char) * em
        out.append(round(position) - placed)
        placed = round(position)
        if ord(char) > 0xFFFF:
            out.append(0)           # a surrogate pair is one glyph: its advance sits on the first half
    return tuple(out)
