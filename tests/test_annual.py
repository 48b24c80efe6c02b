"""年次報告書 and 年次集計: small ledgers built here for each rule of counting, and the sample end to end."""
import io
import re
import warnings
import zipfile

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import D, SAMPLE, add_column, minimal, set_cell
from docx import Document
from docx.oxml.ns import qn
from docx_tools import docx_text

from generator.cli import main
from generator.documents.annual import AnnualItem, annual_tables, city_columns, summary_workbook, TYPE
from generator.documents.base import MonthPlan
from generator.ledger.check import load_and_check
from generator.ledger.model import Meeting
from generator.render import charts

FIRST, LAST = D(2026, 4, 1), D(2027, 3, 31)
MID = D(2026, 11, 30)          # the sample's as-of date in the middle of the year
AFTER = D(2027, 4, 1)          # the day after fiscal 2026: the whole year


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def tables_of(ledger_file, sheets, as_of):
    ledger, report = load_and_check(ledger_file(sheets), 2026)
    return annual_tables(ledger, report, 2026, as_of)


def report_text(ledger_file, tmp_path, sheets, as_of: str) -> list[str]:
    out = tmp_path / "out"
    result = run("annual", ledger_file(sheets), "--fiscal-year", 2026, "--as-of", as_of, "--out", out)
    assert result.exit_code == 0, result.output
    return docx_text((out / "年次報告書_2026.docx").read_bytes())


def row_of(table, first):
    return next(r for r in table.rows if r[0] == first)


# --- 1: held vs planned ---------------------------------------------------------------------

def test_a_meeting_is_held_when_marked_or_dated_before_the_as_of_day_and_not_cancelled():
    day = D(2026, 8, 1)
    assert Meeting(date=D(2026, 7, 31)).held_as_of(day)
    assert not Meeting(date=D(2026, 8, 1)).held_as_of(day)
    assert Meeting(date=D(2026, 9, 1), state="開催済").held_as_of(day)
    assert not Meeting(date=D(2026, 7, 1), state="中止").held_as_of(day)
    assert not Meeting(date=None).held_as_of(day)


def _meetings_ledger():
    s = minimal()
    add_column(s, "会議", "状態")
    s["会議"].append(["K04", "C0", 4, D(2026, 10, 1), "14:00", "16:00", "役場", "議題G", "座長", None, "中止"])
    add_column(s, "協議体", "年間目標開催回数", [6, 3])
    return s


def test_only_held_meetings_count_and_the_rest_is_a_labelled_estimate(ledger_file, tmp_path):
    data = tables_of(ledger_file, _meetings_ledger(), D(2026, 8, 1))
    assert data.running
    #                          協議体, 層, 開催済, 見込み, 中止, 目標, 達成, 間隔, 出席率, 主な議題
    assert row_of(data.tables["councils"], "町の会議") == ["町の会議", 1, 2, 1, 1, 6, "途中", 56, None, "議題A、議題B"]
    assert row_of(data.tables["councils"], "北の会議")[2:7] == [2, 1, 0, 3, "途中"]
    text = report_text(ledger_file, tmp_path, _meetings_ledger(), "2026-08-01")
    assert "（集計基準日: 令和8年8月1日・年度途中の集計）" in text
    table = text[text.index("主な議題") + 1:]
    row = table[table.index("町の会議"):][:9]
    assert row == ["町の会議", "2回", "あと1回", "1回", "6回", "途中", "56日", "—", "議題A、議題B"]
    assert not any("議題C" in t for t in text)       # 主な議題 lists held meetings only


def test_a_target_is_met_by_held_meetings_alone(ledger_file):
    before = tables_of(ledger_file, _meetings_ledger(), D(2026, 9, 8))
    assert row_of(before.tables["councils"], "北の会議")[2:7] == [2, 1, 0, 3, "途中"]   # 2 held + 1 planned ≠ met
    after = tables_of(ledger_file, _meetings_ledger(), D(2026, 9, 9))
    assert row_of(after.tables["councils"], "北の会議")[2:7] == [3, 0, 0, 3, "○"]
    year = tables_of(ledger_file, _meetings_ledger(), AFTER)
    assert not year.running
    assert row_of(year.tables["councils"], "町の会議")[2:7] == [3, None, 1, 6, "×"]


