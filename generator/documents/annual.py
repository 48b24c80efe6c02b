"""The annual report (年次報告書) and its summary workbook (年次集計_YYYY.xlsx).

`annual_tables` computes every table of the report as plain numbers; the
report's context formats them and the workbook writes them as numbers, so
the document and the file the prefecture gets always agree.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..render import charts

from ..ledger import schema
from ..ledger.findings import INFO, SEVERITY_JA, Report
from ..japanese import fiscal_year_era, fiscal_year_range, format_date
from ..ledger.model import Attendance, Council, Ledger, Meeting, YearReview
from ..render.output import atomic_write, inside, refuse_input, remove_temp_files
from ..render.sheets import Book, xlsx_bytes
from ..render.engine import InlineImage
from .base import PREFECTURE, BatchRun, DocumentType, Item, MonthPlan, TemplateFile, example_ledger, load_template

ANNUAL_TEMPLATE = TemplateFile("annual_report", "annual_report.docx", "年次報告書")
CHART_NAMES = ("meetings", "members", "issues", "activities")
PERCENT = "0.0%"
ONE_DECIMAL = "0.0"
ATTENDING = ("出席", "代理出席")
DIRECT, CONTRACTED = "直営", "委託先"
# Every sheet of the summary workbook starts with these, so rows from many files stack.
ID_COLUMNS = ("都道府県", "市町村名", "年度", "集計基準日")
CITY_SHEET = "市町村票"
MAX_COUNCIL_BARS = 20       # more councils than this: a histogram instead of a bar each


@dataclass
class Table:
    """One table of the report: a sheet of the summary workbook, rows of plain values."""

    key: str
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    formats: dict[int, str] = field(default_factory=dict)   # column index -> Excel number format


@dataclass
class CouncilYear:
    council: Council
    held: list[Meeting]                # held by the as-of date, in the fiscal year, by date
    planned: int                       # still to come (not held, not 中止): the 見込み while the year runs
    cancelled: int
    longest_gap: int | None            # days between consecutive held meetings
    attendance_rate: float | None      # Σ attending ÷ Σ answers over held meetings (weighted, not a mean of rates)
    topics: list[str]                  # agenda of held meetings only

    @property
    def expected(self) -> int:
        return len(self.held) + self.planned


def council_year(ledger: Ledger, council: Council, in_year: list[Meeting], as_of: dt.date,
                 answers: dict[str, list[Attendance]]) -> CouncilYear:
    """A council's fiscal year up to `as_of` from its meetings in the year and the 出欠 rows by meeting."""
    meetings = sorted(in_year, key=Meeting.sort_key)
    held = [m for m in meetings if m.held_as_of(as_of)]
    gaps = [(b.date - a.date).days for a, b in zip(held, held[1:]) if a.date and b.date]
    present = answered = 0
    for meeting in held:
        for row in answers.get(meeting.meeting_id, []):
            if not ledger.answer_counts(row):
                continue    # a member not in office that day is a ledger error, not an absence
            answered += 1
            present += row.answer in ATTENDING
    topics = list(dict.fromkeys(item for m in held for item in m.agenda))
    cancelled = sum(m.cancelled for m in meetings)
    return CouncilYear(
        council=council, held=held, planned=len(meetings) - len(held) - cancelled, cancelled=cancelled,
        longest_gap=max(gaps) if gaps else None,
        attendance_rate=present / answered if answered else None, topics=topics)


def _changes(people: list, first: dt.date, point: dt.date) -> tuple[int, int]:
    """(joined, left) during first..point: started after the year began, or ended before the point."""
    joined = sum(1 for p in people if p.start is not None and first < p.start <= point)
    left = sum(1 for p in people if p.end is not None and first <= p.end < point)
    return joined, left


def change_note(joined: int, left: int) -> str:
    """「年度中に交代1」, 「年度中に就任1」…: how the people of a post changed during the year."""
    swapped = min(joined, left)
    parts = [f"交代{swapped}"] if swapped else []
    if joined - swapped:
        parts.append(f"就任{joined - swapped}")
    if left - swapped:
        parts.append(f"退任{left - swapped}")
    return "年度中に" + "、".join(parts) if parts else ""


