"""Parse cell values the way staff type them (DOMAIN.md §2).

Every parser takes the raw value openpyxl gives (str, int, float, datetime,
time or None) and returns the typed value, or raises `ValueProblem` with a
finding code and a Japanese detail. Nothing here knows about sheets or cells.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

from .. import japanese, messages

from . import schema


class ValueProblem(Exception):
    """A cell value that cannot mean what its column needs."""

    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code = code
        self.detail = detail


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


_SPACES = re.compile(r"[\s\u3000]+")
_HEADER_MARKS = re.compile(r"[★☆*※]|\(必須\)")


def header_key(text: object) -> str:
    """Normalise a header cell for comparison: NFKC, no spaces, no required marks."""
    if text is None:
        return ""
    return _HEADER_MARKS.sub("", _SPACES.sub("", nfkc(str(text))))


# Excel and LibreOffice store a control character in a cell as `_xHHHH_` (and a
# literal "_x" as `_x005F_x`); openpyxl hands the escape over undecoded.
_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
# Control characters other than tab and line breaks: they print as nothing,
# break file names and are illegal in the xlsx files we write.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """A cell's text with `_xHHHH_` escapes decoded and control characters (not tab or line breaks) removed."""
    if "_x" in text:
        text = _OOXML_ESCAPE.sub(_decode_escape, text)
    return remove_controls(text)


def _decode_escape(match: re.Match) -> str:
    # Half of a surrogate pair is no character a file can hold: kept as typed, as calamine keeps it.
    code = int(match.group(1), 16)
    return match.group(0) if 0xD800 <= code <= 0xDFFF else chr(code)


def remove_controls(text: str) -> str:
    """A cell's text without control characters (not tab or line breaks), for readers that decode `_xHHHH_` themselves."""
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    return text


