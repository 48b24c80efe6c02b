"""Read a ledger and run the rule catalogue: the library behind `sasaeai check`."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from .findings import Report
from ..japanese import fiscal_year_of
from .reader import read_ledger
from .model import Ledger
from .rules import check_model


def current_fiscal_year(today: dt.date | None = None) -> int:
    return fiscal_year_of(today or dt.date.today())


def load_and_check(path: str | Path, fiscal_year: int | None = None,
                   password: str | None = None) -> tuple[Ledger, Report]:
    """The model and the report; raises LedgerError only when the file cannot be read."""
    ledger, read_findings = read_ledger(path, password)
    year = fiscal_year if fiscal_year is not None else current_fiscal_year()
    return ledger, check_model(ledger, year, read_findings)


def check(path: str | Path, fiscal_year: int | None = None, password: str | None = None) -> Report:
    """Check a ledger file for the given fiscal year (default: this one)."""
    return load_and_check(path, fiscal_year, password)[1]
