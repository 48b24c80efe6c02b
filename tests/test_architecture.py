"""The shape of the code: one home per thing, no import cycles, fields declared once."""
from __future__ import annotations

import ast
import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import pytest

from generator.documents.registry import DOCUMENT_TYPES, all_templates
from generator.ledger import schema
from generator.ledger.model import RECORD_TYPES, Info, Ledger, Record

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "generator"


def _modules() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def _imports(module: str) -> set[str]:
    """Modules of the package that `module` imports anywhere (top level, functions, TYPE_CHECKING aside)."""
    path = REPO / (module.replace(".", "/") + ("/__init__.py" if (REPO / module.replace(".", "/")).is_dir() else ".py"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_only |= {id(n) for n in ast.walk(node)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                full = f"{target}.{alias.name}"
                found.add(full if full in MODULES else target)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {m for m in found if m in MODULES and m != module}


MODULES = set(_modules())


def test_no_import_cycles_even_through_function_level_imports():
    graph = {m: _imports(m) for m in MODULES}
    # A package's __init__ is imported by each of its modules; only edges between modules matter.
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt] if nxt in stack else [node, nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for module in sorted(MODULES):
        if module not in state:
            visit(module, [module])
    assert cycles == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_each_module_imports_on_its_own(module):
    result = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True,
                            cwd=REPO)
    assert result.returncode == 0, result.stderr


def test_cli_holds_no_workflow():
    source = (PACKAGE / "cli.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    loops = [n for n in ast.walk(tree) if isinstance(n, (ast.For, ast.While, ast.comprehension))]
    # The only loop allowed closes the progress bars.
    assert len(loops) <= 1
    for forbidden in ("render", "CompiledTemplate", "plan_meeting", "write_meeting", "messages.CHECK_",
                      "messages.MONTHLY_", "messages.SEND_"):
        assert forbidden not in source


def test_schema_and_model_declare_the_same_fields():
    for sheet in schema.SHEETS:
        record_type = RECORD_TYPES[sheet.key]
        assert record_type.SHEET == sheet.name
        model_fields = {f.name for f in dataclasses.fields(record_type)} - {f.name for f in dataclasses.fields(Record)}
        assert model_fields == {c.field for c in sheet.columns}, sheet.name
        assert sheet.key in {f.name for f in dataclasses.fields(Ledger)}
    assert {f.name for f in dataclasses.fields(Info)} == {item.field for item in schema.INFO_ITEMS}
    assert set(RECORD_TYPES) == {s.key for s in schema.SHEETS}


def test_schema_defaults_match_model_defaults():
    for sheet in schema.SHEETS:
        defaults = {f.name: f.default for f in dataclasses.fields(RECORD_TYPES[sheet.key])}
        for column in sheet.columns:
            if column.default is not None:
                assert defaults[column.field] == column.default, (sheet.name, column.header)
    info_defaults = {f.name: f.default for f in dataclasses.fields(Info)}
    for item in schema.INFO_ITEMS:
        if item.default is not None:
            assert info_defaults[item.field] == item.default, item.label


def test_every_document_type_is_complete_and_its_templates_ship():
    from generator.documents.base import default_template_bytes

    keys = [doc.key for doc in DOCUMENT_TYPES]
    assert len(keys) == len(set(keys))
    for doc in DOCUMENT_TYPES:
        assert doc.title and doc.label and doc.folder and doc.due
        contexts = doc.example_contexts()
        assert {t.name for t in doc.templates} == set(contexts)
    for _doc, template in all_templates():
        assert default_template_bytes(template.filename).startswith(b"PK")


def test_setup_cfg_lists_every_package():
    listed = re.search(r"packages =\n((?:    .+\n)+)", (REPO / "setup.cfg").read_text(encoding="utf-8")).group(1).split()
    packages = {".".join(p.relative_to(REPO).parts) for p in PACKAGE.rglob("__init__.py") for p in [p.parent]}
    assert set(listed) == packages | {"generator.templates"}


def test_installed_elsewhere_finds_the_templates(tmp_path):
    """A wheel installed into a fresh venv, run from another folder, finds its templates."""
    wheels = tmp_path / "wheels"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(REPO)],
                           capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    wheel = next(wheels.glob("sasaeai-*.whl"))
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    for _doc, template in all_templates():
        assert f"generator/templates/{template.filename}" in names
    assert "generator/templates/mail.txt" in names and "generator/templates/mail_summary.txt" in names
    target = tmp_path / "site"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
                              str(wheel)], capture_output=True, text=True)
    assert install.returncode == 0, install.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = ("import generator, sys; from generator.documents.templates import export; "
            "print(generator.__file__); print(len(export(sys.argv[1])))")
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path / "out")],
                            capture_output=True, text=True, cwd=elsewhere, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith(str(target))
    from generator.documents.templates import TEXT_TEMPLATES

    assert int(result.stdout.splitlines()[1]) == len(all_templates()) + len(TEXT_TEMPLATES)



def test_every_rule_is_found_by_one_check_or_by_the_reader():
    from generator.ledger import findings, rules

    by_checks = [rule.code for _function, found in rules.CHECKS for rule in found]
    assert len(by_checks) == len(set(by_checks))
    reader = {r.code for r in vars(findings).values() if isinstance(r, findings.Rule)}
    assert set(by_checks) | reader == set(rules.RULES)
    assert not set(by_checks) & reader
    for code in by_checks:
        rule = rules.RULES[code]
        assert rule.messages, code
        if rule.severity == findings.WARNING:
            assert rule.section, code