def sc_contract(org_kind: str) -> str:
    """直営 for 市町村直営, 委託先 for any other 所属種別, blank when not entered."""
    if not org_kind:
        return ""
    return DIRECT if org_kind == "市町村直営" else CONTRACTED


@dataclass
class AnnualData:
    fiscal_year: int
    first: dt.date
    last: dt.date
    as_of: dt.date
    point: dt.date                      # in-office counts: the year's end, or the as-of date while it runs
    councils: list[CouncilYear]
    tables: dict[str, Table]            # what the prefecture may see: report tables and workbook sheets
    activity_counts: Counter            # (area name, kind) -> activities, for the chart
    city_row: dict[str, object]         # the 市町村票 row
    review: YearReview | None
    findings: Table                     # internal: the report's appendix only, never the workbook
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def running(self) -> bool:
        """The year is not over on the as-of date: planned meetings are a 見込み."""
        return self.as_of <= self.last

    @property
    def basis_date(self) -> dt.date:
        """The 集計基準日 documents print: the as-of date while the year runs, else the year's last day."""
        return self.as_of if self.running else self.last


def annual_tables(ledger: Ledger, report: Report, year: int, as_of: dt.date | None = None) -> AnnualData:
    """Every table of the annual report for fiscal year `year`, counted as of `as_of` (default: the day after it)."""
    first, last = fiscal_year_range(year)
    as_of = as_of or last + dt.timedelta(days=1)
    point = min(as_of, last)
    span_end = max(first, point)        # what happened in the year up to the point
    tables: dict[str, Table] = {}
    notes: dict[str, str] = {}
    area_names = {a.area_id: a.name for a in ledger.areas}

    # SC placement and coverage of every area: SCs in office at the point, changes noted.
    coverage = Table("coverage", "圏域ごとのSC配置・協議体設置", ["圏域ID", "圏域", "層", "区域の種類", "在任SC",
                                                              "SC人数", "年度中の異動", "協議体", "SC配置",
                                                              "協議体設置"])
    for area in sorted(ledger.areas, key=lambda a: (a.layer or 9, a.row)):
        served = [sc for sc in ledger.coordinators if sc.area_id == area.area_id and sc.in_office(first, span_end)]
        now = [sc for sc in served if sc.in_office_on(point)]
        councils = [c for c in ledger.councils if c.area_id == area.area_id and c.active_by(point)]
        coverage.rows.append([area.area_id, area.name, area.layer, area.kind, "、".join(sc.name for sc in now),
                              len(now), change_note(*_changes(served, first, point)),
                              "、".join(c.name for c in councils), "○" if now else "×", "○" if councils else "×"])
    tables["coverage"] = coverage

    # Each SC who served in the year, and totals per 層 of those in office at the point.
    coordinators = sorted((sc for sc in ledger.coordinators if sc.in_office(first, span_end)),
                          key=lambda sc: (sc.layer or 9, area_order(ledger, sc.area_id), sc.start or dt.date.min,
                                          sc.row))
    detail = Table("sc_detail", "生活支援コーディネーター", ["層", "圏域", "氏名", "所属", "所属種別", "直営・委託",
                                                        "勤務形態", "配置日", "終了日", "在任"])
    for sc in coordinators:
        detail.rows.append([sc.layer, area_names.get(sc.area_id, sc.area_id), sc.name, sc.org, sc.org_kind,
                            sc_contract(sc.org_kind), sc.work_style, sc.start, sc.end,
                            "○" if sc.in_office_on(point) else ""])
    tables["sc_detail"] = detail
    totals = Table("sc_totals", "生活支援コーディネーター（層別）", ["層", "在任SC", DIRECT, CONTRACTED, *schema.WORK_STYLES,
                                                              "未入力", "年度中の異動"])
    for label, layers in (("第1層", {1}), ("第2層", {2}), ("計", {1, 2})):
        group = [sc for sc in coordinators if sc.layer in layers]
        now = [sc for sc in group if sc.in_office_on(point)]
        missing = sum(1 for sc in now if not sc.org_kind or not sc.work_style)
        totals.rows.append([label, len(now), sum(sc_contract(sc.org_kind) == DIRECT for sc in now),
                            sum(sc_contract(sc.org_kind) == CONTRACTED for sc in now),
                            *(sum(sc.work_style == style for sc in now) for style in schema.WORK_STYLES),
                            missing, change_note(*_changes(group, first, point))])
    tables["sc_totals"] = totals

    # Councils: held meetings count; planned ones are only a 見込み while the year runs.
    answers: dict[str, list[Attendance]] = defaultdict(list)
    for row in ledger.attendance:
        answers[row.meeting_id].append(row)
    in_year: dict[str, list[Meeting]] = defaultdict(list)
    for meeting in ledger.meetings:
        if meeting.date and first <= meeting.date <= last:
            in_year[meeting.council_id].append(meeting)
    councils = [council_year(ledger, c, in_year[c.council_id], as_of, answers) for c in ledger.councils
                if c.active_by(last)]
    running = as_of <= last
    meetings = Table("councils", "協議体の開催状況", ["協議体", "層", "開催済", "見込み（予定）", "中止", "年間目標",
                                                  "目標達成", "最長の間隔（日）", "出席率", "主な議題"],
                     formats={8: PERCENT})
    for cy in councils:
        target = cy.council.target_meetings
        met = "○" if len(cy.held) >= target else ("途中" if running else "×")
        meetings.rows.append([cy.council.name, cy.council.layer, len(cy.held), cy.planned if running else None,
                              cy.cancelled, target, met, cy.longest_gap, cy.attendance_rate, "、".join(cy.topics)])
    tables["councils"] = meetings

    # Member make-up by 団体種別: members in office at the point; joins and departures noted.
    served = [m for m in ledger.members if m.in_office(first, span_end)]
    active = [m for m in served if m.in_office_on(point)]
    layer_of = {c.council_id: c.layer for c in ledger.councils}
    makeup = Table("members", "構成員の団体種別", ["団体種別", "第1層", "第2層", "計", "割合"], formats={4: PERCENT})
    by_kind = Counter(m.org_kind for m in active)
    for kind in schema.ORG_KINDS:
        if by_kind[kind]:
            l1 = sum(1 for m in active if m.org_kind == kind and layer_of.get(m.council_id) == 1)
            l2 = sum(1 for m in active if m.org_kind == kind and layer_of.get(m.council_id) == 2)
            makeup.rows.append([kind, l1, l2, by_kind[kind], by_kind[kind] / len(active)])
    makeup.rows.append(["計", sum(r[1] for r in makeup.rows), sum(r[2] for r in makeup.rows), len(active),
                        1.0 if active else None])
    tables["members"] = makeup
    joined, left = _changes(served, first, point)
    notes["members"] = f"年度中の就任 {joined} 人、退任 {left} 人" if joined or left else "年度中の就任・退任はありません"

    # 地域課題・資源 known by the point.
    issues = [i for i in ledger.issues if i.found is None or i.found <= point]
    stage = Table("issue_stage", "地域課題・資源の段階", ["段階", *schema.ISSUE_KINDS, "計"])
    for name in (*schema.STAGES, ""):
        row = [sum(1 for i in issues if i.stage == name and i.kind == k) for k in schema.ISSUE_KINDS]
        if name or sum(row):
            stage.rows.append([name or "未設定", *row, sum(row)])
    tables["issue_stage"] = stage
    source = Table("issue_source", "地域課題・資源をどこで把握したか", ["きっかけ", *schema.ISSUE_KINDS, "計"])
    for name in (*schema.ISSUE_SOURCES, ""):
        row = [sum(1 for i in issues if i.source == name and i.kind == k) for k in schema.ISSUE_KINDS]
        if sum(row):
            source.rows.append([name or "未設定", *row, sum(row)])
    tables["issue_source"] = source

    # 住民主体の活動 running at some time of the year up to the point. Averages are never added:
    # 延べ参加者数 = Σ 年間実施回数 × 平均参加者数, and the per-time figure is that ÷ Σ 年間実施回数.
    activities = [a for a in ledger.activities
                  if (a.start is None or a.start <= point) and (a.end is None or a.end >= first)]
    kinds = Table("activity_kind", "住民主体の活動（種類別）",
                  ["種類", "活動数", "年間実施回数", "延べ参加者数", "1回あたり参加者数", "担い手数"],
                  formats={4: ONE_DECIMAL})
    for kind in schema.ACTIVITY_KINDS:
        group = [a for a in activities if a.kind == kind]
        if group:
            kinds.rows.append([kind, *_activity_figures(group)])
    kinds.rows.append(["計", *_activity_figures(activities)])
    tables["activity_kind"] = kinds
    by_area = Table("activity_area", "住民主体の活動（圏域別）",
                    ["圏域", "活動数", "延べ参加者数", "担い手数", "主な種類"])
    for area in ledger.areas:
        group = [a for a in activities if a.area_id == area.area_id]
        if group:
            count, _times, visits, _per, helpers = _activity_figures(group)
            by_area.rows.append([area.name, count, visits, helpers, "、".join(dict.fromkeys(a.kind for a in group))])
    tables["activity_area"] = by_area
    support = Table("activity_support", "住民主体の活動への支援", ["支援内容", "活動数"])
    support_count = Counter(s for a in activities for s in a.support)
    for kind in schema.SUPPORT_KINDS:
        if support_count[kind]:
            support.rows.append([kind, support_count[kind]])
    tables["activity_support"] = support

    # 地域ケア会議 and the councils.
    conferences = sorted((c for c in ledger.care_conferences if c.date and first <= c.date <= point),
                         key=lambda c: (c.date, c.row))
    attended = sum(c.sc_attended == "有" for c in conferences)
    care = Table("care", "地域ケア会議との連携", ["開催回数", "SC出席回数", "SC出席率", "協議体へ反映した件数",
                                               "協議体で未検討の件数"], formats={2: PERCENT})
    care.rows.append([len(conferences), attended, attended / len(conferences) if conferences else None,
                      sum(1 for c in conferences if c.meeting_id),
                      sum(1 for c in conferences if c.issues and not c.meeting_id)])
    tables["care"] = care
    council_names = {c.council_id: c.name for c in ledger.councils}
    passed = Table("care_passed", "地域ケア会議から協議体へ", ["開催日", "圏域", "種類", "抽出された地域課題", "反映先の会議"])
    open_issues = Table("care_open", "協議体で取り上げていない地域ケア会議の課題", ["開催日", "圏域", "種類",
                                                                          "抽出された地域課題"])
    for c in conferences:
        if c.meeting_id:
            target = ledger.meeting(c.meeting_id)
            where = (f"{council_names.get(target.council_id, target.council_id)} 第{target.number}回"
                     if target and target.number else c.meeting_id)
            passed.rows.append([c.date, area_names.get(c.area_id, c.area_id), c.kind, "、".join(c.issues), where])
        elif c.issues:
            open_issues.rows.append([c.date, area_names.get(c.area_id, c.area_id), c.kind, "、".join(c.issues)])
    tables["care_passed"] = passed
    tables["care_open"] = open_issues

    # Goals: 自動集計 fills 実績値 with the same figures this report shows.
    figures = auto_figures(councils, activities, conferences, issues)
    goals = Table("goals", "目標と実績", ["区分", "目標", "指標", "目標値", "実績値", "評価", "見直し", "自動集計"])
    for goal in ledger.goals:
        if goal.fiscal_year == year:
            actual = figures.get(goal.auto_figure, goal.actual) if goal.auto_figure else goal.actual
            goals.rows.append([goal.term, goal.goal, goal.indicator, goal.target, actual, goal.evaluation,
                               goal.review, goal.auto_figure])
    tables["goals"] = goals

    findings = Table("findings", f"点検で残っている指摘（{year}年度）", ["種別", "場所", "内容", "コード"])
    for f in report.actionable:
        if f.severity != INFO:
            findings.rows.append([SEVERITY_JA[f.severity], f.location, f.message, f.code])

    city = city_row(ledger, year, as_of if as_of <= last else last, coordinators, point, councils, active,
                    activities)
    review = next((r for r in ledger.reviews if r.fiscal_year == year), None)
    activity_counts = Counter((area_names.get(a.area_id, a.area_id), a.kind) for a in activities)
    return AnnualData(year, first, last, as_of, point, councils, tables, activity_counts, city, review, findings,
                      notes)


