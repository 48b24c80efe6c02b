"""Every value form of DOMAIN.md §2, and what is refused."""
import datetime as dt

import pytest

from generator.ledger import schema
from generator.ledger.values import (ValueProblem, header_key, parse_choice, parse_date, parse_email, parse_id,
                              parse_int, parse_layer, parse_lines, parse_multi, parse_postal, parse_time)

D = dt.date


@pytest.mark.parametrize("raw, expected", [
    (dt.datetime(2026, 12, 21, 0, 0), D(2026, 12, 21)),
    (D(2026, 12, 21), D(2026, 12, 21)),
    (46377, D(2026, 12, 21)),              # Excel serial
    (46377.0, D(2026, 12, 21)),
    ("2026/12/21", D(2026, 12, 21)),
    ("2026-12-21", D(2026, 12, 21)),
    ("2026.12.21", D(2026, 12, 21)),
    ("2026/1/5", D(2026, 1, 5)),
    ("2026年12月21日", D(2026, 12, 21)),
    ("2026年 1月 5日", D(2026, 1, 5)),
    ("２０２６年１２月２１日", D(2026, 12, 21)),  # full-width digits
    ("２０２６／１２／２１", D(2026, 12, 21)),
    ("R8.12.21", D(2026, 12, 21)),
    ("r8.12.21", D(2026, 12, 21)),
    ("Ｒ８．１２．２１", D(2026, 12, 21)),
    ("R8/12/21", D(2026, 12, 21)),
    ("令和8年12月21日", D(2026, 12, 21)),
    ("令和８年１２月２１日", D(2026, 12, 21)),
    ("令和8年12月21日（月）", D(2026, 12, 21)),  # with the weekday staff copy from a letter
    ("令和元年5月1日", D(2019, 5, 1)),
    ("令和元年12月1日", D(2019, 12, 1)),
    ("平成31年4月30日", D(2019, 4, 30)),
    ("平成元年1月8日", D(1989, 1, 8)),
    ("H31.4.1", D(2019, 4, 1)),
    ("昭和64年1月7日", D(1989, 1, 7)),
    ("S50.3.31", D(1975, 3, 31)),
    ("  2026/12/21  ", D(2026, 12, 21)),
])
def test_dates(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize("raw", [
    "12/21", "26/12/21", "2026/13/01", "2026/2/30", "令和1年4月30日", "令和0年5月1日", "平成元年1月7日",
    "来週", "2026年12月", -5, 0, 1e9, True, "R8.12",
])
def test_bad_dates(raw):
    with pytest.raises(ValueProblem) as info:
        parse_date(raw)
    assert info.value.code == "value-type"
    assert "日付として読めません" in info.value.detail


def test_era_before_its_start_says_when_the_era_began():
    with pytest.raises(ValueProblem) as info:
        parse_date("令和1年4月30日")
    assert "令和は2019年5月1日から" in info.value.detail


@pytest.mark.parametrize("raw, expected", [
    (dt.time(14, 0), dt.time(14, 0)),
    (dt.datetime(1899, 12, 30, 14, 30), dt.time(14, 30)),
    (0.5833333333, dt.time(14, 0)),        # Excel fraction of a day
    ("14:00", dt.time(14, 0)),
    ("9:05", dt.time(9, 5)),
    ("14:00:00", None),
    ("14時", dt.time(14, 0)),
    ("14時30分", dt.time(14, 30)),
    ("14時半", dt.time(14, 30)),
    ("午後2時", dt.time(14, 0)),
    ("午後2時30分", dt.time(14, 30)),
    ("午前10時", dt.time(10, 0)),
    ("午前0時", dt.time(0, 0)),
    ("午後0時", dt.time(12, 0)),
    ("正午", dt.time(12, 0)),
    ("１４：００", dt.time(14, 0)),
    ("午後２時３０分", dt.time(14, 30)),
    ("PM2:00", dt.time(14, 0)),
])
def test_times(raw, expected):
    if expected is None:
        with pytest.raises(ValueProblem):
            parse_time(raw)
    else:
        assert parse_time(raw) == expected


@pytest.mark.parametrize("raw", ["25:00", "14:75", "午後12時", "午後13時", "昼過ぎ", 1.5, "14"])
def test_bad_times(raw):
    with pytest.raises(ValueProblem) as info:
        parse_time(raw)
    assert info.value.code == "value-type"


@pytest.mark.parametrize("raw", ["099-0101", "0990101", "〒099-0101", "〒 099-0101", "０９９－０１０１",
                                 "〒０９９ー０１０１", 1234567])
def test_postal_codes(raw):
    assert parse_postal(raw) in ("0990101", "1234567")


def test_postal_code_stored_as_number_lost_its_leading_zero():
    with pytest.raises(ValueProblem) as info:
        parse_postal(600045)
    assert info.value.code == "postal-code-number"
    assert "060-0045" in info.value.detail


@pytest.mark.parametrize("raw", ["099-010", "12345678", "abc-defg", "099 01011"])
def test_postal_codes_not_seven_digits(raw):
    with pytest.raises(ValueProblem) as info:
        parse_postal(raw)
    assert info.value.code == "postal-code-invalid"


def test_email():
    assert parse_email("taro@example.jp") == "taro@example.jp"
    assert parse_email("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ") == "taro@example.jp"
    assert parse_email("mailto:a.b+c@mail.example.jp") == "a.b+c@mail.example.jp"
    for bad in ("taro", "taro@", "taro@example", "ta ro@example.jp", "a..b@example.jp", "太郎@example.jp"):
        with pytest.raises(ValueProblem) as info:
            parse_email(bad)
        assert info.value.code == "email-invalid"


def test_ids_numbers_and_width():
    assert parse_id(12) == "12"
    assert parse_id(12.0) == "12"
    assert parse_id(" M01 ") == "M01"
    assert parse_id("Ｍ０１") == "M01"
    with pytest.raises(ValueProblem):
        parse_id(1.5)


def test_integers():
    assert parse_int(6) == 6
    assert parse_int("６回") == 6
    assert parse_int("1,234人") == 1234
    with pytest.raises(ValueProblem):
        parse_int("six")
    with pytest.raises(ValueProblem):
        parse_int(2.5)


def test_layers():
    assert [parse_layer(v) for v in (1, 2.0, "１", "第2層", "2層")] == [1, 2, 1, 2, 2]
    with pytest.raises(ValueProblem) as info:
        parse_layer(3)
    assert info.value.code == "value-not-in-list"


def test_choices_forgive_width_spaces_and_short_forms():
    kinds = schema.ORG_KINDS
    assert parse_choice("ＮＰＯ法人", kinds) == "NPO法人"
    assert parse_choice("地縁組織", kinds) == "地縁組織（自治会・町会）"
    assert parse_choice("地縁組織(自治会・町会)", kinds) == "地縁組織（自治会・町会）"
    assert parse_choice(" 住民 ", kinds) == "住民"
    assert parse_choice("③", schema.STAGES) == "③計画"
    assert parse_choice("3", schema.STAGES) == "③計画"
    with pytest.raises(ValueProblem) as info:
        parse_choice("町内会", kinds)
    assert info.value.code == "value-not-in-list"


def test_multi_choice_list():
    assert parse_multi("広報、財政支援", schema.SUPPORT_KINDS) == ("広報", "財政支援")
    assert parse_multi("総合事業（サービスB）,広報,広報", schema.SUPPORT_KINDS) == ("総合事業（サービスB）", "広報")
    with pytest.raises(ValueProblem):
        parse_multi("広報、寄付", schema.SUPPORT_KINDS)


def test_multi_line_cells_are_lists_without_numbering():
    assert parse_lines("議題A\n議題B\r\n\n議題C ") == ("議題A", "議題B", "議題C")
    assert parse_lines("1. 近況報告\n2．移動支援\n（3）その他\n・報告") == ("近況報告", "移動支援", "その他", "報告")
    assert parse_lines("①第1層の報告\n②2025年の振り返り") == ("第1層の報告", "2025年の振り返り")


def test_header_key_ignores_width_spaces_and_required_marks():
    assert header_key("構成員 ＩＤ") == header_key("構成員ID") == header_key("★構成員ID") == "構成員ID"
    assert header_key("SC_ID（必須）".replace("（", "(").replace("）", ")")) == "SC_ID"
