"""Read a ledger and run the rule catalogue: the library behind `sasaeai check`."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Collection

from .findings import Report
from ..japanese import fiscal_year_of
from .reader import read_ledger
from .model import Ledger
from .rules import check_model


def current_fiscal_year(today: dt.date | None = None) -> int:
    return fiscal_year_of(today or dt.date.today())


def load_and_check(path: str | Path, fiscal_year: int | None = None, password: str | None = None, *,
                   as_of: dt.date | None = None,
                   lettered: Collection[str] | None = None) -> tuple[Ledger, Report]:
    """The model and the report; raises LedgerError only when the file cannot be read.

    The fiscal year defaults to the one `as_of` (default today) falls in.
    """
    ledger, read_findings = read_ledger(path, password)
    year = fiscal_year if fiscal_year is not None else current_fiscal_year(as_of)
    return ledger, check_model(ledger, year, read_findings, as_of=as_of, lettered=lettered)


def check(path: str | Path, fiscal_year: int | None = None, password: str | None = None, *,
          as_of: dt.date | None = None) -> Report:
    """Check a ledger file for the given fiscal year (default: this one), as of a day (default today)."""
    return load_and_check(path, fiscal_year, password, as_of=as_of)[1]