def area_order(ledger: Ledger, area_id: str) -> int:
    """The area's row in the ledger, so SCs list in the order staff keep the areas."""
    area = ledger.area(area_id)
    return area.row if area else 0


def _activity_figures(group: list) -> list:
    """活動数, 年間実施回数, 延べ参加者数, 1回あたり参加者数 (weighted by times), 担い手数."""
    times = sum(a.times or 0 for a in group)
    visits = sum((a.times or 0) * (a.participants or 0) for a in group)
    counted = sum(a.times or 0 for a in group if a.participants is not None)
    return [len(group), times, visits, visits / counted if counted else None, sum(a.helpers or 0 for a in group)]


def auto_figures(councils: list[CouncilYear], activities: list, conferences: list, issues: list) -> dict[str, str]:
    """The 実績値 of each 目標.自動集計 figure (DOMAIN.md §4.5), as the report prints it."""
    figures: dict[str, str] = {}
    layer2 = [cy for cy in councils if cy.council.layer == 2]
    if layer2:
        fewest = min(len(cy.held) for cy in layer2)
        names = "、".join(cy.council.name for cy in layer2 if len(cy.held) == fewest)
        figures["第2層協議体の最少開催回数"] = f"{fewest}回（{names}）"
    figures["協議体の開催回数（合計）"] = f"{sum(len(cy.held) for cy in councils)}回"
    figures["住民主体の活動数"] = f"{len(activities)}件"
    figures["通いの場の数"] = f"{sum(a.kind == '通いの場' for a in activities)}か所"
    if conferences:
        attended = sum(c.sc_attended == "有" for c in conferences)
        figures["地域ケア会議へのSC出席率"] = f"{attended / len(conferences) * 100:.1f}%"
    advanced = {schema.STAGES[3], schema.STAGES[4]}
    figures["段階④以上の地域課題数"] = f"{sum(i.kind == '地域課題' and i.stage in advanced for i in issues)}件"
    return figures


