"""The rule catalogue: each rule on a ledger built to trigger it, as exact tuples."""
from conftest import D, SAMPLE, add_column, minimal, set_cell

from generator.ledger.check import check, current_fiscal_year
from generator.ledger.reader import read_ledger
from generator.ledger.rules import RULES, check_model
from generator.summary import format_report


AS_OF = D(2026, 11, 30)   # "today" for every test: rules about time never read the clock here


def found(path, year=2026, as_of=AS_OF):
    return [(f.code, f.sheet, f.cell) for f in check(path, year, as_of=as_of).findings]


def test_minimal_ledger_is_clean(ledger_file):
    assert found(ledger_file()) == []


def test_every_finding_has_a_known_code_severity_and_message():
    report = check(SAMPLE, 2026, as_of=AS_OF)
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
    report = check(ledger_file(s), 2026, as_of=AS_OF)
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
    report = check(ledger_file(s), 2026, as_of=AS_OF)
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
        ("council-meetings-only", "協議体", "B5"),
        ("admin-leads", "会議", "L19"),
        ("invitation-late", "会議", "N19"),
        ("meeting-gap", "会議", "D21"),
        ("invitation-not-sent", "会議", "N21"),
        ("meeting-holiday", "会議", "D25"),
        ("invitation-not-sent", "会議", "N26"),
        ("invitation-no-agenda", "会議", "I27"),
        ("chair-absent", "出欠", "C50"),
        ("attendance-not-in-office", "出欠", "B116"),   # M112 at C1-04, after she left
        ("attendance-not-in-office", "出欠", "B128"),   # M211 at C2-01, before he joined
        ("attendance-not-in-office", "出欠", "B139"),   # M211 at C2-02
    ]
    past = [(f.code, f.cell) for f in check(SAMPLE, 2026, as_of=AS_OF).past]
    assert past == [("admin-leads", "L19"), ("invitation-late", "N19"), ("meeting-holiday", "D25"),
                    ("chair-absent", "C50")]


def test_default_fiscal_year_is_todays():
    import datetime as dt

    assert current_fiscal_year(dt.date(2027, 3, 31)) == 2026
    assert current_fiscal_year(dt.date(2027, 4, 1)) == 2027


def test_default_fiscal_year_follows_the_as_of_date(ledger_file):
    report = check(ledger_file(), None, as_of=D(2027, 5, 1))
    assert (report.fiscal_year, report.as_of) == (2027, D(2027, 5, 1))
    assert ("goals-missing", "目標", "") in [f.key() for f in report.findings]


# --- rules of issue #10.9 ----------------------------------------------------------------


def test_attendance_of_a_member_not_in_office_is_an_error_and_does_not_count(ledger_file):
    s = minimal()
    add_column(s, "構成員", "就任日", [None, None, None, D(2026, 6, 1), None, None, None, None])
    add_column(s, "構成員", "退任日", [None, D(2026, 6, 30), None, None, None, None, None, None])
    s["出欠"] = [["会議ID", "構成員ID", "出欠"],
                 ["K01", "M01", "出席"],       # in office
                 ["K02", "M02", "出席"],       # M02 left on 6/30, K02 is on 7/15
                 ["K01", "M04", "欠席"],       # M04 joined on 6/1, K01 is on 5/20
                 ["K01", "M02", "出席"]]       # still in office on 5/20
    path = ledger_file(s)
    report = check(path, 2026, as_of=AS_OF)
    assert [(f.code, f.sheet, f.cell) for f in report.findings] == [
        ("attendance-not-in-office", "出欠", "B3"),
        ("attendance-not-in-office", "出欠", "B4"),
    ]
    assert report.findings[0].message == (
        "構成員 M02（社協 次郎）は会議 K02 の開催日 2026/7/15 に在任していません（退任日 2026/6/30）。"
        "この行は出席率などに数えません。就任日・退任日か会議IDを確かめてください。")
    assert "（就任日 2026/6/1）" in report.findings[1].message
    ledger = read_ledger(path)[0]
    assert [(a.meeting_id, a.member_id) for a in ledger.valid_attendance(ledger.meeting("K01"))] == [
        ("K01", "M01"), ("K01", "M02")]
    assert ledger.valid_attendance(ledger.meeting("K02")) == []