def test_attendance_rate_is_weighted_and_skips_members_not_in_office(ledger_file):
    s = _meetings_ledger()
    add_column(s, "構成員", "退任日")
    set_cell(s, "構成員", "退任日", 4, D(2026, 6, 30))        # M04 leaves before K02
    s["出欠"] = [["会議ID", "構成員ID", "出欠"],
                 ["K01", "M01", "出席"], ["K01", "M02", "欠席"],                             # 1 of 2
                 ["K02", "M01", "出席"], ["K02", "M02", "出席"], ["K02", "M03", "出席"],
                 ["K02", "M04", "欠席"]]                                                     # 3 of 3: M04 not counted
    data = tables_of(ledger_file, s, AFTER)
    assert row_of(data.tables["councils"], "町の会議")[8] == pytest.approx(4 / 5)       # not (1/2 + 3/3) / 2


# --- 2: no sums of averages -----------------------------------------------------------------

def test_activities_report_total_visits_and_a_weighted_average(ledger_file, tmp_path):
    s = minimal()
    s["住民主体の活動"] = [["活動ID", "名称", "種類", "圏域ID", "年間実施回数", "平均参加者数", "担い手数"],
                       ["R1", "大サロン", "サロン", "A1", 50, 18, 4],
                       ["R2", "小サロン", "サロン", "A1", 10, 10, 2],
                       ["R3", "見守り", "見守り", "A1", None, None, 6]]
    data = tables_of(ledger_file, s, AFTER)
    salon = row_of(data.tables["activity_kind"], "サロン")
    assert salon[:4] + salon[5:] == ["サロン", 2, 60, 1000, 6]
    assert salon[4] == pytest.approx(1000 / 60)
    assert row_of(data.tables["activity_kind"], "計")[:4] == ["計", 3, 60, 1000]
    assert data.tables["activity_area"].rows == [["北地区", 3, 1000, 12, "サロン、見守り"]]
    text = report_text(ledger_file, tmp_path, s, "2027-04-01")
    assert "延べ参加者数" in text and "16.7" in text and "28" not in text


# --- 3: point-in-time counts ----------------------------------------------------------------

def _handover_ledger():
    s = minimal()
    set_cell(s, "生活支援コーディネーター", "終了日", 2, D(2026, 9, 30))
    s["生活支援コーディネーター"].append(["S3", "後任 SC", 2, "A1", "社協", D(2026, 10, 1), None])
    add_column(s, "構成員", "就任日")
    add_column(s, "構成員", "退任日")
    set_cell(s, "構成員", "退任日", 8, D(2026, 6, 30))
    s["構成員"].append(["M15", "C1", "新任 五子", "", "住民", "", "", "", "手渡し", D(2026, 7, 1), None])
    return s


def test_scs_and_members_are_counted_in_office_with_changes_noted(ledger_file):
    year = tables_of(ledger_file, _handover_ledger(), AFTER)
    north = row_of(year.tables["coverage"], "A1")
    assert north[4:7] == ["後任 SC", 1, "年度中に交代1"]
    assert row_of(year.tables["members"], "計")[3] == 8
    assert year.notes["members"] == "年度中の就任 1 人、退任 1 人"
    early = tables_of(ledger_file, _handover_ledger(), D(2026, 6, 15))
    assert row_of(early.tables["coverage"], "A1")[4:7] == ["北 SC", 1, ""]
    assert row_of(early.tables["members"], "計")[3] == 8
    assert early.notes["members"] == "年度中の就任・退任はありません"


# --- 4: tables and charts on paper ----------------------------------------------------------