def city_columns() -> list[str]:
    """The 市町村票 headers: fixed names in a fixed order, so a prefecture can stack every municipality's row."""
    return [*ID_COLUMNS, "SC数_計", "SC数_第1層", "SC数_第2層",
            *(f"SC数_{s}" for s in schema.WORK_STYLES), "SC数_勤務形態未入力",
            f"SC数_{DIRECT}", f"SC数_{CONTRACTED}", *(f"SC数_{k}" for k in schema.SC_ORG_KINDS), "SC数_所属種別未入力",
            "協議体数_第1層", "協議体数_第2層", "協議体の開催回数_開催済", "構成員数_在任",
            "住民主体の活動数_計", *(f"住民主体の活動数_{k}" for k in schema.ACTIVITY_KINDS)]


def city_row(ledger: Ledger, year: int, basis: dt.date, coordinators: list, point: dt.date,
             councils: list[CouncilYear], members: list, activities: list) -> dict[str, object]:
    """The 市町村票 row: the figures a prefectural 実施状況調査 asks for."""
    now = [sc for sc in coordinators if sc.in_office_on(point)]
    values: list[object] = [
        ledger.info.prefecture, ledger.info.municipality, year, basis,
        len(now), sum(sc.layer == 1 for sc in now), sum(sc.layer == 2 for sc in now),
        *(sum(sc.work_style == s for sc in now) for s in schema.WORK_STYLES), sum(not sc.work_style for sc in now),
        sum(sc_contract(sc.org_kind) == DIRECT for sc in now), sum(sc_contract(sc.org_kind) == CONTRACTED for sc in now),
        *(sum(sc.org_kind == k for sc in now) for k in schema.SC_ORG_KINDS), sum(not sc.org_kind for sc in now),
        sum(cy.council.layer == 1 and cy.council.active_by(point) for cy in councils),
        sum(cy.council.layer == 2 and cy.council.active_by(point) for cy in councils),
        sum(len(cy.held) for cy in councils), len(members),
        len(activities), *(sum(a.kind == k for a in activities) for k in schema.ACTIVITY_KINDS),
    ]
    return dict(zip(city_columns(), values, strict=True))


