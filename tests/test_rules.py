"""The rule catalogue: each rule on a ledger built to trigger it, as exact tuples."""
from conftest import D, SAMPLE, add_column, minimal, set_cell

from generator.ledger.check import check, current_fiscal_year
from generator.ledger.rules import RULES


def found(path, year=2026):
    return [(f.code, f.sheet, f.cell) for f in check(path, year).findings]


def test_minimal_ledger_is_clean(ledger_file):
    assert found(ledger_file()) == []


def test_every_finding_has_a_known_code_severity_and_message():
    report = check(SAMPLE, 2026)
    for f in report.findings:
        assert f.code in RULES and f.severity == RULES[f.code].severity and f.message


def test_duplicate_ids(ledger_file):
    s = minimal()
    set_cell(s, "構成員", "構成員ID", 2, "M01")
    s["会議"].append(["K01", "C1", 4, D(2026, 11, 10), "10:00", "11:30", "公民館", "議題G", "座長", None])
    s["出欠"] = [["会議ID", "構成員ID", "出欠"], ["K01", "M01", "出席"], ["K01", "M01", "欠席"]]
    assert found(ledger_file(s)) == [
        ("id-duplicate", "構成員", "A3"),
        ("id-duplicate", "会議", "A8"),
        ("id-duplicate", "出欠", "B3"),
    ]


def test_unknown_references(ledger_file):
    s = minimal()
    set_cell(s, "生活支援コーディネーター", "担当圏域ID", 2, "A9")
    set_cell(s, "協議体", "座長構成員ID", 1, "M11")       # a member of another council
    set_cell(s, "構成員", "協議体ID", 4, "C7")
    set_cell(s, "会議", "協議体ID", 6, "C9")
    s["出欠"] = [["会議ID", "構成員ID", "出欠"], ["K99", "M01", "出席"], ["K01", "M11", "出席"]]
    s["協議記録"] = [["会議ID", "区分", "内容"], ["K98", "決定事項", "x"]]
    s["地域課題・資源"] = [["課題ID", "圏域ID", "区分", "内容", "関連活動ID"], ["I1", "A5", "地域課題", "x", "R9"]]
    s["住民主体の活動"] = [["活動ID", "名称", "種類", "圏域ID"], ["R1", "サロン", "サロン", "A6"]]
    s["地域ケア会議"].append([D(2026, 7, 1), "A7", "無"])
    add_column(s, "地域ケア会議", "協議体への反映", [None, "K77"])
    assert [f for f in found(ledger_file(s)) if f[0] == "id-unknown"] == [
        ("id-unknown", "生活支援コーディネーター", "D3"),
        ("id-unknown", "協議体", "F2"),
        ("id-unknown", "構成員", "B5"),
        ("id-unknown", "会議", "B7"),
        ("id-unknown", "出欠", "A2"),
        ("id-unknown", "出欠", "B3"),
        ("id-unknown", "協議記録", "A2"),
        ("id-unknown", "地域課題・資源", "B2"),
        ("id-unknown", "地域課題・資源", "E2"),
        ("id-unknown", "住民主体の活動", "D2"),
        ("id-unknown", "地域ケア会議", "B3"),
        ("id-unknown", "地域ケア会議", "D3"),
    ]


def test_end_before_start(ledger_file):
    s = minimal()
    set_cell(s, "生活支援コーディネーター", "終了日", 1, D(2019, 3, 31))
    set_cell(s, "会議", "終了時刻", 1, "13:00")
    set_cell(s, "会議", "通知日", 2, D(2026, 7, 20))     # posted after the meeting
    s["生活支援コーディネーター"].append(["S3", "後任", 1, "A0", "社協", D(2019, 4, 1), None])
    assert found(ledger_file(s)) == [
        ("end-before-start", "生活支援コーディネーター", "G2"),
        ("end-before-start", "会議", "F2"),
        ("end-before-start", "会議", "D3"),
    ]


def test_layer_of_council_and_sc_must_match_area(ledger_file):
    s = minimal()
    set_cell(s, "協議体", "層", 2, 1)
    set_cell(s, "生活支援コーディネーター", "層", 1, 2)
    assert [f for f in found(ledger_file(s)) if f[0] == "layer-mismatch"] == [
        ("layer-mismatch", "生活支援コーディネーター", "C2"),
        ("layer-mismatch", "協議体", "C3"),
    ]


