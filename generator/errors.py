"""Fatal problems. Everything a user can cause that stops a command is a
`SasaeaiError`: the CLI prints its Japanese message and exits with its code."""
from __future__ import annotations


class SasaeaiError(Exception):
    """Base of every fatal, user-caused problem."""

    exit_code = 2

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class LedgerError(SasaeaiError):
    """The ledger cannot be read at all: a missing, broken, locked or non-xlsx
    file, or a missing required sheet or column. `code` is a finding code."""

    def __init__(self, code: str, message: str, sheet: str = "", cell: str = ""):
        super().__init__(message)
        self.code = code
        self.sheet = sheet
        self.cell = cell


class UsageError(SasaeaiError):
    """Options that do not fit together or a value the user typed that is wrong."""


class OutputError(SasaeaiError):
    """An output file or folder that cannot be written."""


class TemplateError(SasaeaiError):
    """A .docx template that cannot be read, compiled or rendered."""