# --- the document -----------------------------------------------------------------

def _fmt(value: object, fmt: str | None) -> str:
    if value is None:
        return "—"
    if fmt == PERCENT and isinstance(value, float):
        return f"{value * 100:.1f}%"
    if fmt == ONE_DECIMAL and isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, dt.date):
        return format_date(value, weekday=False)
    return str(value)


def table_rows(table: Table) -> list[list[str]]:
    """The table's rows as the report prints them: dates in 和暦, rates in %, blanks as —."""
    return [[_fmt(v, table.formats.get(i)) for i, v in enumerate(row)] for row in table.rows]


def _paragraphs(text: str) -> list[str]:
    """A multi-line ledger cell as paragraphs (Alt+Enter separates them)."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def annual_context(ledger: Ledger, data: AnnualData, with_charts: bool = True) -> dict:
    """What templates/annual_report.docx prints."""
    tables = data.tables
    coverage = tables["coverage"].rows
    layer2 = [r for r in coverage if r[2] == 2]
    layer1 = [r for r in coverage if r[2] == 1]
    covered2 = sum(1 for r in layer2 if r[8] == "○" and r[9] == "○")
    covered1 = sum(1 for r in layer1 if r[8] == "○" and r[9] == "○")
    style = ledger.info.date_style
    point = format_date(data.point, style, weekday=False)
    as_of = format_date(data.basis_date, style, weekday=False)
    if data.running:
        basis = (f"{as_of}時点の集計です（年度途中）。開催回数は開催済の会議だけを数え、これから予定している会議は"
                 f"「見込み」として別に示します。生活支援コーディネーターと構成員は{point}に在任の人数です。")
    else:
        basis = (f"年度末（{point}）時点の集計です。開催回数は開催済の会議だけを数えています。"
                 f"生活支援コーディネーターと構成員は{point}に在任の人数です。")
    sc_total = tables["sc_totals"].rows[-1]
    councils = []
    for cy, row in zip(data.councils, table_rows(tables["councils"])):
        councils.append({"name": row[0], "held": row[2], "planned": cy.planned if data.running else 0,
                         "expected": cy.expected, "cancelled": cy.cancelled, "target": row[5], "met": row[6],
                         "gap": row[7], "rate": row[8], "topics": row[9]})
    goals = [{"row": row, "auto": bool(row[7])} for row in table_rows(tables["goals"])]
    review = data.review
    context = {
        "municipality": {"name": ledger.info.municipality, "prefecture": ledger.info.prefecture},
        "department": ledger.info.department,
        "fy_title": fiscal_year_era(data.fiscal_year),
        "fy_range": f"{format_date(data.first, style, weekday=False)}～{format_date(data.last, style, weekday=False)}",
        "as_of": as_of,
        "point": point,
        "running": data.running,
        "basis": basis,
        "vision": ledger.info.vision or "（基本情報の「目指す地域像」が未入力です）",
        "coverage_summary": (f"第1層 {len(layer1)} 圏域のうち {covered1} 圏域、第2層 {len(layer2)} 圏域のうち "
                             f"{covered2} 圏域で、生活支援コーディネーターの配置と協議体の設置がそろっています。"),
        "coverage_goal_met": bool(layer1) and covered1 == len(layer1) and covered2 == len(layer2),
        "sc_summary": (f"{point}に在任の生活支援コーディネーターは {sc_total[1]} 人（直営 {sc_total[2]} 人、"
                       f"委託先 {sc_total[3]} 人／専従 {sc_total[4]} 人、兼務 {sc_total[5]} 人）です。"
                       + (f"{sc_total[7]}。" if sc_total[7] else "")
                       + (f"所属種別か勤務形態が未入力の方が {sc_total[6]} 人います。" if sc_total[6] else "")),
        "councils": councils,
        "members_note": data.notes["members"],
        "tables": {key: table_rows(table) for key, table in tables.items()},
        "care": dict(zip(["held", "attended", "rate", "passed", "open"], table_rows(tables["care"])[0])),
        "goals": goals,
        "goals_auto": any(g["auto"] for g in goals),
        "review": {"given": review is not None,
                   "achievements": _paragraphs(review.achievements) if review else [],
                   "challenges": _paragraphs(review.challenges) if review else [],
                   "next_policy": _paragraphs(review.next_policy) if review else []},
        "findings": table_rows(data.findings),
        "charts": {},
    }
    if with_charts:
        context["charts"] = make_charts(data)
    return context


def make_charts(data: AnnualData) -> dict[str, InlineImage]:
    """The report's charts: meetings against target, member make-up, activities by area, issues by stage."""
    t = data.tables
    out = {}
    councils = data.councils
    targets = [cy.council.target_meetings for cy in councils]
    if len(councils) <= MAX_COUNCIL_BARS:
        planned = [cy.planned for cy in councils] if data.running else None
        png = charts.meetings_against_target([cy.council.name for cy in councils], [len(cy.held) for cy in councils],
                                             planned, targets)
    else:   # a bar per council stops being readable: show how many councils met how often
        png = charts.meetings_histogram([len(cy.held) for cy in councils], targets)
    out["meetings"] = InlineImage(png, charts.WIDTH_MM, 70, "開催回数")
    members = [r for r in t["members"].rows if r[0] != "計"]
    height = max(40.0, 7.0 * len(members) + 18)
    out["members"] = InlineImage(charts.horizontal_counts([r[0] for r in members], [r[3] for r in members], "人"),
                                 charts.WIDTH_MM, height, "構成員")
    stage_rows = t["issue_stage"].rows
    height = max(40.0, 7.0 * len(stage_rows) + 18)
    out["issues"] = InlineImage(charts.horizontal_counts([r[0] for r in stage_rows], [r[-1] for r in stage_rows], "件"),
                                charts.WIDTH_MM, height, "地域課題")
    return out | {"activities": _activities_chart(data)}