def show(raw: object) -> str:
    """How a raw value is quoted back to the user in a message."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, dt.datetime):
        return raw.strftime("%Y/%m/%d %H:%M") if (raw.hour or raw.minute) else raw.strftime("%Y/%m/%d")
    text = str(raw).replace("\n", "⏎")
    return text if len(text) <= 40 else text[:39] + "…"


# --- text, ids, numbers -------------------------------------------------------

def parse_text(raw: object) -> str:
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat() if not (raw.hour or raw.minute or raw.second) else raw.isoformat(" ")
    return str(raw).strip()


def parse_id(raw: object) -> str:
    """IDs compare after NFKC and trimming, and a number 12 or 12.0 is the ID '12'."""
    if isinstance(raw, str):
        text = raw.strip()
        return nfkc(text) if not text.isascii() else text
    if isinstance(raw, bool):
        raise ValueProblem("value-type", f"「{show(raw)}」は ID として使えません")
    if isinstance(raw, (int, float)):
        if float(raw).is_integer():
            return str(int(raw))
        raise ValueProblem("value-type", f"「{show(raw)}」は ID として使えません")
    raise ValueProblem("value-type", f"「{show(raw)}」は ID として使えません")


# No count, day number or year in a ledger has more digits; a longer run of
# digits is a typing accident (and int() refuses 4,300 digits and more).
_INT_DIGITS = 15
_INT_SUFFIX = re.compile(r"(回|人|名|件|か所|箇所|年度|円)$")


def parse_int(raw: object) -> int:
    if isinstance(raw, bool):
        raise ValueProblem("value-type", f"「{show(raw)}」は整数ではありません")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if raw.is_integer():
            return int(raw)
        raise ValueProblem("value-type", f"「{show(raw)}」は整数ではありません")
    if isinstance(raw, str):
        text = _INT_SUFFIX.sub("", nfkc(raw).strip().replace(",", ""))
        if re.fullmatch(r"-?\d+", text):
            if len(text) > _INT_DIGITS:
                raise ValueProblem("value-type", f"「{show(raw)}」は大きすぎます（{_INT_DIGITS}桁まで）")
            return int(text)
    raise ValueProblem("value-type", f"「{show(raw)}」は整数ではありません")


def parse_layer(raw: object) -> int:
    text = nfkc(str(raw)).strip() if not isinstance(raw, (int, float)) else str(raw)
    match = re.fullmatch(r"(?:第)?([12])(?:\.0)?(?:層)?", text)
    if not match:
        raise ValueProblem("value-not-in-list", f"「{show(raw)}」は層として使えません（1 または 2）")
    return int(match.group(1))


# --- dates --------------------------------------------------------------------

ERAS = dict(japanese.ERAS)   # era name -> first day; 元年 is the year of that day
_ERA_ALIASES = {"R": "令和", "H": "平成", "S": "昭和", "令": "令和", "平": "平成", "昭": "昭和"}
_EXCEL_EPOCH = dt.date(1899, 12, 30)
# The dates documents can print and compute with. 1900/1/1 is Excel's first
# date and lies well inside 明治, so a letter dated up to a year before a
# meeting still has a 和暦 date; 2200 matches the newest --fiscal-year.
DATE_MIN, DATE_MAX = dt.date(1900, 1, 1), dt.date(2200, 12, 31)

_WESTERN = re.compile(r"(\d{4})\s*(?:[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{1,2})|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?)")
_ERA = re.compile(
    r"(令和|平成|昭和|[RHSrhs]|令|平|昭)\s*(元|\d{1,2})\s*"
    r"(?:年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?|[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{1,2}))"
)
_TRAILING_WEEKDAY = re.compile(r"\s*\(\s*[月火水木金土日](?:曜日?)?\s*\)\s*$")


def _bad_date(raw: object, why: str = "") -> ValueProblem:
    hint = "（例: 2026/12/21、令和8年12月21日、R8.12.21）"
    return ValueProblem("value-type", f"「{show(raw)}」は日付として読めません{why}{hint}")


def _make_date(year: int, month: int, day: int, raw: object) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise _bad_date(raw, "（存在しない日付）") from None


def parse_date(raw: object) -> dt.date:
    """A date the ledger may hold: readable, and between DATE_MIN and DATE_MAX."""
    value = _read_date(raw)
    if not DATE_MIN <= value <= DATE_MAX:
        raise ValueProblem("date-out-of-range", messages.DATE_OUT_OF_RANGE.format(
            value=show(raw), first=f"{DATE_MIN.year}/{DATE_MIN.month}/{DATE_MIN.day}",
            last=f"{DATE_MAX.year}/{DATE_MAX.month}/{DATE_MAX.day}"))
    return value


def _read_date(raw: object) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, bool):
        raise _bad_date(raw)
    if isinstance(raw, (int, float)):
        # Excel serials: 1 = 1900-01-01; anything past 9999-12-31 is not a date.
        if 1 <= raw < 2958466 and float(raw).is_integer():
            return _EXCEL_EPOCH + dt.timedelta(days=int(raw))
        raise _bad_date(raw)
    if not isinstance(raw, str):
        raise _bad_date(raw)
    text = _TRAILING_WEEKDAY.sub("", nfkc(raw).strip())
    match = _WESTERN.fullmatch(text)
    if match:
        year, m1, d1, m2, d2 = match.groups()
        return _make_date(int(year), int(m1 or m2), int(d1 or d2), raw)
    match = _ERA.fullmatch(text)
    if match:
        era, year, m1, d1, m2, d2 = match.groups()
        era = _ERA_ALIASES.get(era.upper() if len(era) == 1 and era.isascii() else era, era)
        start = ERAS[era]
        number = 1 if year == "元" else int(year)
        if number < 1:
            raise _bad_date(raw)
        value = _make_date(start.year + number - 1, int(m1 or m2), int(d1 or d2), raw)
        if value < start:
            raise _bad_date(raw, f"（{era}は{start.year}年{start.month}月{start.day}日から）")
        return value
    raise _bad_date(raw)


# --- times --------------------------------------------------------------------

_TIME = re.compile(
    r"(午前|午後|AM|PM|am|pm)?\s*(\d{1,2})\s*(?:[:時]\s*(?:(\d{1,2})\s*分?|(半))?)"
)


def _bad_time(raw: object, why: str = "") -> ValueProblem:
    return ValueProblem("value-type", f"「{show(raw)}」は時刻として読めません{why}（例: 14:00、14時30分、午後2時）")


def parse_time(raw: object) -> dt.time:
    if isinstance(raw, dt.datetime):
        return raw.time().replace(microsecond=0)
    if isinstance(raw, dt.time):
        return raw.replace(microsecond=0)
    if isinstance(raw, bool):
        raise _bad_time(raw)
    if isinstance(raw, (int, float)):
        # An Excel time is a fraction of a day.
        if 0 <= raw < 1:
            seconds = round(raw * 86400)
            if seconds >= 86400:   # 0.99999999 rounds to 24:00, which is no time of day
                raise _bad_time(raw, "（24時以降の時刻です）")
            return dt.time(seconds // 3600, seconds % 3600 // 60)
        raise _bad_time(raw)
    if not isinstance(raw, str):
        raise _bad_time(raw)
    text = nfkc(raw).strip()
    if text == "正午":
        return dt.time(12, 0)
    match = _TIME.fullmatch(text)
    if not match:
        raise _bad_time(raw)
    half, hour, minute, half_hour = match.groups()
    hour = int(hour)
    minute = 30 if half_hour else int(minute or 0)
    if half:
        if hour > 12 or (hour == 12 and half in ("午後", "PM", "pm")):
            raise _bad_time(raw, "（午前・午後は0〜11時で書きます）")
        if half in ("午後", "PM", "pm"):
            hour += 12
    if hour > 23 or minute > 59:
        raise _bad_time(raw)
    return dt.time(hour, minute)


# --- postal codes, e-mail -------------------------------------------------------

_POSTAL_JUNK = re.compile(r"[〒\s\-‐‑–—―−ー]")


def parse_postal(raw: object) -> str:
    """Return the 7 digits of a postal code."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if float(raw).is_integer() and 0 <= raw < 10_000_000:
            digits = str(int(raw))
            if len(digits) == 7:
                return digits
            raise ValueProblem(
                "postal-code-number",
                f"郵便番号 {digits} は数値として保存され、先頭の0が消えています"
                f"（{digits.zfill(7)[:3]}-{digits.zfill(7)[3:]} ではありませんか）。"
                "セルを文字列にして入力し直してください",
            )
        raise ValueProblem("postal-code-invalid", f"郵便番号「{show(raw)}」は7桁ではありません")
    text = _POSTAL_JUNK.sub("", nfkc(str(raw)))
    if len(text) == 7 and text.isdigit() and text.isascii():
        return text
    raise ValueProblem("postal-code-invalid", f"郵便番号「{show(raw)}」は7桁の数字ではありません")