def test_report_rows_never_split_and_headers_repeat(ledger_file, tmp_path):
    out = tmp_path / "o"
    assert run("annual", ledger_file(), "--fiscal-year", 2026, "--as-of", "2026-11-30", "--out", out).exit_code == 0
    doc = Document(io.BytesIO((out / "年次報告書_2026.docx").read_bytes()))
    assert len(doc.tables) >= 10
    for table in doc.tables:
        rows = table._tbl.findall(qn("w:tr"))
        assert all(r.find(f"{qn('w:trPr')}/{qn('w:cantSplit')}") is not None for r in rows)
        assert rows[0].find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None


def test_chart_units_are_written_upright():
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    ax = Figure().add_subplot()
    charts._unit_label(ax, "回")
    assert ax.yaxis.label.get_text() == "（回）" and ax.yaxis.label.get_rotation() == 0


# --- 5: goals filled in ---------------------------------------------------------------------

def test_auto_figures_fill_the_results(ledger_file):
    s = _meetings_ledger()
    s["住民主体の活動"] = [["活動ID", "名称", "種類", "圏域ID"], ["R1", "体操", "通いの場", "A1"],
                       ["R2", "サロン", "サロン", "A1"]]
    s["地域ケア会議"].append([D(2026, 7, 1), "A1", "無"])
    s["地域課題・資源"] = [["課題ID", "圏域ID", "区分", "内容", "段階"],
                       ["K1", "A1", "地域課題", "買い物", "④創出・支援"], ["K2", "A1", "地域課題", "移動", "⑤振り返り"],
                       ["K3", "A1", "地域資源", "空き店舗", "④創出・支援"], ["K4", "A1", "地域課題", "ごみ", "②アイデア"]]
    figures = ["第2層協議体の最少開催回数", "協議体の開催回数（合計）", "住民主体の活動数", "通いの場の数",
               "地域ケア会議へのSC出席率", "段階④以上の地域課題数"]
    s["目標"] = [["年度", "目標", "自動集計", "実績値"]] + [[2026, f"目標{i}", f, "手入力"] for i, f in enumerate(figures)]
    s["目標"].append([2026, "手入力の目標", None, "3か所"])
    data = tables_of(ledger_file, s, AFTER)
    assert [r[4] for r in data.tables["goals"].rows] == [
        "3回（北の会議）", "6回", "2件", "1か所", "50.0%", "2件", "3か所"]


def test_the_sample_goal_gets_its_result_without_typing(tmp_path):
    ledger, report = load_and_check(SAMPLE, 2026)
    goal = next(g for g in ledger.goals if g.goal == "第2層全圏域で協議体を年4回以上開催する")
    assert goal.actual == "" and goal.auto_figure == "第2層協議体の最少開催回数"
    rows = annual_tables(ledger, report, 2026, AFTER).tables["goals"].rows
    assert row_of_goal(rows, goal.goal)[4] == "2回（南部たすけあい会議）"
    assert row_of_goal(annual_tables(ledger, report, 2026, MID).tables["goals"].rows, goal.goal)[4] == \
        "1回（南部たすけあい会議）"


def row_of_goal(rows, text):
    return next(r for r in rows if r[1] == text)


# --- 6: closing section and care issues no council took up ----------------------------------

def test_closing_section_and_issues_not_taken_up(ledger_file, tmp_path):
    s = minimal()
    s["年度総括"] = [["年度", "成果", "課題", "次年度の方針"],
                  [2025, "前年度の成果", "", ""],
                  [2026, "通いの場が2か所できた\n担い手講座を開いた", "南部の開催が少ない", "南部で年4回開く"]]
    s["地域ケア会議"] = [["開催日", "圏域ID", "SC出席", "抽出された地域課題", "協議体への反映"],
                    [D(2026, 6, 10), "A1", "有", "買い物の手段", "K12"],
                    [D(2026, 8, 10), "A1", "有", "担い手不足\nごみ出し", None],
                    [D(2026, 9, 10), "A1", "無", None, None]]
    data = tables_of(ledger_file, s, AFTER)
    assert data.tables["care_open"].rows == [[D(2026, 8, 10), "北地区", "", "担い手不足、ごみ出し"]]
    text = report_text(ledger_file, tmp_path, s, "2027-04-01")
    closing = text[text.index("９　年度の総括"):]
    assert closing[:9] == ["９　年度の総括", "（１）成果", "通いの場が2か所できた", "担い手講座を開いた",
                           "（２）課題", "南部の開催が少ない", "（３）次年度の方針", "南部で年4回開く",
                           "【庁内用】参考　台帳の点検で残っている指摘"]
    assert "担い手不足、ごみ出し" in text and "前年度の成果" not in text


