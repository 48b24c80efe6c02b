"""Japanese calendar conventions: 和暦, 年度, holidays."""
from __future__ import annotations

import datetime as dt

import jpholiday

# (era name, first day), newest first.
ERAS: tuple[tuple[str, dt.date], ...] = (
    ("令和", dt.date(2019, 5, 1)),
    ("平成", dt.date(1989, 1, 8)),
    ("昭和", dt.date(1926, 12, 25)),
    ("大正", dt.date(1912, 7, 30)),
    ("明治", dt.date(1868, 10, 23)),
)
WEEKDAYS = "月火水木金土日"


def era_of(day: dt.date) -> tuple[str, int]:
    """(era name, year in era) of a date: 2026-12-21 -> ('令和', 8)."""
    for name, start in ERAS:
        if day >= start:
            return name, day.year - start.year + 1
    raise ValueError(f"{day} is before 明治")


def era_year_text(name: str, year: int) -> str:
    return f"{name}{'元' if year == 1 else year}年"


def fiscal_year_of(day: dt.date) -> int:
    """年度 of a date: April to March; 2027-03-31 is in 2026年度."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_range(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 4, 1), dt.date(year + 1, 3, 31)


def fiscal_year_era(year: int) -> str:
    """'令和8年度' for 2026; 2019 is 令和元年度 (the era in force for most of the year)."""
    name, number = era_of(dt.date(year, 5, 1))
    return f"{name}{'元' if number == 1 else number}年度"


def holiday_name(day: dt.date) -> str | None:
    """The national holiday on `day` (振替休日 included), or None."""
    return jpholiday.is_holiday_name(day)


# --- formatting for documents ------------------------------------------------------

DATE_STYLES = ("和暦", "西暦", "併記")


def format_date(day: dt.date, style: str = "和暦", weekday: bool = True) -> str:
    """'令和8年12月21日（月）'; 西暦 '2026年12月21日（月）'; 併記 '令和8年（2026年）12月21日（月）'."""
    name, year = era_of(day)
    era = era_year_text(name, year)
    if style == "西暦":
        text = f"{day.year}年{day.month}月{day.day}日"
    elif style == "併記":
        text = f"{era}（{day.year}年）{day.month}月{day.day}日"
    else:
        text = f"{era}{day.month}月{day.day}日"
    return text + (f"（{WEEKDAYS[day.weekday()]}）" if weekday else "")


def format_time(value: dt.time) -> str:
    """'午前10時', '午後2時30分', '正午' (never '午後12時'); midnight is '午前0時'."""
    if value.hour == 12 and value.minute == 0:
        return "正午"
    half = "午前" if value.hour < 12 else "午後"
    hour = value.hour % 12
    return f"{half}{hour}時" + (f"{value.minute}分" if value.minute else "")


def format_time_range(start: dt.time, end: dt.time | None) -> str:
    return format_time(start) + (f"～{format_time(end)}" if end else "")


# 時候の挨拶 for the month a letter is posted (a common set in municipal letters).
_SEASONS = {
    1: "厳寒の候", 2: "余寒の候", 3: "早春の候", 4: "陽春の候", 5: "新緑の候", 6: "初夏の候",
    7: "盛夏の候", 8: "残暑の候", 9: "初秋の候", 10: "秋冷の候", 11: "晩秋の候", 12: "師走の候",
}


def seasonal_greeting(posted: dt.date) -> str:
    """時候の挨拶 of the posting date; early January is 新春."""
    if posted.month == 1 and posted.day <= 7:
        return "新春の候"
    return _SEASONS[posted.month]


def format_postal(digits: str) -> str:
    """'0990101' -> '〒099-0101'; '' stays ''."""
    return f"〒{digits[:3]}-{digits[3:]}" if len(digits) == 7 else digits


_HONORIFIC_SUFFIXES = ("様", "御中", "殿", "さま", "先生")


def addressee(name: str, honorific: str = "様") -> str:
    """'青木 一郎 様' for a person, 'あおば駅前商店会 御中' for an organisation.

    Never both: a name typed with its honorific already keeps only that one.
    """
    name = name.strip()
    for suffix in _HONORIFIC_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return f"{name[: -len(suffix)].rstrip()}　{suffix}"
    return f"{name}　{honorific or '様'}"


def is_business_day(day: dt.date) -> bool:
    return day.weekday() < 5 and not holiday_name(day) and not _year_end(day)


def _year_end(day: dt.date) -> bool:
    # 年末年始 (12/29-1/3): town halls are closed, no letters go out.
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def previous_business_day(day: dt.date) -> dt.date:
    """The day itself when the office is open, else the last open day before it."""
    while not is_business_day(day):
        day -= dt.timedelta(days=1)
    return day


def next_business_day(day: dt.date) -> dt.date:
    """The day itself when the office is open, else the first open day after it."""
    while not is_business_day(day):
        day += dt.timedelta(days=1)
    return day
