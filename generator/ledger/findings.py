"""Findings are values: a code, a severity, a place and a Japanese message.

The catalogue below is the one list of codes; README documents each with its
reason, and a test keeps the two in step.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITY_JA = {ERROR: "エラー", WARNING: "警告", INFO: "情報"}


@dataclass(frozen=True)
class Rule:
    """One finding code: its severity, what it means, the guidebook section behind it and its messages.

    `messages` maps a variant name ('' for the usual one) to a format string.
    """

    code: str
    severity: str
    title: str          # short Japanese description (README, summaries)
    section: str = ""   # guidebook section behind advice rules
    messages: dict[str, str] = field(default_factory=dict, compare=False)

    def message(self, variant: str = "", **values) -> str:
        return self.messages[variant].format(**values)


# Every code, in README order: the reader's here, the checks' where each check is defined
# (generator.ledger.rules registers them on import).
RULES: dict[str, Rule] = {}


def register(code: str, severity: str, title: str, section: str = "", message: str = "", **variants: str) -> Rule:
    """Add a code to the catalogue; codes are stable and unique."""
    if code in RULES:
        raise ValueError(f"finding code {code} registered twice")
    rule = Rule(code, severity, title, section, ({"": message} if message else {}) | variants)
    RULES[code] = rule
    return rule


# Fatal: the ledger cannot be read at all (exit 2).
FILE_UNREADABLE = register("file-unreadable", ERROR, "ファイルを読めない・xlsx ではない")
SHEET_MISSING = register("sheet-missing", ERROR, "必須シートがない")
COLUMN_MISSING = register("column-missing", ERROR, "必須列がない")
# Errors found while reading values (generator.ledger.reader and .values).
VALUE_MISSING = register("value-missing", ERROR, "必須の値が空")
VALUE_TYPE = register("value-type", ERROR, "値の型が違う（日付・時刻・整数・ID）")
VALUE_NOT_IN_LIST = register("value-not-in-list", ERROR, "選択肢にない値")
FORMULA_NO_VALUE = register("formula-no-value", ERROR, "計算結果が保存されていない数式")
POSTAL_CODE_INVALID = register("postal-code-invalid", ERROR, "郵便番号が7桁でない")
POSTAL_CODE_NUMBER = register("postal-code-number", ERROR, "郵便番号が数値で保存され先頭の0が消えている")
DATE_OUT_OF_RANGE = register("date-out-of-range", ERROR, "扱える範囲（1900年〜2200年）の外の日付")


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    sheet: str
    cell: str
    message: str
    section: str = ""
    # About what is over and can no longer be acted on (a late letter for a meeting
    # already held): shown after the rest, and never in documents for outside readers.
    past: bool = False

    @property
    def location(self) -> str:
        return f"{self.sheet}!{self.cell}" if self.cell else self.sheet

    def key(self) -> tuple[str, str, str]:
        return (self.code, self.sheet, self.cell)

    def line(self, with_source: bool = False) -> str:
        """'エラー  構成員!H12  …（code）' as printed by every command."""
        source = f" ［ガイドブック {self.section}］" if with_source and self.section else ""
        return f"{SEVERITY_JA[self.severity]}  {self.location}  {self.message}（{self.code}）{source}"


def finding(code: str, sheet: str, cell: str, message: str, past: bool = False) -> Finding:
    rule = RULES[code]
    return Finding(code, rule.severity, sheet, cell, message, rule.section, past)


@dataclass
class Report:
    """The result of `check`: findings in ledger order, for one fiscal year, as of a day."""

    path: str
    fiscal_year: int
    findings: list[Finding] = field(default_factory=list)
    as_of: dt.date | None = None

    @property
    def actionable(self) -> list[Finding]:
        """Findings someone can still act on: the ones any document may show."""
        return [f for f in self.findings if not f.past]

    @property
    def past(self) -> list[Finding]:
        """Findings about what is over (kept for the record, shown only on request)."""
        return [f for f in self.findings if f.past]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def errors_on(self, rows: dict[str, set[int]], whole_sheets: tuple[str, ...] = (),
                  ignore: frozenset[tuple[str, str]] = frozenset()) -> list[Finding]:
        """Error findings on the given rows of each sheet, or anywhere on `whole_sheets`.

        A document made from those rows would be wrong: it is not made. Cells in
        `ignore` hold values the document does not use (a typo in 謝礼単価 does
        not stop an invitation).
        """
        by_sheet = self._errors_by_sheet()
        hits: dict[int, Finding] = {}
        for sheet in whole_sheets:
            for number, found in by_sheet.get(sheet, {}).values():
                hits.update(zip(number, found))
        for sheet, wanted in rows.items():
            if sheet in whole_sheets or sheet not in by_sheet:
                continue
            for row in wanted:
                number, found = by_sheet[sheet].get(row, ((), ()))
                hits.update(zip(number, found))
        return [hits[n] for n in sorted(hits) if (hits[n].sheet, hits[n].cell) not in ignore]

    def _errors_by_sheet(self) -> dict[str, dict[int, tuple[list[int], list[Finding]]]]:
        """Error findings by sheet and row with their place in `findings`, built once per list.

        Each document asks about its own rows; scanning every finding for each one made
        the batch's cost grow with (documents x findings).
        """
        findings = self.findings
        cached = self.__dict__.get("_error_index")
        if cached is not None and cached[0] is findings and cached[1] == len(findings):
            return cached[2]
        index: dict[str, dict[int, tuple[list[int], list[Finding]]]] = {}
        for number, f in enumerate(findings):
            if f.severity == ERROR:
                number_list, found = index.setdefault(f.sheet, {}).setdefault(row_of(f.cell), ([], []))
                number_list.append(number)
                found.append(f)
        self.__dict__["_error_index"] = (findings, len(findings), index)
        return index

    def to_dict(self) -> dict:
        return {
            "ledger": self.path,
            "fiscal_year": self.fiscal_year,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "summary": {s: self.count(s) for s in (ERROR, WARNING, INFO)} | {"past": len(self.past)},
            "findings": [asdict(f) | {"location": f.location} for f in self.findings],
        }


def row_of(cell: str) -> int:
    """The row number of 'H12' or '12:12'; 0 for a sheet-level finding."""
    digits = "".join(ch for ch in cell.split(":")[0] if ch.isdigit())
    return int(digits) if digits else 0
