"""The knob table documents itself: defaults, docs, and docs/configuration.md is exactly what
``python -m lib.config --markdown`` prints (lib/config/markdown.py)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from lib.config import KNOBS, RELATIONS, render_markdown
from tests.conftest import PROJECT_ROOT


@pytest.mark.parametrize("knob", KNOBS, ids=lambda k: k.env)
def test_every_knob_has_a_documented_default_that_obeys_its_rule(knob: Any) -> None:
    assert knob.doc.strip() and knob.allowed.strip()
    default = knob.default
    rendered = render_markdown().splitlines()
    row = next(line for line in rendered if line.startswith(f"| `{knob.env}` |"))
    cells = [c.strip() for c in row.strip("|").split(" | ")]
    shown = "" if cells[2] == "(empty)" else cells[2].strip("`")
    # the documented default, fed back through the knob's type and rule, is the default
    assert knob.parse(shown) == default


def test_docs_configuration_md_is_the_generated_table() -> None:
    path = PROJECT_ROOT / "docs" / "configuration.md"
    assert path.read_text() == render_markdown(), (
        "docs/configuration.md drifted from lib/config/; regenerate it with "
        "`.venv/bin/python -m lib.config --markdown > docs/configuration.md`"
    )


def test_every_knob_and_rule_appears_in_the_docs() -> None:
    text = render_markdown()
    assert all(f"| `{k.env}` |" in text for k in KNOBS)
    assert all(r.rule in text for r in RELATIONS)


def test_the_cli_prints_the_table() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lib.config", "--markdown"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout == render_markdown()
