"""README.md and DEVELOPERS.md describe the project as it is: every path they name exists, the
layout names every script, benchmark, package and lib module, and the exceptions decision names
every field the loader requires."""

from __future__ import annotations

import re

import pytest

from compliance.exceptions import ALLOWED_KEYS
from tests.conftest import PROJECT_ROOT

DOCS = ("README.md", "DEVELOPERS.md")
# Produced by running things, or the shared environment: not in a clone.
GENERATED = ("cdktf.out", "reports/", ".venv/", "node_modules/", "outputs.json")


def _text(name: str) -> str:
    return (PROJECT_ROOT / name).read_text(encoding="utf-8")


def _section(text: str, heading: str) -> str:
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert match, f"no '## {heading}' section"
    return match.group(1)


def _named_paths(text: str) -> set[str]:
    """Backticked tokens that look like repository paths (a folder and a name); bare file names
    are named relative to the row's folder."""
    tokens = set()
    for code in re.findall(r"`([^`\s]+)`", text):
        if "<" in code or code.startswith(("-", "CKV", "python")) or "=" in code:
            continue
        if "/" in code and not code.startswith("/"):
            tokens.add(code.rstrip("/"))
    return tokens


def _layout_lines() -> list[str]:
    return [
        line
        for line in _section(_text("README.md"), "Layout").splitlines()
        if line.startswith("| `")
    ]


def _layout_names() -> str:
    return "\n".join(_layout_lines())


@pytest.mark.parametrize("doc", DOCS)
def test_every_path_the_guide_names_exists(doc: str) -> None:
    assert "lib/stack.py" in _named_paths(_text(doc)), "path finder found nothing"
    missing = sorted(
        p
        for p in _named_paths(_text(doc))
        if not p.startswith(GENERATED) and not (PROJECT_ROOT / p).exists()
    )
    assert missing == [], f"{doc} names paths that do not exist: {missing}"


def test_readme_layout_names_every_script_benchmark_package_and_lib_module() -> None:
    layout = _layout_names()
    expected = [
        *(f"`{p.name}`" for p in sorted((PROJECT_ROOT / "scripts").glob("*.sh"))),
        *(f"`{p.name}`" for p in sorted((PROJECT_ROOT / "bench").glob("*.py"))),
        *(
            f"`{init.parent.relative_to(PROJECT_ROOT)}/`"
            for folder in ("lib", "policies", "compliance")
            for init in sorted((PROJECT_ROOT / folder).glob("*/__init__.py"))
            if init.parent.name != "checks"
        ),
        *(
            f"`lib/{p.name}`"
            for p in sorted((PROJECT_ROOT / "lib").glob("*.py"))
            if p.name != "__init__.py"
        ),
    ]
    missing = [name for name in expected if name not in layout]
    assert missing == [], f"README's Layout table does not name {missing}"


def test_developers_layout_names_every_script_and_benchmark() -> None:
    layout = _section(_text("DEVELOPERS.md"), "Layout")
    names = [p.name for p in sorted((PROJECT_ROOT / "scripts").glob("*.sh"))]
    names += [p.name for p in sorted((PROJECT_ROOT / "bench").glob("*.py"))]
    names += ["compliance/collect/", "lib/provider_import.py", "lib/config_fields.py"]
    assert [n for n in names if n not in layout] == []


def test_exceptions_decision_names_every_field_the_loader_knows() -> None:
    decisions = _section(_text("README.md"), "Decisions worth knowing")
    bullet = next(b for b in decisions.split("\n- ") if b.startswith("**Exceptions**"))
    assert sorted(k for k in ALLOWED_KEYS if f"`{k}`" not in bullet) == []


def test_gate_doc_names_the_generated_taggable_data_file() -> None:
    """The taggable list is generated data (policies/taggable.json), not a Python module."""
    gate = _text("docs/gate.md")
    assert "`policies/taggable.json`, generated" in gate
    assert "`policies/taggable.py` is out of date" not in gate
    assert "(`policies/taggable.py`, generated" not in gate