def test_delivery_needs_address_or_email(ledger_file):
    s = minimal()
    set_cell(s, "構成員", "住所1", 2, None)                # 郵送 without 住所1
    set_cell(s, "構成員", "メール", 3, None)               # メール without address
    set_cell(s, "構成員", "送付方法", 5, "郵送")           # 郵送 with neither
    set_cell(s, "構成員", "送付方法", 6, "メール")
    set_cell(s, "構成員", "メール", 6, "not-an-address")  # reported once, by the reader
    assert found(ledger_file(s)) == [
        ("postal-address-missing", "構成員", "G3"),
        ("email-invalid", "構成員", "H4"),
        ("postal-address-missing", "構成員", "F6"),
        ("email-invalid", "構成員", "H7"),
    ]


def test_postal_code_forms(ledger_file):
    s = minimal()
    set_cell(s, "構成員", "郵便番号", 2, 990101)
    assert found(ledger_file(s)) == [("postal-code-number", "構成員", "F3")]
    set_cell(s, "構成員", "郵便番号", 2, "099-01")
    assert found(ledger_file(s)) == [("postal-code-invalid", "構成員", "F3")]


def test_layer1_area_coverage(ledger_file):
    s = minimal()
    set_cell(s, "圏域", "層", 2, 1)
    set_cell(s, "協議体", "層", 2, 1)
    set_cell(s, "生活支援コーディネーター", "層", 2, 1)
    assert ("layer1-area-count", "圏域", "C3") in found(ledger_file(s))
    s = minimal()
    set_cell(s, "圏域", "層", 1, 2)
    set_cell(s, "協議体", "層", 1, 2)
    set_cell(s, "生活支援コーディネーター", "層", 1, 2)
    assert found(ledger_file(s))[0] == ("layer1-area-count", "圏域", "")


def test_areas_without_active_sc_or_council(ledger_file):
    s = minimal()
    s["圏域"].append(["A2", "南地区", 2])
    set_cell(s, "生活支援コーディネーター", "終了日", 1, D(2026, 3, 31))   # left before the year
    s["生活支援コーディネーター"].append(["S9", "次の人", 1, "A0", "社協", D(2027, 4, 1), None])
    assert found(ledger_file(s)) == [
        ("layer1-no-sc", "圏域", "A2"),
        ("layer2-no-council", "圏域", "A4"),
        ("layer2-no-sc", "圏域", "A4"),
    ]
    # The same ledger checked for 2027: S9 is in office then.
    assert ("layer1-no-sc", "圏域", "A2") not in found(ledger_file(s), 2027)


def test_few_meetings_and_gaps(ledger_file):
    s = minimal()
    rows = s["会議"]
    del rows[5:7]                                     # C1 keeps one meeting in the year
    set_cell(s, "会議", "開催日", 3, D(2026, 11, 18))  # C0: 7/15 -> 11/18 skips three months
    add_column(s, "会議", "状態", [None, None, None, None])
    s["会議"].append(["K14", "C1", 2, D(2026, 9, 9), "10:00", "11:30", "公民館", "x", "座長", None, "中止"])
    assert found(ledger_file(s)) == [
        ("council-few-meetings", "協議体", "B3"),
        ("meeting-gap", "会議", "D4"),
    ]


def test_gap_counts_the_meeting_before_the_year(ledger_file):
    s = minimal()
    s["会議"].append(["K00", "C0", 0, D(2026, 1, 21), "14:00", "16:00", "役場", "x", "座長", None])
    assert found(ledger_file(s)) == [("meeting-gap", "会議", "D2")]


def test_invitation_late_and_without_agenda(ledger_file):
    s = minimal()
    set_cell(s, "会議", "通知日", 1, D(2026, 5, 1))     # 19 days ahead
    set_cell(s, "会議", "通知日", 2, D(2026, 6, 17))    # 28 days ahead: about a month, fine
    set_cell(s, "会議", "議題", 3, None)
    assert found(ledger_file(s)) == [
        ("invitation-late", "会議", "J2"),
        ("invitation-no-agenda", "会議", "H4"),
    ]


