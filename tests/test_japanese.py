"""Japanese conventions: 和暦, times, greetings, honorifics, postal codes, office days."""
import datetime as dt

import pytest

from generator.japanese import (addressee, era_of, fiscal_year_era, format_date, format_postal, format_time,
                                format_time_range, holiday_name, previous_business_day, seasonal_greeting)

D = dt.date


@pytest.mark.parametrize("day, style, expected", [
    (D(2026, 12, 21), "和暦", "令和8年12月21日（月）"),
    (D(2026, 12, 21), "西暦", "2026年12月21日（月）"),
    (D(2026, 12, 21), "併記", "令和8年（2026年）12月21日（月）"),
    (D(2019, 4, 30), "和暦", "平成31年4月30日（火）"),     # last day of 平成
    (D(2019, 5, 1), "和暦", "令和元年5月1日（水）"),       # 元年, not 1年
    (D(2020, 1, 1), "和暦", "令和2年1月1日（水）"),
    (D(1989, 1, 7), "和暦", "昭和64年1月7日（土）"),
    (D(1989, 1, 8), "和暦", "平成元年1月8日（日）"),
])
def test_dates(day, style, expected):
    assert format_date(day, style) == expected


def test_date_without_weekday_and_fiscal_year_names():
    assert format_date(D(2026, 11, 20), weekday=False) == "令和8年11月20日"
    assert fiscal_year_era(2026) == "令和8年度"
    assert fiscal_year_era(2019) == "令和元年度"
    assert fiscal_year_era(2018) == "平成30年度"
    assert era_of(D(2019, 4, 30)) == ("平成", 31)


@pytest.mark.parametrize("value, expected", [
    (dt.time(10, 0), "午前10時"), (dt.time(14, 0), "午後2時"), (dt.time(14, 30), "午後2時30分"),
    (dt.time(12, 0), "正午"), (dt.time(12, 15), "午後0時15分"), (dt.time(0, 0), "午前0時"),
    (dt.time(9, 5), "午前9時5分"), (dt.time(18, 30), "午後6時30分"),
])
def test_times(value, expected):
    assert format_time(value) == expected


def test_time_range():
    assert format_time_range(dt.time(14), dt.time(16)) == "午後2時～午後4時"
    assert format_time_range(dt.time(10), None) == "午前10時"
    assert "午後12時" not in format_time_range(dt.time(11), dt.time(12))


@pytest.mark.parametrize("day, expected", [
    (D(2026, 12, 1), "師走の候"), (D(2026, 11, 20), "晩秋の候"), (D(2027, 1, 5), "新春の候"),
    (D(2027, 1, 20), "厳寒の候"), (D(2026, 4, 10), "陽春の候"), (D(2026, 8, 1), "残暑の候"),
])
def test_seasonal_greeting(day, expected):
    assert seasonal_greeting(day) == expected


def test_honorifics_never_both():
    assert addressee("青木 一郎") == "青木 一郎　様"
    assert addressee("あおば駅前商店会", "御中") == "あおば駅前商店会　御中"
    assert addressee("あおば駅前商店会 御中", "様") == "あおば駅前商店会　御中"
    assert addressee("青木一郎様", "様") == "青木一郎　様"
    assert addressee("青木 一郎", "") == "青木 一郎　様"


def test_postal_code():
    assert format_postal("0990101") == "〒099-0101"
    assert format_postal("") == ""


def test_holidays_and_office_days():
    assert holiday_name(D(2026, 11, 23)) == "勤労感謝の日"
    assert holiday_name(D(2026, 11, 24)) is None
    assert previous_business_day(D(2026, 11, 23)) == D(2026, 11, 20)   # holiday Monday -> Friday
    assert previous_business_day(D(2027, 1, 3)) == D(2026, 12, 28)    # 年末年始
    assert previous_business_day(D(2026, 12, 2)) == D(2026, 12, 2)