def _activities_chart(data: AnnualData) -> InlineImage:
    areas = [r[0] for r in data.tables["activity_area"].rows]
    kinds = [r[0] for r in data.tables["activity_kind"].rows if r[0] != "計"]
    counts = {k: [data.activity_counts[(area, k)] for area in areas] for k in kinds}
    return InlineImage(charts.stacked_by_area(areas, kinds, counts), charts.WIDTH_MM, 75, "住民主体の活動")


def workbook_sheets(data: AnnualData) -> list[tuple[str, list[str], list[list], dict[int, str]]]:
    """(sheet name, headers, rows, formats) of the prefecture's workbook: 市町村票 first, no internal findings."""
    ids = [data.city_row[c] for c in ID_COLUMNS]
    sheets = [(CITY_SHEET, city_columns(), [list(data.city_row.values())], {})]
    for table in data.tables.values():
        formats = {index + len(ID_COLUMNS): fmt for index, fmt in table.formats.items()}
        sheets.append((table.title[:31].replace("/", "・"), [*ID_COLUMNS, *table.headers],
                       [[*ids, *row] for row in table.rows], formats))
    return sheets


def summary_workbook(data: AnnualData) -> bytes:
    """年次集計_YYYY.xlsx for the 都道府県: who and when on the file and on every row, numbers as numbers."""
    from openpyxl.packaging.custom import DateTimeProperty, IntProperty, StringProperty
    from openpyxl.styles import Font, PatternFill

    row = data.city_row
    era = fiscal_year_era(data.fiscal_year)
    book = Book(title=f"{row['市町村名']} {era} 生活支援体制整備事業 年次集計",
                subject=f"{row['都道府県']} {row['市町村名']} {era}（{data.basis_date:%Y/%m/%d} 時点）",
                keywords=f"{row['都道府県']},{row['市町村名']},{data.fiscal_year},{data.basis_date:%Y-%m-%d}")
    for name, value, kind in (("都道府県", row["都道府県"], StringProperty), ("市町村名", row["市町村名"], StringProperty),
                              ("年度", data.fiscal_year, IntProperty)):
        if value != "":
            book.custom.append(kind(name=name, value=value))
    book.custom.append(DateTimeProperty(name="集計基準日", value=dt.datetime.combine(data.basis_date, dt.time())))
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for name, headers, rows, formats in workbook_sheets(data):
        ws = book.table(name, headers, rows, {"font": bold, "fill": fill}, formats, date_format="yyyy/m/d")
        for column, width in enumerate(ws.text_lengths(), start=1):
            ws.widths[column] = min(60, max(8, width * 1.8 + 2))
        ws.freeze_row = 2
    return xlsx_bytes(book)