def test_cancelled_meeting_needs_no_agenda(ledger_file):
    s = minimal()
    add_column(s, "会議", "状態", ["中止"] + [None] * 5)
    set_cell(s, "会議", "議題", 1, None)
    s["会議"].append(["K04", "C0", 4, D(2026, 6, 17), "14:00", "16:00", "役場", "x", "座長", None, None])
    assert found(ledger_file(s)) == []


def test_member_make_up(ledger_file):
    s = minimal()
    set_cell(s, "構成員", "団体種別", 1, "行政")         # C0: 行政, 社協, 老人クラブ, NPO -> still 4 kinds
    set_cell(s, "構成員", "団体種別", 3, "社会福祉協議会")  # now 3 kinds, none resident-close
    set_cell(s, "構成員", "団体種別", 5, "民生委員・児童委員協議会")  # C1 loses its 地縁組織
    assert found(ledger_file(s)) == [
        ("members-few-kinds", "協議体", "B2"),
        ("members-no-resident", "協議体", "B2"),
        ("layer1-chair", "協議体", "F2"),
        ("layer2-no-chien", "協議体", "B3"),
        ("members-few-kinds", "協議体", "B3"),
    ]


def test_members_out_of_office_do_not_count(ledger_file):
    s = minimal()
    add_column(s, "構成員", "退任日", [D(2025, 3, 31)] + [None] * 7)   # the chair, 住民, left
    report = check(ledger_file(s), 2026)
    assert [(f.code, f.sheet, f.cell) for f in report.findings] == [
        ("members-few-kinds", "協議体", "B2"),
        ("layer1-chair", "協議体", "F2"),
    ]
    assert "退任済み" in report.findings[1].message


def test_layer1_chair(ledger_file):
    s = minimal()
    set_cell(s, "協議体", "座長構成員ID", 1, None)
    assert found(ledger_file(s)) == [("layer1-chair", "協議体", "F2")]
    s = minimal()
    set_cell(s, "構成員", "所属団体", 1, "福祉課")        # the chair belongs to the secretariat
    assert found(ledger_file(s)) == [("layer1-chair", "協議体", "F2")]


def test_admin_leading_and_weekend_meetings(ledger_file):
    s = minimal()
    set_cell(s, "会議", "進行役", 1, "行政")
    set_cell(s, "会議", "開催日", 4, D(2026, 5, 16))     # Saturday
    set_cell(s, "会議", "開催日", 5, D(2026, 7, 20))     # 海の日
    report = check(ledger_file(s), 2026)
    assert [(f.code, f.sheet, f.cell, f.severity) for f in report.findings] == [
        ("admin-leads", "会議", "I2", "warning"),
        ("meeting-holiday", "会議", "D5", "info"),
        ("meeting-holiday", "会議", "D6", "info"),
    ]
    assert "土曜日" in report.findings[1].message and "海の日" in report.findings[2].message


def test_no_sc_at_community_care_conferences(ledger_file):
    s = minimal()
    set_cell(s, "地域ケア会議", "SC出席", 1, "無")
    assert found(ledger_file(s)) == [("care-conference-no-sc", "地域ケア会議", "")]
    assert ("care-conference-no-sc", "地域ケア会議", "") in found(ledger_file(minimal()), 2027)


def test_sc_leaving_without_successor(ledger_file):
    s = minimal()
    set_cell(s, "生活支援コーディネーター", "終了日", 2, D(2026, 9, 30))
    assert found(ledger_file(s)) == [("sc-no-successor", "生活支援コーディネーター", "G3")]
    s["生活支援コーディネーター"].append(["S3", "後任", 2, "A1", "社協", D(2026, 10, 1), None])
    assert found(ledger_file(s)) == []


def test_warning_sections_cite_the_guidebook():
    for rule in RULES.values():
        if rule.severity == "warning":
            assert rule.section.startswith("第1節"), rule.code


def test_sample_ledger_findings_for_2026():
    assert found(SAMPLE) == [
        ("council-few-meetings", "協議体", "B5"),
        ("admin-leads", "会議", "L19"),
        ("invitation-late", "会議", "N19"),
        ("meeting-gap", "会議", "D21"),
        ("meeting-holiday", "会議", "D25"),
        ("invitation-no-agenda", "会議", "I27"),
    ]


def test_default_fiscal_year_is_todays():
    import datetime as dt

    assert current_fiscal_year(dt.date(2027, 3, 31)) == 2026
    assert current_fiscal_year(dt.date(2027, 4, 1)) == 2027