def test_no_review_says_so(ledger_file, tmp_path):
    text = report_text(ledger_file, tmp_path, minimal(), "2027-05-10")
    assert "（集計基準日: 令和9年3月31日・年度末）" in text        # a later as-of date counts the whole year
    assert "（台帳の「年度総括」シートにこの年度の記入がありません）" in text
    assert "ありません（抽出された地域課題はすべて協議体で取り上げています）。" in text


# --- 7: SC detail ---------------------------------------------------------------------------

def test_each_sc_with_affiliation_kind_and_work_style_and_totals_per_layer(ledger_file):
    s = _handover_ledger()
    add_column(s, "生活支援コーディネーター", "所属種別", ["市町村直営", "社会福祉協議会", "NPO法人"])
    add_column(s, "生活支援コーディネーター", "勤務形態", ["専従", "兼務", "専従"])
    data = tables_of(ledger_file, s, AFTER)
    assert [r[:7] + r[9:] for r in data.tables["sc_detail"].rows] == [
        [1, "町全域", "全域 SC", "社協", "市町村直営", "直営", "専従", "○"],
        [2, "北地区", "北 SC", "社協", "社会福祉協議会", "委託先", "兼務", ""],
        [2, "北地区", "後任 SC", "社協", "NPO法人", "委託先", "専従", "○"]]
    #                                   在任, 直営, 委託先, 専従, 兼務, 未入力, 異動
    assert data.tables["sc_totals"].rows == [["第1層", 1, 1, 0, 1, 0, 0, ""],
                                             ["第2層", 1, 0, 1, 1, 0, 0, "年度中に交代1"],
                                             ["計", 2, 1, 1, 2, 0, 0, "年度中に交代1"]]


# --- 8: the workbook for the prefecture -----------------------------------------------------

CITY_COLUMNS = [
    "都道府県", "市町村名", "年度", "集計基準日", "SC数_計", "SC数_第1層", "SC数_第2層", "SC数_専従", "SC数_兼務",
    "SC数_勤務形態未入力", "SC数_直営", "SC数_委託先", "SC数_市町村直営", "SC数_社会福祉協議会",
    "SC数_地域包括支援センター", "SC数_NPO法人", "SC数_住民", "SC数_その他", "SC数_所属種別未入力",
    "協議体数_第1層", "協議体数_第2層", "協議体の開催回数_開催済", "構成員数_在任", "住民主体の活動数_計",
    "住民主体の活動数_サロン", "住民主体の活動数_通いの場", "住民主体の活動数_見守り", "住民主体の活動数_生活支援",
    "住民主体の活動数_移動支援", "住民主体の活動数_配食", "住民主体の活動数_多世代交流", "住民主体の活動数_その他"]


def test_city_row_columns_are_fixed():
    assert city_columns() == CITY_COLUMNS     # a change here breaks every prefecture's stacking: make it on purpose


@pytest.fixture(scope="module")
def mid_year(tmp_path_factory):
    out = tmp_path_factory.mktemp("annual")
    result = run("annual", SAMPLE, "--fiscal-year", 2026, "--as-of", "2026-11-30", "--out", out)
    assert result.exit_code == 0, result.output
    assert "集計基準日: 令和8年11月30日（年度途中" in result.output
    return out