def test_meeting_soon_without_notice_or_letter(ledger_file):
    path = ledger_file()
    ledger, read = read_ledger(path)
    soon = D(2026, 9, 1)        # K13 (9/8) is 7 days away, K03 (9/16) 15
    plain = check_model(ledger, 2026, read, as_of=soon)
    assert [(f.code, f.sheet, f.cell) for f in plain.findings] == [
        ("invitation-not-sent", "会議", "J4"),
        ("invitation-not-sent", "会議", "J7"),
    ]
    assert "通知日が空の会議は通知未作成とみなします" in plain.findings[0].message
    # A caller that sees the output folder knows K03's letters are made.
    told = check_model(ledger, 2026, read, as_of=soon, lettered={"K03"})
    assert [(f.code, f.cell) for f in told.findings] == [("invitation-not-sent", "J7")]
    assert told.findings[0].message == ("開催日 2026/9/8 まであと 7 日ですが、通知日が空で通知もまだ作成されていません。"
                                        "すぐに通知を作成・送付し、送付したら通知日を記入してください。")
    # 31 days ahead is not yet urgent; a 通知日 means the letter went.
    assert found(path, as_of=D(2026, 8, 8)) == []
    assert found(path, as_of=D(2026, 8, 9)) == [("invitation-not-sent", "会議", "J7")]
    s = minimal()
    set_cell(s, "会議", "通知日", 6, D(2026, 8, 7))
    set_cell(s, "会議", "通知日", 3, D(2026, 8, 14))
    assert found(ledger_file(s), as_of=soon) == []


def test_care_conference_issue_not_taken_up_after_90_days(ledger_file):
    s = minimal()
    add_column(s, "地域ケア会議", "抽出された地域課題", ["買い物に行けない高齢者がいる"])
    add_column(s, "地域ケア会議", "協議体への反映", [None])
    s["地域ケア会議"].append([D(2026, 6, 12), "A1", "有", "通院の足がない", "K12"])   # taken up
    s["地域ケア会議"].append([D(2026, 6, 15), "A1", "有", None, None])               # nothing found
    path = ledger_file(s)

    def issues(as_of):
        return [f for f in check(path, 2026, as_of=as_of).findings if f.sheet == "地域ケア会議"]

    assert issues(D(2026, 9, 8)) == []                                  # 90 days on: not yet
    assert [(f.code, f.cell) for f in issues(D(2026, 9, 9))] == [("care-issue-not-taken-up", "E2")]
    assert "（買い物に行けない高齢者がいる）が、91 日たっても" in issues(D(2026, 9, 9))[0].message


def test_homework_past_its_deadline_without_result(ledger_file):
    s = minimal()
    s["協議記録"] = [["会議ID", "区分", "内容", "担当", "期限", "結果"],
                     ["K01", "宿題", "会場の候補を探す", "事務局", D(2026, 6, 1), None],
                     ["K01", "宿題", "チラシ案", "SC", D(2026, 6, 1), "案を配布した"],
                     ["K02", "宿題", "名簿の更新", "SC", D(2026, 12, 1), None],       # not due yet
                     ["K02", "決定事項", "次回は公民館", None, D(2026, 6, 1), None]]
    assert found(ledger_file(s)) == [("homework-overdue", "協議記録", "F2")]


def test_vision_blank(ledger_file):
    s = minimal()
    set_cell(s, "基本情報", "値", 6, None)
    assert found(ledger_file(s)) == [("vision-blank", "基本情報", "B7")]
    s = minimal()
    del s["基本情報"][6]
    assert found(ledger_file(s)) == [("vision-blank", "基本情報", "")]


