"""Build ledgers in tmp_path from plain Python lists, so each test shows its data."""
from __future__ import annotations

import copy
import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

D = dt.date
REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "samples" / "aoba_ledger.xlsx"

# A small ledger that is clean for fiscal year 2026: no findings at all.
_MINIMAL: dict[str, list[list]] = {
    "基本情報": [
        ["項目", "値"],
        ["市町村名", "テスト町"],
        ["首長職名", "テスト町長"],
        ["首長氏名", "試験 一郎"],
        ["担当課", "福祉課"],
        ["電話", "0123-00-0000"],
        ["目指す地域像", "誰もが支え合い、住み慣れた地域で暮らし続けられるまち"],
    ],
    "圏域": [
        ["圏域ID", "圏域名", "層"],
        ["A0", "町全域", 1],
        ["A1", "北地区", 2],
    ],
    "生活支援コーディネーター": [
        ["SC_ID", "氏名", "層", "担当圏域ID", "所属", "配置日", "終了日"],
        ["S1", "全域 SC", 1, "A0", "社協", D(2020, 4, 1), None],
        ["S2", "北 SC", 2, "A1", "社協", D(2020, 4, 1), None],
    ],
    "協議体": [
        ["協議体ID", "名称", "層", "圏域ID", "設置日", "座長構成員ID", "事務局"],
        ["C0", "町の会議", 1, "A0", D(2019, 4, 1), "M01", "福祉課"],
        ["C1", "北の会議", 2, "A1", D(2019, 4, 1), "M11", "社協"],
    ],
    "構成員": [
        ["構成員ID", "協議体ID", "氏名", "所属団体", "団体種別", "郵便番号", "住所1", "メール", "送付方法"],
        ["M01", "C0", "座長 花子", "", "住民", "", "", "", "手渡し"],
        ["M02", "C0", "社協 次郎", "社協", "社会福祉協議会", "099-0101", "テスト町1番", "", "郵送"],
        ["M03", "C0", "老人 三郎", "老人クラブ", "老人クラブ", "", "", "m03@example.jp", "メール"],
        ["M04", "C0", "NPO 四郎", "NPO", "NPO法人", "", "", "", "不要"],
        ["M11", "C1", "自治 一子", "北自治会", "地縁組織（自治会・町会）", "", "", "", "手渡し"],
        ["M12", "C1", "民生 二子", "民児協", "民生委員・児童委員協議会", "", "", "", "手渡し"],
        ["M13", "C1", "社協 三子", "社協", "社会福祉協議会", "", "", "", "手渡し"],
        ["M14", "C1", "住民 四子", "", "住民", "", "", "", "手渡し"],
    ],
    "会議": [
        ["会議ID", "協議体ID", "回", "開催日", "開始時刻", "終了時刻", "場所", "議題", "進行役", "通知日"],
        ["K01", "C0", 1, D(2026, 5, 20), "14:00", "16:00", "役場", "議題A", "座長", D(2026, 4, 17)],
        ["K02", "C0", 2, D(2026, 7, 15), "14:00", "16:00", "役場", "議題B", "座長", None],
        ["K03", "C0", 3, D(2026, 9, 16), "14:00", "16:00", "役場", "議題C", "座長", None],
        ["K11", "C1", 1, D(2026, 5, 12), "10:00", "11:30", "公民館", "議題D", "座長", None],
        ["K12", "C1", 2, D(2026, 7, 14), "10:00", "11:30", "公民館", "議題E", "座長", None],
        ["K13", "C1", 3, D(2026, 9, 8), "10:00", "11:30", "公民館", "議題F", "座長", None],
    ],
    "地域ケア会議": [
        ["開催日", "圏域ID", "SC出席"],
        [D(2026, 6, 10), "A1", "有"],
    ],
    # Evaluated already, so the ledger stays clean whatever day it is checked on.
    "目標": [
        ["年度", "目標", "評価"],
        [2026, "第2層の協議体を年3回以上開催する", "○"],
    ],
}


def minimal() -> dict[str, list[list]]:
    return copy.deepcopy(_MINIMAL)


def write_workbook(path: Path, sheets: dict[str, list[list]], setup=None) -> Path:
    """Write sheets (name -> rows, first row usually the header) to an .xlsx file.

    `setup(wb)` may change the workbook further (merges, formulas) before saving.
    """
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    if setup:
        setup(wb)
    wb.save(path)
    return path


def set_cell(sheets: dict, sheet: str, header: str, row_index: int, value) -> None:
    """Set the value under `header` in data row `row_index` (1 = first data row)."""
    rows = sheets[sheet]
    col = rows[0].index(header)
    rows[row_index][col] = value


def add_column(sheets: dict, sheet: str, header: str, values: list | None = None) -> None:
    rows = sheets[sheet]
    rows[0].append(header)
    for i, row in enumerate(rows[1:]):
        row.append(values[i] if values else None)


def zip_of(parts: dict[str, str]) -> bytes:
    """A zip package holding `parts` (name -> text): a stand-in .docx for the name-leak checks."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        for name, text in parts.items():
            package.writestr(name, text)
    return out.getvalue()


@pytest.fixture
def ledger_file(tmp_path):
    """A function (sheets, setup=None) -> path of a ledger written in tmp_path."""
    counter = iter(range(1000))

    def make(sheets=None, setup=None, name=None):
        path = tmp_path / (name or f"ledger{next(counter)}.xlsx")
        return write_workbook(path, sheets if sheets is not None else minimal(), setup)

    return make


@pytest.fixture
def smtp_server():
    """(controller, handler) of an SMTP server on 127.0.0.1 that keeps every message it accepts."""
    from aiosmtpd.controller import Controller

    from generator.web.server import free_port

    class Collect:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            return "250 OK"

    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()