@dataclass
class AnnualResult:
    report: Path
    workbook: Path
    chart_seconds: float
    render_seconds: float
    as_of: dt.date | None = None       # the 集計基準日 printed: the as-of date, or the year's end once over
    running: bool = False              # the year was not over on the as-of date


def write_annual(ledger: Ledger, report: Report, year: int, out_dir: str | Path,
                 templates_dir: str | Path | None = None,
                 clock: Callable[[], float] | None = None,
                 save: Callable[[Path, bytes], object] = atomic_write,
                 as_of: dt.date | None = None) -> AnnualResult:
    """Write 年次報告書_YYYY.docx and 年次集計_YYYY.xlsx into out_dir, counted as of `as_of`."""
    import time

    clock = clock or time.perf_counter
    data = annual_tables(ledger, report, year, as_of)
    t0 = clock()
    context = annual_context(ledger, data, with_charts=False)
    t1 = clock()
    context["charts"] = make_charts(data)
    t2 = clock()
    template = load_template(ANNUAL_TEMPLATE.filename, templates_dir)
    remove_temp_files(out_dir, recursive=False)
    report_path = inside(out_dir, f"年次報告書_{year}.docx")
    workbook_path = inside(out_dir, f"年次集計_{year}.xlsx")
    for path in (report_path, workbook_path):
        refuse_input(path)       # before either is written: never half a report
    save(report_path, template.render(context))
    save(workbook_path, summary_workbook(data))
    t3 = clock()
    return AnnualResult(report_path, workbook_path, chart_seconds=t2 - t1, render_seconds=(t1 - t0) + (t3 - t2),
                        as_of=data.basis_date, running=data.running)