_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")


def parse_email(raw: object) -> str:
    text = nfkc(str(raw)).strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    if _EMAIL.fullmatch(text) and ".." not in text:
        return text
    raise ValueProblem("email-invalid", f"メールアドレス「{show(raw)}」の形が正しくありません")


# --- lists ----------------------------------------------------------------------

def _choice_key(text: str) -> str:
    return _SPACES.sub("", nfkc(text))


def _choice_index(choices: tuple[str, ...]) -> dict[str, str]:
    index: dict[str, str] = {}
    for choice in choices:
        key = _choice_key(choice)
        index[key] = choice
        # '地縁組織' finds '地縁組織（自治会・町会）'; '総合事業' finds '総合事業（サービスB）'.
        short = re.sub(r"\(.*\)$", "", key)
        index.setdefault(short, choice)
        # '①共有・見える化' is also found as '①', '1' or '共有・見える化' (NFKC makes ① a 1).
        if choice[:1] in "①②③④⑤":
            number = str("①②③④⑤".index(choice[0]) + 1)
            index.setdefault(number, choice)
            index.setdefault(key[1:], choice)
    return index


_CHOICE_INDEXES: dict[tuple[str, ...], dict[str, str]] = {}


def parse_choice(raw: object, choices: tuple[str, ...]) -> str:
    index = _CHOICE_INDEXES.get(choices)
    if index is None:
        index = _CHOICE_INDEXES[choices] = _choice_index(choices)
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = raw.strip() if isinstance(raw, str) else str(raw)
    found = index.get(text) or index.get(_choice_key(text))
    if found is None:
        shown = "、".join(choices)
        raise ValueProblem("value-not-in-list", f"「{show(raw)}」は選択肢にありません（{shown}）")
    return found


_MULTI_SEP = re.compile(r"[、,，/／\n]+")


def parse_multi(raw: object, choices: tuple[str, ...]) -> tuple[str, ...]:
    """Several choices joined with 、 (or , / newline), in order, without repeats."""
    parts = [p for p in _MULTI_SEP.split(str(raw)) if p.strip()]
    return tuple(dict.fromkeys(parse_choice(part, choices) for part in parts))


_BULLET = re.compile(r"^\s*(?:[・\-*●○■□◆◇]|[0-9０-９]+\s*[.．)）、]|[(（][0-9０-９]+[)）]|[①-⑳])\s*")


def parse_lines(raw: object) -> tuple[str, ...]:
    """A multi-line cell (Alt+Enter) as a list, without the numbering staff add."""
    text = parse_text(raw)
    items = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = _BULLET.sub("", line).strip()
        if line:
            items.append(line)
    return tuple(items)


def parse(kind: str, raw: object, choices: tuple[str, ...] = ()) -> object:
    """Parse one non-empty raw value as `kind` (see generator.schema)."""
    if kind == schema.TEXT:
        return raw.strip() if isinstance(raw, str) else parse_text(raw)
    return _PARSERS[kind](raw, choices)


_PARSERS = {
    schema.ID: lambda raw, _: parse_id(raw),
    schema.INT: lambda raw, _: parse_int(raw),
    schema.LAYER: lambda raw, _: parse_layer(raw),
    schema.DATE: lambda raw, _: parse_date(raw),
    schema.TIME: lambda raw, _: parse_time(raw),
    schema.POSTAL: lambda raw, _: parse_postal(raw),
    schema.EMAIL: lambda raw, _: parse_email(raw),
    schema.CHOICE: parse_choice,
    schema.MULTI: parse_multi,
    schema.LINES: lambda raw, _: parse_lines(raw),
}