def test_sample_workbook_names_the_town_on_every_sheet_and_counts_held_meetings(mid_year):
    ledger, report = load_and_check(SAMPLE, 2026)
    wb = openpyxl.load_workbook(mid_year / "年次集計_2026.xlsx")
    assert wb.sheetnames[0] == "市町村票"
    assert "あおば町" in wb.properties.title and "みどり県" in wb.properties.subject
    assert {p.name: p.value for p in wb.custom_doc_props}["市町村名"] == "あおば町"
    for ws in wb:
        header = [c.value for c in ws[1]]
        assert header[:4] == ["都道府県", "市町村名", "年度", "集計基準日"], ws.title
        for row in ws.iter_rows(min_row=2, values_only=True):
            assert row[:3] == ("みどり県", "あおば町", 2026) and row[3].date() == MID, ws.title
    city = wb["市町村票"]
    assert [c.value for c in city[1]] == CITY_COLUMNS and city.max_row == 2
    values = dict(zip(CITY_COLUMNS, [c.value for c in city[2]]))
    in_year = [m for m in ledger.meetings if FIRST <= m.date <= LAST]
    held = [m for m in in_year if m.state == "開催済" or (m.state != "中止" and m.date < MID)]
    assert values["協議体の開催回数_開催済"] == len(held) == 16
    assert len([m for m in in_year if m.state != "中止"]) == 25              # what 予定含む would have said
    assert (values["SC数_計"], values["SC数_第1層"], values["SC数_第2層"]) == (5, 1, 4)
    assert (values["SC数_専従"], values["SC数_兼務"], values["SC数_社会福祉協議会"]) == (2, 3, 2)
    assert values["構成員数_在任"] == len([m for m in ledger.members if m.in_office_on(MID)])
    assert (values["協議体数_第1層"], values["協議体数_第2層"]) == (1, 4)
    sheet = wb["協議体の開催状況"]
    assert sum(r[6] for r in sheet.iter_rows(min_row=2, values_only=True)) == 16


def test_workbook_holds_no_internal_findings(mid_year):
    ledger, report = load_and_check(SAMPLE, 2026)
    messages = {f.message for f in report.findings}
    assert any("進行役が行政です" in m for m in messages)
    wb = openpyxl.load_workbook(mid_year / "年次集計_2026.xlsx")
    cells = {str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row if c is not None}
    assert not cells & messages
    assert not any("点検" in name or "指摘" in name for name in wb.sheetnames)
    text = docx_text((mid_year / "年次報告書_2026.docx").read_bytes())
    appendix = text[text.index("【庁内用】参考　台帳の点検で残っている指摘"):]
    assert "この頁は庁内での確認用です。都道府県等へ提出する際は、この頁を除いてください。" in appendix
    # Only what can still be acted on: 行政 led a meeting already held (past), 南部 still meets too rarely.
    assert not any("進行役が行政です" in t for t in appendix)
    assert any("南部たすけあい会議 の 2026年度" in t for t in appendix)


# --- the sample end to end ------------------------------------------------------------------

def test_sample_report_text_and_charts(mid_year):
    ledger, _ = load_and_check(SAMPLE, 2026)
    data = (mid_year / "年次報告書_2026.docx").read_bytes()
    text = docx_text(data)
    assert "令和8年度" in text and "生活支援体制整備事業 実施報告書" in text
    assert "（対象期間: 令和8年4月1日～令和9年3月31日）" in text
    assert ledger.info.vision in text
    assert any("第1層 1 圏域のうち 1 圏域、第2層 4 圏域のうち 4 圏域" in t for t in text)
    assert any(t.startswith("令和8年11月30日に在任の生活支援コーディネーターは 5 人（直営 0 人、委託先 5 人／"
                            "専従 2 人、兼務 3 人）です。年度中に交代1。") for t in text)
    assert "地域ケア会議 7 回のうち、生活支援コーディネーターの出席は 6 回（出席率 85.7%）、協議体へ反映した地域課題は 4 件です。" in text
    assert "全5圏域で協議体が活動し、中央の移動販売、東部のごみ出し支援、北部の通いの場（若葉台ふらっとカフェ）が生まれた。" in text
    doc = Document(io.BytesIO(data))
    assert len(doc.inline_shapes) == 4
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        pngs = [n for n in z.namelist() if n.startswith("word/media/")]
        assert len(pngs) == 4
        from struct import unpack
        for name in pngs:
            head = z.read(name)[:24]
            assert head[:8] == b"\x89PNG\r\n\x1a\n" and unpack(">I", head[16:20])[0] >= 1200   # 160 mm at 200 dpi