class AnnualReport(DocumentType):
    """年次報告書 and 年次集計 for the fiscal year."""

    key = "annual"
    title = "年次報告書"
    label = "年次報告"
    templates = (ANNUAL_TEMPLATE,)
    folder = "年次報告"
    leaves_by = PREFECTURE
    due = "3月（--annual でいつでも）"

    def example_contexts(self) -> dict[str, dict]:
        from ..ledger.findings import Report as _Report

        ledger, *_ = example_ledger()
        context = annual_context(ledger, annual_tables(ledger, _Report("", 2026), 2026), with_charts=False)
        context["charts"] = {name: "" for name in CHART_NAMES}
        return {"annual_report": context}

    def plan_month(self, month: MonthPlan) -> list[Item]:
        if not (month.annual or month.month == 3):
            return []
        # The batch covers its whole month, so its report counts the month's meetings as held: as of
        # the first day of the next month (the year's end for March), the same on every rerun.
        year, mon = month.following
        return [AnnualItem(self.key, None, as_of=dt.date(year, mon, 1))]

    def make_month(self, run: BatchRun, items: list[Item]) -> None:
        from ..render.output import inside

        for item in items:
            made = write_annual(run.ledger, run.report, run.fiscal_year, inside(run.folder, self.folder),
                                run.templates_dir, save=run.save, as_of=item.as_of)
            item.paths = [made.report, made.workbook]
            run.progress(1)

    def files(self, item: Item) -> list[tuple[Path, str, str | None]]:
        return [(path, self.key, None) for path in item.paths]


@dataclass
class AnnualItem(Item):
    paths: list[Path] = field(default_factory=list)
    as_of: dt.date | None = None


TYPE = AnnualReport()