def test_goals_missing_or_not_evaluated(ledger_file):
    s = minimal()
    del s["目標"]
    path = ledger_file(s)
    report = check(path, 2026, as_of=AS_OF)
    assert [(f.code, f.sheet, f.cell, f.past) for f in report.findings] == [("goals-missing", "目標", "", False)]
    # After the year nobody can set its goals any more: past.
    assert [f.past for f in check(path, 2026, as_of=D(2027, 5, 1)).findings if f.code == "goals-missing"] == [True]
    s = minimal()
    s["目標"].append([2026, "サロンを2か所増やす", None])
    s["目標"].append([2027, "来年度の目標", None])
    path = ledger_file(s)
    assert found(path) == []                                            # the year is running
    assert found(path, as_of=D(2027, 4, 10)) == [("goals-not-evaluated", "目標", "C3")]


def test_council_meeting_only_as_meetings(ledger_file):
    s = minimal()
    add_column(s, "会議", "形式", ["会議", "会議", "会議", "会議", "ワークショップ", None])
    assert found(ledger_file(s)) == [("council-meetings-only", "協議体", "B2")]
    s = minimal()
    add_column(s, "会議", "形式", ["会議", "会議", None, "会議", "会議", "会議"])   # one not stated
    assert found(ledger_file(s)) == [("council-meetings-only", "協議体", "B3")]


def test_chair_absent_without_vice_chair(ledger_file):
    s = minimal()
    add_column(s, "構成員", "協議体での役割", [None, "副座長", None, None, "座長", None, None, None])
    s["出欠"] = [["会議ID", "構成員ID", "出欠"],
                 ["K01", "M01", "欠席"], ["K01", "M02", "出席"],      # the vice chair came
                 ["K02", "M01", "代理出席"], ["K02", "M02", "欠席"],  # nobody to chair
                 ["K11", "M11", "欠席"],                             # C1's chair by role, no vice chair
                 ["K03", "M01", "出席"]]
    set_cell(s, "協議体", "座長構成員ID", 2, None)                    # C1: chair known by 役割 only
    path = ledger_file(s)
    report = check(path, 2026, as_of=AS_OF)
    assert [(f.code, f.sheet, f.cell, f.severity) for f in report.findings] == [
        ("chair-absent", "出欠", "C4", "info"),
        ("chair-absent", "出欠", "C6", "info"),
    ]
    assert "座長 座長 花子 が代理出席で" in report.findings[0].message
    assert all(f.past for f in report.findings)                      # both meetings are over
    # Answers for a meeting still ahead can be acted on: ask the vice chair to come.
    assert [f.past for f in check(path, 2026, as_of=D(2026, 5, 1)).findings if f.code == "chair-absent"] == [
        False, False]


def test_local_issue_stuck_at_stage_one_for_a_year(ledger_file):
    s = minimal()
    s["地域課題・資源"] = [["課題ID", "圏域ID", "区分", "内容", "把握日", "段階"],
                           ["I1", "A1", "地域課題", "坂道で買い物が大変", D(2025, 11, 30), "①共有・見える化"],
                           ["I2", "A1", "地域課題", "集いの場が少ない", D(2025, 12, 1), "①共有・見える化"],
                           ["I3", "A1", "地域資源", "空き店舗", D(2024, 4, 1), "①共有・見える化"],
                           ["I4", "A1", "地域課題", "見守りの担い手不足", D(2024, 4, 1), "②アイデア"]]
    report = check(ledger_file(s), 2026, as_of=AS_OF)
    assert [(f.code, f.sheet, f.cell, f.severity) for f in report.findings] == [
        ("issue-stuck", "地域課題・資源", "F2", "info")]
    assert "2025/11/30 の把握から 365 日" in report.findings[0].message


# --- past findings (issue #10.10) -----------------------------------------------------


