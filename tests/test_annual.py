"""年次報告書 and 年次集計: numbers checked against values computed here from the ledger."""
import io
import warnings
import zipfile

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import D, SAMPLE
from docx import Document
from docx_tools import docx_text

from generator.render import charts
from generator.documents.annual import annual_tables
from generator.ledger.check import load_and_check
from generator.cli import main

FIRST, LAST = D(2026, 4, 1), D(2027, 3, 31)


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def ledger_and_report():
    return load_and_check(SAMPLE, 2026)


@pytest.fixture(scope="module")
def data(ledger_and_report):
    ledger, report = ledger_and_report
    return annual_tables(ledger, report, 2026)


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    out = tmp_path_factory.mktemp("annual")
    result = run("annual", SAMPLE, "--fiscal-year", 2026, "--out", out)
    assert result.exit_code == 0, result.output
    return out


def test_council_meetings_gaps_and_attendance(ledger_and_report, data):
    ledger, _ = ledger_and_report
    rows = {r[0]: r for r in data.tables["councils"].rows}
    for council in ledger.councils:
        meetings = sorted((m for m in ledger.meetings if m.council_id == council.council_id
                           and FIRST <= m.date <= LAST and m.state != "中止"), key=lambda m: m.date)
        gaps = [(b.date - a.date).days for a, b in zip(meetings, meetings[1:])]
        rates = []
        for m in meetings:
            answers = [a.answer for a in ledger.attendance if a.meeting_id == m.meeting_id]
            if answers:
                rates.append(len([a for a in answers if a in ("出席", "代理出席")]) / len(answers))
        row = rows[council.name]
        assert row[2] == len(meetings)
        assert row[3] == len([m for m in meetings if m.state == "開催済"])
        assert row[6] == council.target_meetings
        assert row[8] == (max(gaps) if gaps else None)
        assert row[9] == pytest.approx(sum(rates) / len(rates))
    south = rows["南部たすけあい会議"]
    assert (south[2], south[5], south[7], south[8]) == (2, 1, "×", 175)


def test_coverage_member_makeup_issues_activities_care_goals(ledger_and_report, data):
    ledger, report = ledger_and_report
    t = data.tables
    assert [(r[0], r[7], r[8]) for r in t["coverage"].rows] == [(a, "○", "○") for a in ("A0", "A1", "A2", "A3", "A4")]
    north = next(r for r in t["coverage"].rows if r[0] == "A2")
    assert north[5] == 2                                  # the leaving SC and the successor both served
    active = [m for m in ledger.members if (m.start is None or m.start <= LAST) and (m.end is None or m.end >= FIRST)]
    total = t["members"].rows[-1]
    assert total[0] == "計" and total[3] == len(active)
    for row in t["members"].rows[:-1]:
        assert row[3] == len([m for m in active if m.org_kind == row[0]])
    stages = {r[0]: r[-1] for r in t["issue_stage"].rows}
    for stage in ("①共有・見える化", "②アイデア", "③計画", "④創出・支援", "⑤振り返り"):
        assert stages[stage] == len([i for i in ledger.issues if i.stage == stage])
    running = [a for a in ledger.activities if (a.start is None or a.start <= LAST) and (a.end is None or a.end >= FIRST)]
    assert t["activity_kind"].rows[-1][1:] == [len(running), sum(a.times or 0 for a in running),
                                               sum(a.participants or 0 for a in running),
                                               sum(a.helpers or 0 for a in running)]
    conferences = [c for c in ledger.care_conferences if FIRST <= c.date <= LAST]
    attended = len([c for c in conferences if c.sc_attended == "有"])
    assert t["care"].rows == [[len(conferences), attended, attended / len(conferences),
                               len([c for c in conferences if c.meeting_id])]]
    assert [r[1] for r in t["goals"].rows] == [g.goal for g in ledger.goals if g.fiscal_year == 2026]
    assert [r[1] for r in t["findings"].rows] == [f.location for f in report.findings if f.severity != "info"]


def test_report_text_and_charts(made, ledger_and_report):
    ledger, _ = ledger_and_report
    data = (made / "年次報告書_2026.docx").read_bytes()
    text = docx_text(data)
    assert "令和8年度" in text and "生活支援体制整備事業 実施報告書" in text
    assert "（対象期間: 令和8年4月1日～令和9年3月31日）" in text
    assert ledger.info.vision in text
    assert any("第1層 1 圏域のうち 1 圏域、第2層 4 圏域のうち 4 圏域" in t for t in text)
    assert "地域ケア会議 7 回のうち、生活支援コーディネーターの出席は 6 回（出席率 85.7%）、協議体へ反映した地域課題は 4 件です。" in text
    doc = Document(io.BytesIO(data))
    assert len(doc.inline_shapes) == 4
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        pngs = [n for n in z.namelist() if n.startswith("word/media/")]
        assert len(pngs) == 4
        from struct import unpack
        for name in pngs:
            head = z.read(name)[:24]
            width = unpack(">I", head[16:20])[0]
            assert head[:8] == b"\x89PNG\r\n\x1a\n" and width >= 1200     # 160 mm at 200 dpi


def test_charts_use_the_bundled_japanese_font_without_missing_glyphs():
    assert charts._font_name() == "IPAexGothic"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = charts.horizontal_counts(["地縁組織（自治会・町会）", "民生委員・児童委員協議会", "①共有・見える化"], [3, 2, 1], "人")
    assert not [w for w in caught if "missing from font" in str(w.message)]
    assert png.startswith(b"\x89PNG")


def test_summary_workbook_has_numbers_as_numbers(made, data):
    wb = openpyxl.load_workbook(made / "年次集計_2026.xlsx")
    assert len(wb.sheetnames) == len(data.tables)
    ws = wb["協議体の開催状況"]
    assert [c.value for c in ws[1]][:3] == ["協議体", "層", "開催回数（予定含む）"]
    for row in ws.iter_rows(min_row=2):
        assert isinstance(row[2].value, int)
        assert row[9].value is None or (isinstance(row[9].value, float) and row[9].number_format == "0.0%")
    care = wb["地域ケア会議との連携"]
    assert [c.value for c in care[2]] == data.tables["care"].rows[0]


def test_rerun_gives_the_same_bytes(made, tmp_path):
    assert run("annual", SAMPLE, "--fiscal-year", 2026, "--out", tmp_path).exit_code == 0
    for name in ("年次報告書_2026.docx", "年次集計_2026.xlsx"):
        assert (tmp_path / name).read_bytes() == (made / name).read_bytes()
