"""Findings are values: a code, a severity, a place and a Japanese message.

The catalogue below is the one list of codes; README documents each with its
reason, and a test keeps the two in step.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITY_JA = {ERROR: "エラー", WARNING: "警告", INFO: "情報"}


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    title: str          # short Japanese description (README, summaries)
    section: str = ""   # guidebook section behind advice rules


_RULES = (
    # Fatal: the ledger cannot be read at all (exit 2).
    Rule("file-unreadable", ERROR, "ファイルを読めない・xlsx ではない"),
    Rule("sheet-missing", ERROR, "必須シートがない"),
    Rule("column-missing", ERROR, "必須列がない"),
    # Errors: the data is wrong.
    Rule("value-missing", ERROR, "必須の値が空"),
    Rule("value-type", ERROR, "値の型が違う（日付・時刻・整数・ID）"),
    Rule("value-not-in-list", ERROR, "選択肢にない値"),
    Rule("formula-no-value", ERROR, "計算結果が保存されていない数式"),
    Rule("id-duplicate", ERROR, "IDの重複"),
    Rule("id-unknown", ERROR, "存在しないIDへの参照"),
    Rule("end-before-start", ERROR, "終了が開始より前（日付・時刻）"),
    Rule("layer-mismatch", ERROR, "協議体・SCの層が圏域の層と違う"),
    Rule("postal-address-missing", ERROR, "郵送なのに郵便番号・住所1がない"),
    Rule("email-invalid", ERROR, "メール送付なのにメールアドレスが正しくない"),
    Rule("postal-code-invalid", ERROR, "郵便番号が7桁でない"),
    Rule("postal-code-number", ERROR, "郵便番号が数値で保存され先頭の0が消えている"),
    # Warnings: the guidebook's advice for the fiscal year.
    Rule("layer1-area-count", WARNING, "第1層の圏域がちょうど1つでない", "第1節1(3), 2(1)"),
    Rule("layer1-no-sc", WARNING, "第1層に在任中のSCがいない", "第1節1(3), 2(1)"),
    Rule("layer1-no-council", WARNING, "第1層に協議体がない", "第1節1(3), 2(1)"),
    Rule("layer2-no-sc", WARNING, "第2層の圏域に在任中のSCがいない", "第1節1(3)"),
    Rule("layer2-no-council", WARNING, "第2層の圏域に協議体がない", "第1節1(3)"),
    Rule("council-few-meetings", WARNING, "年3回未満の開催（承認型会議の恐れ）", "第1節3(6) 開催頻度"),
    Rule("meeting-gap", WARNING, "開催間隔が2か月を超える", "第1節3(6) 開催頻度"),
    Rule("invitation-late", WARNING, "通知の発送が開催の約1か月前より遅い", "第1節3(5) ワンポイント"),
    Rule("invitation-no-agenda", WARNING, "議題のない会議（通知に議題を書けない）", "第1節3(5) ワンポイント"),
    Rule("members-few-kinds", WARNING, "構成員の団体種別が少ない", "第1節3(3)"),
    Rule("members-no-resident", WARNING, "住民・当事者に近い構成員がいない", "第1節3(3)"),
    Rule("layer2-no-chien", WARNING, "第2層協議体に地縁組織の構成員がいない", "第1節3(3)"),
    Rule("layer1-chair", WARNING, "第1層協議体の座長が行政・事務局、または未選出", "第1節3(6) 第1層協議体"),
    Rule("admin-leads", WARNING, "行政が進行役", "第1節3(6) 当日進行上の留意点⑤"),
    Rule("care-conference-no-sc", WARNING, "地域ケア会議にSCが一度も出席していない", "第1節3(6) 地域ケア会議と協議体の連携"),
    Rule("sc-no-successor", WARNING, "圏域の唯一のSCが終了予定で後任がいない", "第1節5(1)"),
    Rule("meeting-holiday", INFO, "土日・祝日の開催"),
)

RULES: dict[str, Rule] = {rule.code: rule for rule in _RULES}


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    sheet: str
    cell: str
    message: str
    section: str = ""

    @property
    def location(self) -> str:
        return f"{self.sheet}!{self.cell}" if self.cell else self.sheet

    def key(self) -> tuple[str, str, str]:
        return (self.code, self.sheet, self.cell)

    def line(self, with_source: bool = False) -> str:
        """'エラー  構成員!H12  …（code）' as printed by every command."""
        source = f" ［ガイドブック {self.section}］" if with_source and self.section else ""
        return f"{SEVERITY_JA[self.severity]}  {self.location}  {self.message}（{self.code}）{source}"


def finding(code: str, sheet: str, cell: str, message: str) -> Finding:
    rule = RULES[code]
    return Finding(code, rule.severity, sheet, cell, message, rule.section)


@dataclass
class Report:
    """The result of `check`: findings in ledger order, for one fiscal year."""

    path: str
    fiscal_year: int
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def errors_on(self, rows: dict[str, set[int]], whole_sheets: tuple[str, ...] = ()) -> list[Finding]:
        """Error findings on the given rows of each sheet, or anywhere on `whole_sheets`.

        A document made from those rows would be wrong: it is not made.
        """
        return [f for f in self.findings if f.severity == ERROR and (
            f.sheet in whole_sheets or row_of(f.cell) in rows.get(f.sheet, ()))]

    def to_dict(self) -> dict:
        return {
            "ledger": self.path,
            "fiscal_year": self.fiscal_year,
            "summary": {s: self.count(s) for s in (ERROR, WARNING, INFO)},
            "findings": [asdict(f) | {"location": f.location} for f in self.findings],
        }


def row_of(cell: str) -> int:
    """The row number of 'H12' or '12:12'; 0 for a sheet-level finding."""
    digits = "".join(ch for ch in cell.split(":")[0] if ch.isdigit())
    return int(digits) if digits else 0
