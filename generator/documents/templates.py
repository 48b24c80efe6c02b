"""Copying the shipped templates out for editing, and checking edited ones.

Which templates exist, and which variables each may use, comes from the
document registry: a new document type is exported and checked with no
change here.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import messages
from ..errors import TemplateError, UsageError
from ..render.engine import CompiledTemplate
from ..render.output import atomic_write, make_out_folder, remove_temp_files
from .base import default_template_bytes, load_template
from .registry import all_templates

# Plain-text templates beside the Word ones: the e-mail subject and body.
MAIL_TEMPLATE = "mail.txt"
SUMMARY_MAIL_TEMPLATE = "mail_summary.txt"
# The e-mail subject and body for each kind of letter that is e-mailed.
MAIL_TEMPLATES = {"invitation": MAIL_TEMPLATE, "meeting_summary": SUMMARY_MAIL_TEMPLATE}
TEXT_TEMPLATES = (MAIL_TEMPLATE, SUMMARY_MAIL_TEMPLATE)


def export(dest: str | Path, force: bool = False) -> list[Path]:
    """Copy the default templates into dest for editing (Word files, and the e-mail text)."""
    dest = make_out_folder(dest)
    remove_temp_files(dest, recursive=False)
    names = [template.filename for _, template in all_templates()] + list(TEXT_TEMPLATES)
    written = []
    for filename in names:
        target = dest / filename
        if target.exists() and not force:
            raise UsageError(messages.INIT_EXISTS.format(path=target))
        atomic_write(target, default_template_bytes(filename))
        written.append(target)
    return written


def example_contexts() -> dict[str, dict]:
    """A context per template name: the variables each template may use."""
    contexts: dict[str, dict] = {}
    seen = set()
    for doc, _template in all_templates():
        if doc.key not in seen:
            seen.add(doc.key)
            contexts.update(doc.example_contexts())
    return contexts


@dataclass
class TemplateCheck:
    name: str
    title: str
    path: Path
    unknown: list[str]          # variables the template uses that the context lacks
    available: list[str]        # what the context offers
    error: str = ""             # what went wrong rendering an example (a limit met), if anything


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
    for _doc, spec in all_templates():
        template: CompiledTemplate = load_template(spec.filename, folder)
        context = contexts[spec.name]
        unknown = sorted(v for v in template.variables() if v not in context)
        for base, attr in sorted(template.attribute_uses()):
            if isinstance(context.get(base), dict) and attr not in context[base]:
                unknown.append(f"{base}.{attr}")
        error = ""
        if not unknown:
            # A trial render with the example values: loops without end, output
            # bombs and the like are found here, not in the month's batch.
            try:
                template.render(context)
            except TemplateError as exc:
                error = exc.message
        results.append(TemplateCheck(spec.name, spec.title, template.path, unknown, _paths(context), error))
    return results
