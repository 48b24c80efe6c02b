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
from ..ledger.model import Council, Ledger, Meeting
from ..render.output import workbook_bytes, atomic_write, inside
from ..render.engine import InlineImage
from .base import PREFECTURE, BatchRun, DocumentType, Item, MonthPlan, TemplateFile, example_ledger, load_template

ANNUAL_TEMPLATE = TemplateFile("annual_report", "annual_report.docx", "年次報告書")
CHART_NAMES = ("meetings", "members", "issues", "activities")
PERCENT = "0.0%"
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
    meetings: list[Meeting]            # not cancelled, in the fiscal year, by date
    cancelled: int
    held: int                          # 状態 開催済
    planned: int                       # 状態 予定
    longest_gap: int | None            # days between consecutive meetings
    attendance_rate: float | None      # mean over meetings with 出欠 rows
    topics: list[str]


def council_year(council: Council, in_year: list[Meeting], answers: dict[str, list[str]]) -> CouncilYear:
    """A council's fiscal year from its meetings in the year and the 出欠 answers by meeting."""
    meetings = sorted((m for m in in_year if not m.cancelled), key=lambda m: (m.date, m.row))
    gaps = [(b.date - a.date).days for a, b in zip(meetings, meetings[1:])]
    rates = []
    for meeting in meetings:
        got = answers.get(meeting.meeting_id)
        if got:
            rates.append(sum(a in ("出席", "代理出席") for a in got) / len(got))
    topics = list(dict.fromkeys(item for m in meetings for item in m.agenda))
    return CouncilYear(
        council=council, meetings=meetings, cancelled=len(in_year) - len(meetings),
        held=sum(m.state == "開催済" for m in meetings), planned=sum(m.state == "予定" for m in meetings),
        longest_gap=max(gaps) if gaps else None,
        attendance_rate=sum(rates) / len(rates) if rates else None, topics=topics)


@dataclass
class AnnualData:
    fiscal_year: int
    first: dt.date
    last: dt.date
    councils: list[CouncilYear]
    tables: dict[str, Table]
    activity_counts: Counter            # (area name, kind) -> activities, for the chart


