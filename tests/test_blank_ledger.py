"""`sasaeai init`: the empty ledger's layout, and that the reader takes it."""
import openpyxl
import pytest

from generator.ledger import schema
from generator.ledger.blank import LIST_SHEET, write_blank_ledger
from generator.errors import UsageError
from generator.ledger.reader import read_ledger


@pytest.fixture(scope="module")
def blank(tmp_path_factory):
    path = tmp_path_factory.mktemp("init") / "台帳.xlsx"
    write_blank_ledger(path)
    return path


def test_every_sheet_and_header(blank):
    wb = openpyxl.load_workbook(blank)
    assert wb.sheetnames == [schema.INFO_SHEET, *(s.name for s in schema.SHEETS), LIST_SHEET]
    assert wb[LIST_SHEET].sheet_state == "hidden"
    for spec in schema.SHEETS:
        ws = wb[spec.name]
        assert [c.value for c in ws[1]] == [c.header for c in spec.columns]
        assert ws.freeze_panes == "A2"
    labels = [wb[schema.INFO_SHEET].cell(row=r, column=1).value for r in range(2, 2 + len(schema.INFO_ITEMS))]
    assert labels == [item.label for item in schema.INFO_ITEMS]


def test_dropdown_on_every_listed_column_and_a_note_on_every_column(blank):
    wb = openpyxl.load_workbook(blank)
    for spec in schema.SHEETS:
        ws = wb[spec.name]
        by_column = {}
        for dv in ws.data_validations.dataValidation:
            for rng in dv.sqref.ranges:
                by_column[rng.min_col] = dv
        for index, column in enumerate(spec.columns, start=1):
            dv = by_column[index]
            assert dv.prompt, (spec.name, column.header)
            assert ws.cell(row=1, column=index).comment is not None
            if column.kind in (schema.CHOICE, schema.LAYER, schema.MULTI):
                assert dv.type == "list", (spec.name, column.header)
                if column.kind != schema.LAYER:
                    ref = dv.formula1.split("!")[1].replace("$", "")
                    values = [c.value for row in wb[LIST_SHEET][ref] for c in row]
                    assert tuple(values) == column.choices
    postal = wb["構成員"].column_dimensions["J"]
    assert postal.number_format == "@"          # leading zeros survive typing


def test_blank_ledger_reads_without_fatal_errors(blank):
    ledger, findings = read_ledger(blank)
    assert ledger.members == [] and ledger.info.notice_days == 30
    assert {f.code for f in findings} == {"value-missing"}     # only the 基本情報 values to fill in


def test_refuses_to_overwrite(blank):
    with pytest.raises(UsageError):
        write_blank_ledger(blank)