def test_past_findings_come_last_and_are_summarised(ledger_file):
    s = minimal()
    set_cell(s, "会議", "通知日", 1, D(2026, 5, 1))     # late letter, meeting held on 5/20
    set_cell(s, "会議", "進行役", 2, "行政")             # 7/15: held
    set_cell(s, "会議", "開催日", 6, D(2026, 12, 19))    # a Saturday still ahead
    set_cell(s, "会議", "通知日", 6, D(2026, 11, 18))
    path = ledger_file(s)
    report = check(path, 2026, as_of=AS_OF)
    assert [(f.code, f.cell, f.past) for f in report.findings] == [
        ("invitation-late", "J2", True),
        ("admin-leads", "I3", True),
        ("meeting-gap", "D7", False),        # the later meeting can still be moved
        ("meeting-holiday", "D7", False),
    ]
    assert [f.code for f in report.actionable] == ["meeting-gap", "meeting-holiday"]
    text = format_report(report).splitlines()
    assert text[3:] == [
        "■ 会議",
        "  警告  会議!D7  北の会議 の 2026/7/14 から 2026/12/19 まで 158 日空いています。"
        "2か月に1回程度を目安に間を空けずに開催しましょう。（meeting-gap） ［ガイドブック 第1節3(6) 開催頻度］",
        "  情報  会議!D7  開催日 2026/12/19 は土曜日です。（meeting-holiday）",
        "",
        "ほかに、開催済みの会議や終わった年度についての指摘が 2 件（警告 2 件）あります。--all で表示します。",
        "",
        "エラー 0 件、警告 3 件、情報 1 件",
    ]
    full = format_report(report, show_all=True).splitlines()
    start = full.index("■ 過去の会議・年度についての指摘（今からは対応できないもの）")
    assert full[start + 2] == "  ■ 会議"
    assert full[start + 3].startswith("    警告  会議!J2  通知日 2026/5/1 は開催日 2026/5/20 の 19 日前です。")
    assert full[start + 4].startswith("    警告  会議!I3  進行役が行政です。")
    data = report.to_dict()
    assert data["as_of"] == "2026-11-30" and data["summary"]["past"] == 2
    assert [f["past"] for f in data["findings"]] == [True, True, False, False]


def test_findings_about_a_finished_year_are_past(ledger_file):
    s = minimal()
    del s["会議"][5:7]                                  # C1 meets once in 2026
    path = ledger_file(s)
    assert [(f.code, f.past) for f in check(path, 2026, as_of=D(2027, 6, 1)).findings] == [
        ("council-few-meetings", True)]
    assert [(f.code, f.past) for f in check(path, 2026, as_of=AS_OF).findings] == [
        ("council-few-meetings", False)]


def test_chair_absent_uses_the_chair_in_office_that_day(ledger_file):
    s = minimal()
    add_column(s, "構成員", "協議体での役割", [None, None, "座長", None, None, None, None, None])
    add_column(s, "構成員", "退任日", [D(2026, 6, 30)] + [None] * 7)   # M01, 座長構成員ID, leaves
    s["出欠"] = [["会議ID", "構成員ID", "出欠"],
                 ["K02", "M03", "欠席"],        # 7/15: M03 (role 座長) chairs now, and is absent
                 ["K02", "M02", "出席"]]
    report = check(ledger_file(s), 2026, as_of=AS_OF)
    assert [(f.code, f.cell) for f in report.findings if f.code == "chair-absent"] == [("chair-absent", "C2")]
    assert "座長 老人 三郎 が欠席" in next(f.message for f in report.findings if f.code == "chair-absent")


def test_contact_sc_agenda_number_and_attendance_for_honoraria(ledger_file):
    import datetime as dt

    from generator.ledger.check import load_and_check

    s = minimal()
    add_column(s, "協議体", "問い合わせ先SC_ID", [None, "S9"])
    s["協議記録"] = [["会議ID", "区分", "議題番号", "内容"], ["K01", "協議内容", 1, "x"], ["K01", "協議内容", 3, "y"]]
    s["基本情報"].append(["謝礼単価", 3000])
    s["出欠"] = [["会議ID", "構成員ID", "出欠"], ["K01", "M01", "出席"]]
    _, report = load_and_check(ledger_file(s), 2026, as_of=dt.date(2026, 8, 1))
    found = [(f.code, f.sheet, f.cell) for f in report.findings
             if f.code in ("id-unknown", "agenda-number-unknown", "attendance-missing")]
    # K02, K11 and K12 were held by 8/1 with no 出欠: no 謝礼 list can be made; K01 has its row.
    assert found == [
        ("id-unknown", "協議体", "H3"),
        ("attendance-missing", "会議", "A3"),
        ("attendance-missing", "会議", "A5"),
        ("attendance-missing", "会議", "A6"),
        ("agenda-number-unknown", "協議記録", "C3"),
    ]
