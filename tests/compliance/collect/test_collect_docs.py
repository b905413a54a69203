"""docs/operating-evidence.md lists every check with its control, API call and validity."""

from __future__ import annotations

import re

from compliance.collect.checks import ALL_CHECKS
from compliance.registry import PROJECT_ROOT

from .test_collector_policy import policy_actions

TEXT = (PROJECT_ROOT / "docs" / "operating-evidence.md").read_text(encoding="utf-8")


def test_the_check_table_matches_the_checks() -> None:
    rows = re.findall(
        r"^\| `([a-z]+\.[a-z0-9-]+)` \| ([A-Z0-9, -]+) \| .+ \| (.+) \| (\d+) h \|$", TEXT, re.M
    )
    documented = {(cid, controls.strip(), int(hours)) for cid, controls, _, hours in rows}
    assert documented == {(c.id, ", ".join(c.controls), c.validity_hours) for c in ALL_CHECKS}
    calls = {call for *_, api, _ in rows for call in re.findall(r"`([a-z0-9-]+:[A-Za-z]+)`", api)}
    assert calls | {"sts:GetCallerIdentity"} == policy_actions()


def test_compliance_md_says_how_to_schedule_the_collector_and_what_each_check_proves() -> None:
    """The issue asks docs/compliance.md itself for the schedule, the role and every check."""
    text = (PROJECT_ROOT / "docs" / "compliance.md").read_text(encoding="utf-8")
    section = text.split("### Running the collector on a schedule against a real account")[1]
    section = section.split("\n## ")[0]
    for needed in ("OIDC", "STREAMFLIX_COLLECTOR_PRINCIPAL_ARN", "collector-policy.json"):
        assert needed in section, needed
    rows = re.findall(
        r"^\| `([a-z]+\.[a-z0-9-]+)` \| ([A-Z0-9, -]+) \| (.+) \| (\d+) h \|$", section, re.M
    )
    documented = {(cid, controls.strip(), proves, int(h)) for cid, controls, proves, h in rows}
    assert documented == {
        (c.id, ", ".join(c.controls), c.proves, c.validity_hours) for c in ALL_CHECKS
    }
