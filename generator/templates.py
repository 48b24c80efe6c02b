"""Where templates live, copying them out for editing, and checking edited ones."""
from __future__ import annotations

import datetime as dt
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from . import messages
from .context import labels_context, letter_context
from .errors import UsageError
from .model import Council, Info, Ledger, Meeting, Member
from .render import CompiledTemplate

# name -> (file, what it is)
TEMPLATES = {
    "invitation": ("invitation.docx", "開催通知と出欠回答票"),
    "labels": ("labels.docx", "宛名ラベル（A4 12面）"),
    "minutes": ("minutes.docx", "議事録"),
    "annual_report": ("annual_report.docx", "年次報告書"),
}


def default_dir() -> Path:
    """The templates shipped with sasaeai: the repository's templates/, or the installed copy."""
    candidates = [Path(__file__).resolve().parent.parent / "templates",
                  Path(sys.prefix) / "share" / "sasaeai" / "templates"]
    for candidate in candidates:
        if (candidate / TEMPLATES["invitation"][0]).exists():
            return candidate
    return candidates[0]


def template_path(name: str, custom_dir: str | Path | None = None) -> Path:
    """The template file to use: the staff's copy in custom_dir when it has one."""
    filename = TEMPLATES[name][0]
    if custom_dir is not None:
        custom = Path(custom_dir)
        if not custom.is_dir():
            raise UsageError(messages.TEMPLATES_DIR_MISSING.format(path=custom))
        if (custom / filename).exists():
            return custom / filename
    return default_dir() / filename


# Plain-text templates beside the Word ones: the e-mail subject and body.
TEXT_TEMPLATES = ("mail.txt",)


def export(dest: str | Path, force: bool = False) -> list[Path]:
    """Copy the default templates into dest for editing (Word files, and the e-mail text)."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for filename in [f for f, _ in TEMPLATES.values()] + list(TEXT_TEMPLATES):
        target = dest / filename
        if target.exists() and not force:
            raise UsageError(messages.INIT_EXISTS.format(path=target))
        shutil.copyfile(default_dir() / filename, target)
        written.append(target)
    return written


def example_contexts() -> dict[str, dict]:
    """A context per template, built from a made-up meeting: the variables templates may use."""
    from .annual import annual_context, annual_tables
    from .findings import Report
    from .minutes import minutes_context

    council = Council(council_id="C", name="例協議体", layer=2, area_id="A")
    meeting = Meeting(meeting_id="K", council_id="C", number=1, date=dt.date(2026, 12, 21),
                      start=dt.time(14), place="例会館", agenda=("例",))
    member = Member(member_id="M", council_id="C", name="例 花子", org_kind="住民", delivery="郵送",
                    postal_code="0000000", address1="例町1")
    ledger = Ledger(info=Info(municipality="例町", mayor_title="例町長", mayor_name="例 太郎",
                              department="福祉課", phone="000-000-0000"),
                    councils=[council], meetings=[meeting], members=[member])
    annual = annual_context(ledger, annual_tables(ledger, Report("", 2026), 2026), with_charts=False)
    annual["charts"] = {name: "" for name in CHART_NAMES}
    return {"invitation": letter_context(ledger, council, meeting, member),
            "labels": labels_context([member]),
            "minutes": minutes_context(ledger, meeting),
            "annual_report": annual}


CHART_NAMES = ("meetings", "members", "issues", "activities")


@dataclass
class TemplateCheck:
    name: str
    path: Path
    unknown: list[str]          # variables the template uses that the context lacks
    available: list[str]        # what the context offers


def _paths(value: object, prefix: str = "") -> list[str]:
    if isinstance(value, dict):
        out = []
        for key, inner in value.items():
            path = f"{prefix}.{key}" if prefix else key
            out.append(path)
            out += _paths(inner, path)
        return out
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return _paths(value[0], prefix + "[]")
    return []


def check_templates(folder: str | Path) -> list[TemplateCheck]:
    """For each template in folder (or the default), the variables it uses that do not exist."""
    results = []
    contexts = example_contexts()
    for name in TEMPLATES:
        path = template_path(name, folder)
        template = CompiledTemplate(path)
        context = contexts[name]
        unknown = sorted(v for v in template.variables() if v not in context)
        for base, attr in sorted(template.attribute_uses()):
            if isinstance(context.get(base), dict) and attr not in context[base]:
                unknown.append(f"{base}.{attr}")
        results.append(TemplateCheck(name, path, unknown, _paths(context)))
    return results