def annual_tables(ledger: Ledger, report: Report, year: int) -> AnnualData:
    """Every table of the annual report for fiscal year `year`."""
    first, last = fiscal_year_range(year)
    tables: dict[str, Table] = {}

    # SC placement and coverage of every area.
    coverage = Table("coverage", "圏域ごとのSC配置・協議体設置", ["圏域ID", "圏域", "層", "区域の種類", "在任SC",
                                                              "SC人数", "協議体", "SC配置", "協議体設置"])
    for area in sorted(ledger.areas, key=lambda a: (a.layer or 9, a.row)):
        scs = [sc for sc in ledger.coordinators if sc.area_id == area.area_id and sc.in_office(first, last)]
        councils = [c for c in ledger.councils if c.area_id == area.area_id
                    and (c.established is None or c.established <= last)]
        coverage.rows.append([area.area_id, area.name, area.layer, area.kind, "、".join(sc.name for sc in scs),
                              len(scs), "、".join(c.name for c in councils), "○" if scs else "×",
                              "○" if councils else "×"])
    tables["coverage"] = coverage

    answers: dict[str, list[str]] = defaultdict(list)
    for row in ledger.attendance:
        answers[row.meeting_id].append(row.answer)
    in_year: dict[str, list[Meeting]] = defaultdict(list)
    for meeting in ledger.meetings:
        if meeting.date and first <= meeting.date <= last:
            in_year[meeting.council_id].append(meeting)
    councils = [council_year(c, in_year[c.council_id], answers) for c in ledger.councils
                if c.established is None or c.established <= last]
    meetings = Table("councils", "協議体の開催状況", ["協議体", "層", "開催回数（予定含む）", "うち開催済", "うち予定",
                                                  "中止", "年間目標", "目標達成", "最長の間隔（日）", "平均出席率", "主な議題"],
                     formats={9: PERCENT})
    for cy in councils:
        count = len(cy.meetings)
        meetings.rows.append([cy.council.name, cy.council.layer, count, cy.held, cy.planned, cy.cancelled,
                              cy.council.target_meetings, "○" if count >= cy.council.target_meetings else "×",
                              cy.longest_gap, cy.attendance_rate, "、".join(cy.topics)])
    tables["councils"] = meetings

    # Member make-up by 団体種別, members in office at some time of the year.
    active = [m for m in ledger.members if m.in_office(first, last)]
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

    # 地域課題・資源 known by the end of the year.
    issues = [i for i in ledger.issues if i.found is None or i.found <= last]
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

    # 住民主体の活動 running at some time of the year.
    activities = [a for a in ledger.activities
                  if (a.start is None or a.start <= last) and (a.end is None or a.end >= first)]
    kinds = Table("activity_kind", "住民主体の活動（種類別）",
                  ["種類", "活動数", "年間実施回数", "平均参加者数（合計）", "担い手数"])
    for kind in schema.ACTIVITY_KINDS:
        group = [a for a in activities if a.kind == kind]
        if group:
            kinds.rows.append([kind, len(group), sum(a.times or 0 for a in group),
                               sum(a.participants or 0 for a in group), sum(a.helpers or 0 for a in group)])
    kinds.rows.append(["計", len(activities), sum(r[2] for r in kinds.rows), sum(r[3] for r in kinds.rows),
                       sum(r[4] for r in kinds.rows)])
    tables["activity_kind"] = kinds
    area_names = {a.area_id: a.name for a in ledger.areas}
    by_area = Table("activity_area", "住民主体の活動（圏域別）",
                    ["圏域", "活動数", "平均参加者数（合計）", "担い手数", "主な種類"])
    for area in ledger.areas:
        group = [a for a in activities if a.area_id == area.area_id]
        if group:
            by_area.rows.append([area.name, len(group), sum(a.participants or 0 for a in group),
                                 sum(a.helpers or 0 for a in group),
                                 "、".join(dict.fromkeys(a.kind for a in group))])
    tables["activity_area"] = by_area
    support = Table("activity_support", "住民主体の活動への支援", ["支援内容", "活動数"])
    support_count = Counter(s for a in activities for s in a.support)
    for kind in schema.SUPPORT_KINDS:
        if support_count[kind]:
            support.rows.append([kind, support_count[kind]])
    tables["activity_support"] = support

    # 地域ケア会議 and the councils.
    conferences = [c for c in ledger.care_conferences if c.date and first <= c.date <= last]
    attended = sum(c.sc_attended == "有" for c in conferences)
    care = Table("care", "地域ケア会議との連携", ["開催回数", "SC出席回数", "SC出席率", "協議体へ反映した件数"],
                 formats={2: PERCENT})
    care.rows.append([len(conferences), attended, attended / len(conferences) if conferences else None,
                      sum(1 for c in conferences if c.meeting_id)])
    tables["care"] = care
    meeting_titles = {m.meeting_id: m for m in ledger.meetings}
    council_names = {c.council_id: c.name for c in ledger.councils}
    passed = Table("care_passed", "地域ケア会議から協議体へ", ["開催日", "圏域", "種類", "抽出された地域課題", "反映先の会議"])
    for c in sorted(conferences, key=lambda c: (c.date, c.row)):
        if c.meeting_id:
            target = meeting_titles.get(c.meeting_id)
            where = (f"{council_names.get(target.council_id, target.council_id)} 第{target.number}回"
                     if target and target.number else c.meeting_id)
            passed.rows.append([c.date, area_names.get(c.area_id, c.area_id), c.kind, "、".join(c.issues), where])
    tables["care_passed"] = passed

    goals = Table("goals", "目標と実績", ["区分", "目標", "指標", "目標値", "実績値", "評価", "見直し"])
    for goal in ledger.goals:
        if goal.fiscal_year == year:
            goals.rows.append([goal.term, goal.goal, goal.indicator, goal.target, goal.actual, goal.evaluation,
                               goal.review])
    tables["goals"] = goals

    findings = Table("findings", f"点検で残っている指摘（{year}年度）", ["種別", "場所", "内容", "コード"])
    for f in report.findings:
        if f.severity != INFO:
            findings.rows.append([SEVERITY_JA[f.severity], f.location, f.message, f.code])
    tables["findings"] = findings
    activity_counts = Counter((area_names.get(a.area_id, a.area_id), a.kind) for a in activities)
    return AnnualData(year, first, last, councils, tables, activity_counts)


# --- the document -----------------------------------------------------------------

def _fmt(value: object, fmt: str | None) -> str:
    if value is None:
        return "—"
    if fmt == PERCENT and isinstance(value, float):
        return f"{value * 100:.1f}%"
    if isinstance(value, dt.date):
        return format_date(value)
    return str(value)


def table_rows(table: Table) -> list[list[str]]:
    return [[_fmt(v, table.formats.get(i)) for i, v in enumerate(row)] for row in table.rows]