def test_sample_north_handover_is_one_sc_with_the_change_noted():
    ledger, report = load_and_check(SAMPLE, 2026)
    north = row_of(annual_tables(ledger, report, 2026, AFTER).tables["coverage"], "A2")
    assert north[4:7] == ["若松 里美", 1, "年度中に交代1"]


def test_charts_use_the_bundled_japanese_font_without_missing_glyphs():
    assert charts._font_name() == "IPAexGothic"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = charts.horizontal_counts(["地縁組織（自治会・町会）", "民生委員・児童委員協議会", "①共有・見える化"], [3, 2, 1], "人")
        png2 = charts.meetings_against_target(["会議"], [2], [1], [4])
    assert not [w for w in caught if "missing from font" in str(w.message)]
    assert png.startswith(b"\x89PNG") and png2.startswith(b"\x89PNG")


def test_summary_workbook_has_numbers_as_numbers(mid_year):
    wb = openpyxl.load_workbook(mid_year / "年次集計_2026.xlsx")
    ws = wb["協議体の開催状況"]
    assert [c.value for c in ws[1]][4:8] == ["協議体", "層", "開催済", "見込み（予定）"]
    for row in ws.iter_rows(min_row=2):
        assert isinstance(row[6].value, int) and isinstance(row[7].value, int)
        assert row[12].value is None or (isinstance(row[12].value, float) and row[12].number_format == "0.0%")


def test_rerun_gives_the_same_bytes(mid_year, tmp_path):
    assert run("annual", SAMPLE, "--fiscal-year", 2026, "--as-of", "R8.11.30", "--out", tmp_path).exit_code == 0
    for name in ("年次報告書_2026.docx", "年次集計_2026.xlsx"):
        assert (tmp_path / name).read_bytes() == (mid_year / name).read_bytes()


def test_a_bad_as_of_date_is_a_message_not_a_traceback(tmp_path):
    result = run("annual", SAMPLE, "--fiscal-year", 2026, "--as-of", "2026-13-40", "--out", tmp_path)
    assert result.exit_code == 2
    assert result.output.startswith("エラー: --as-of の日付が読めません: 「2026-13-40」は日付として読めません")
    assert not list(tmp_path.iterdir())


def test_an_as_of_date_before_the_year_begins_is_refused(tmp_path):
    result = run("annual", SAMPLE, "--fiscal-year", 2027, "--as-of", "2026-11-30", "--out", tmp_path)
    assert result.exit_code == 2
    assert result.output == ("エラー: --as-of 令和8年11月30日 は 令和9年度 の始まり（令和9年4月1日）より前です。"
                             "集計する年度か日付を確かめてください。\n")


def test_the_march_batch_counts_the_whole_year():
    ledger, report = load_and_check(SAMPLE, 2026)
    plan = MonthPlan(ledger=ledger, report=report, year=2027, month=3, fiscal_year=2026, out_root=None)
    [item] = TYPE.plan_month(plan)
    assert isinstance(item, AnnualItem) and item.as_of == AFTER
    november = MonthPlan(ledger=ledger, report=report, year=2026, month=11, fiscal_year=2026, out_root=None,
                         annual=True)
    assert TYPE.plan_month(november)[0].as_of == D(2026, 12, 1)


def test_workbook_bytes_come_from_the_same_tables(tmp_path):
    ledger, report = load_and_check(SAMPLE, 2026)
    data = annual_tables(ledger, report, 2026, MID)
    wb = openpyxl.load_workbook(io.BytesIO(summary_workbook(data)))
    assert [c.value for c in wb["地域ケア会議との連携"][2]][4:] == data.tables["care"].rows[0]
    assert re.fullmatch(r"あおば町 令和8年度 生活支援体制整備事業 年次集計", wb.properties.title)
    year_end = openpyxl.load_workbook(io.BytesIO(summary_workbook(annual_tables(ledger, report, 2026, D(2027, 6, 1)))))
    assert year_end["市町村票"]["D2"].value.date() == LAST
