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