def annual_context(ledger: Ledger, data: AnnualData, with_charts: bool = True) -> dict:
    """What templates/annual_report.docx prints."""
    tables = data.tables
    coverage = tables["coverage"].rows
    layer2 = [r for r in coverage if r[2] == 2]
    layer1 = [r for r in coverage if r[2] == 1]
    covered2 = sum(1 for r in layer2 if r[7] == "○" and r[8] == "○")
    covered1 = sum(1 for r in layer1 if r[7] == "○" and r[8] == "○")
    style = ledger.info.date_style
    context = {
        "municipality": {"name": ledger.info.municipality, "prefecture": ledger.info.prefecture},
        "department": ledger.info.department,
        "fy_title": fiscal_year_era(data.fiscal_year),
        "fy_range": f"{format_date(data.first, style, weekday=False)}～{format_date(data.last, style, weekday=False)}",
        "vision": ledger.info.vision or "（基本情報の「目指す地域像」が未入力です）",
        "coverage_summary": (f"第1層 {len(layer1)} 圏域のうち {covered1} 圏域、第2層 {len(layer2)} 圏域のうち "
                             f"{covered2} 圏域で、生活支援コーディネーターの配置と協議体の設置がそろっています。"),
        "coverage_goal_met": bool(layer1) and covered1 == len(layer1) and covered2 == len(layer2),
        "tables": {key: table_rows(table) for key, table in tables.items()},
        "care": dict(zip(["held", "attended", "rate", "passed"], table_rows(tables["care"])[0])),
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
        png = charts.meetings_against_target([cy.council.name for cy in councils], [cy.held for cy in councils],
                                             [cy.planned for cy in councils], targets)
    else:   # a bar per council stops being readable: show how many councils met how often
        png = charts.meetings_histogram([len(cy.meetings) for cy in councils], targets)
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


def summary_workbook(data: AnnualData) -> bytes:
    """年次集計_YYYY.xlsx: one sheet per table, numbers as numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    wb = Workbook()
    wb.remove(wb.active)
    for table in data.tables.values():
        ws = wb.create_sheet(table.title[:31].replace("/", "・"))
        ws.append(table.headers)
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
        for row in table.rows:
            ws.append(row)
        for index, fmt in table.formats.items():
            for row in ws.iter_rows(min_row=2, min_col=index + 1, max_col=index + 1):
                for cell in row:
                    cell.number_format = fmt
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy/m/d"
        for column in ws.columns:
            width = max(len(str(c.value or "")) for c in column)
            ws.column_dimensions[column[0].column_letter].width = min(60, max(8, width * 1.8 + 2))
        ws.freeze_panes = "A2"
    return workbook_bytes(wb)


@dataclass
class AnnualResult:
    report: Path
    workbook: Path
    chart_seconds: float
    render_seconds: float


def write_annual(ledger: Ledger, report: Report, year: int, out_dir: str | Path,
                 templates_dir: str | Path | None = None,
                 clock: Callable[[], float] | None = None,
                 save: Callable[[Path, bytes], object] = atomic_write) -> AnnualResult:
    """Write 年次報告書_YYYY.docx and 年次集計_YYYY.xlsx into out_dir."""
    import time

    clock = clock or time.perf_counter
    data = annual_tables(ledger, report, year)
    t0 = clock()
    context = annual_context(ledger, data, with_charts=False)
    t1 = clock()
    context["charts"] = make_charts(data)
    t2 = clock()
    template = load_template(ANNUAL_TEMPLATE.filename, templates_dir)
    report_path = inside(out_dir, f"年次報告書_{year}.docx")
    save(report_path, template.render(context))
    workbook_path = inside(out_dir, f"年次集計_{year}.xlsx")
    save(workbook_path, summary_workbook(data))
    t3 = clock()
    return AnnualResult(report_path, workbook_path, chart_seconds=t2 - t1, render_seconds=(t1 - t0) + (t3 - t2))


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
        return [AnnualItem(self.key, None)] if month.annual or month.month == 3 else []

    def make_month(self, run: BatchRun, items: list[Item]) -> None:
        from ..render.output import inside

        for item in items:
            made = write_annual(run.ledger, run.report, run.fiscal_year, inside(run.folder, self.folder),
                                run.templates_dir, save=run.save)
            item.paths = [made.report, made.workbook]
            run.progress(1)

    def files(self, item: Item) -> list[tuple[Path, str, str | None]]:
        return [(path, self.key, None) for path in item.paths]


@dataclass
class AnnualItem(Item):
    paths: list[Path] = field(default_factory=list)


TYPE = AnnualReport()
