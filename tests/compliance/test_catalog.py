"""The catalog's schema refuses bad entries, and every piece of evidence it names exists."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from compliance.catalog import (
    ALLOWED_REFERENCES,
    DEFAULT_PATH,
    Catalog,
    CatalogError,
    ControlKind,
    Regulation,
    parse_catalog,
)
from compliance.exceptions import ExceptionFileError, load_exceptions, parse_exceptions
from compliance.registry import (
    aspect_rule_ids,
    custom_checkov_ids,
    known_checkov_ids,
    test_node_exists,
)
from compliance.reportdata import ReportData
from compliance.soa import build_soa, load_declarations
from core.stackfile import SynthesizedStack
from lib.cis_metric_filters import CIS_METRIC_FILTERS

RAW: dict[str, Any] = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))


def mutated(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    """The real catalog with one value replaced (``path`` into the YAML document)."""
    doc = copy.deepcopy(RAW)
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("controls", 0, "id"), "SFX-LOG-01", r"controls\.0\.id"),
        (("controls", 0, "evidence", "aspect_rules"), ["SFX-CTL-LOG-01"], r"aspect_rules\.0"),
        (("controls", 0, "evidence", "aspect_rules"), ["SFX-CTL-01"], "is a control id"),
        (("controls", 0, "evidence", "aspect_rules"), ["CKV_AWS_35"], r"aspect_rules\.0"),
        (("controls", 0, "evidence", "checkov_checks"), ["SFX-LOG-01"], r"checkov_checks\.0"),
        (("controls", 0, "evidence", "tests"), ["test_x.py::test_y"], r"evidence\.tests\.0"),
        (("controls", 0, "evidence", "resources"), ["cloudtrail"], r"evidence\.resources\.0"),
        (("controls", 0, "requirements", 0, "ref"), "Art. 99", "is not one we claim"),
        (("controls", 0, "requirements"), [], r"requirements"),
        (("controls", 0, "kind"), "runtime", "must name its runtime_evidence"),
        (("controls", 0, "runtime_evidence"), ["cloudtrail"], "only for kind 'runtime'"),
        (
            ("controls", 0, "evidence"),
            {"resources": ["aws_cloudtrail.*"]},
            "needs at least one aspect rule, Checkov check or test",
        ),
        (("controls", 0, "surprise"), True, r"controls\.0\.surprise"),
        (("controls", 0, "evidence", "scope"), ["audit bucket"], r"evidence\.scope\.0"),
        (
            ("controls", 0, "evidence"),
            {"tests": [RAW["controls"][0]["evidence"]["tests"][0]], "scope": ["*.x_*"]},
            "scope limits aspect rules",
        ),
        (("controls", 1, "id"), RAW["controls"][0]["id"], "control ids must be unique"),
        (("processing_records", 0, "security_measures"), ["SFX-CTL-XXX-99"], "unknown controls"),
        (
            ("controls", 0, "pending_runtime_checks"),
            ["trail.nope"],
            r"pending_runtime_checks\.0.*unknown collector check 'trail\.nope'",
        ),
        (
            ("controls", 1, "pending_runtime_checks"),
            ["trail.logging"],
            "pending_runtime_checks needs the pending_runtime",
        ),
        (
            ("controls", 0, "pending_runtime_checks"),
            ["trail.logging", "trail.logging"],
            r"pending_runtime_checks lists \['trail\.logging'\] more than once",
        ),
    ],
)
def test_schema_refuses_a_bad_entry_naming_the_field(
    path: tuple[Any, ...], value: Any, message: str
) -> None:
    with pytest.raises(CatalogError, match=message):
        parse_catalog(mutated(path, value), source="catalog.yaml")


def test_the_real_catalog_is_valid_and_covers_every_kind(catalog: Catalog) -> None:
    kinds = {c.kind for c in catalog.controls}
    assert kinds == set(ControlKind)


def test_every_reference_is_decided_by_the_statement_of_applicability(catalog: Catalog) -> None:
    """Every reference we may cite is claimed by a control or declared in soa.yaml."""
    rows = build_soa(catalog, load_declarations())
    assert {(r.regulation, r.ref) for r in rows} == {
        (reg, ref) for reg, refs in ALLOWED_REFERENCES.items() for ref in refs
    }


def test_honesty_notes_on_retention_residency_and_content_tracking(catalog: Catalog) -> None:
    """The catalog must not present our decisions as legal requirements (README §5)."""

    def notes_for(regulation: Regulation, ref: str) -> list[str]:
        return [
            f"{r.rationale} {c.notes}"
            for c in catalog.controls
            for r in c.requirements
            if r.regulation is regulation and r.ref == ref and c.kind is ControlKind.DESIGN_TIME
        ]

    assert any("not a legal number" in n for n in notes_for(Regulation.GDPR, "Art. 5(1)(e)"))
    assert all("not itself a GDPR rule" in n for n in notes_for(Regulation.GDPR, "Art. 44-49"))
    tracking = [c for c in catalog.controls if "content tracking" in c.statement.lower()]
    assert tracking and all("not a legal one" in c.statement for c in tracking)


def test_every_checkov_check_named_exists(catalog: Catalog) -> None:
    known = known_checkov_ids()
    unknown = {
        (c.id, k) for c in catalog.controls for k in c.evidence.checkov_checks if k not in known
    }
    assert not unknown, f"unknown Checkov ids: {sorted(unknown)}"


def test_registry_knows_builtins_and_our_checks_and_refuses_made_up_ids() -> None:
    known = known_checkov_ids()
    assert {"CKV_AWS_35", "CKV2_AWS_10", "CKV_SFX_1"} <= known
    assert "CKV_AWS_99999" not in known and "CKV_SFX_999" not in known
    assert all(i.startswith("CKV_SFX_") for i in custom_checkov_ids())


@pytest.mark.synth
def test_every_aspect_rule_named_is_registered(catalog: Catalog, synth_dir: Path) -> None:
    registered = aspect_rule_ids()
    assert "SFX-LOG-01" in registered and "SFX-LOG-99" not in registered
    unknown = {
        (c.id, r) for c in catalog.controls for r in c.evidence.aspect_rules if r not in registered
    }
    assert not unknown, f"unknown aspect rule ids: {sorted(unknown)}"


def test_every_test_named_exists(catalog: Catalog) -> None:
    missing = {
        (c.id, t) for c in catalog.controls for t in c.evidence.tests if not test_node_exists(t)
    }
    assert not missing, f"tests named by the catalog that do not exist: {sorted(missing)}"


def test_parametrised_test_ids_name_real_cis_recommendations(catalog: Catalog) -> None:
    cis_ids = {row.cis_id for row in CIS_METRIC_FILTERS}
    params = {
        t.split("[", 1)[1].rstrip("]")
        for c in catalog.controls
        for t in c.evidence.tests
        if "[" in t
    }
    assert params and params <= cis_ids


def test_node_lookup_catches_missing_files_functions_and_classes() -> None:
    here = "tests/compliance/test_catalog.py"
    assert test_node_exists(f"{here}::test_every_test_named_exists")
    assert test_node_exists(f"{here}::test_every_test_named_exists[param]")
    assert not test_node_exists(f"{here}::test_that_was_deleted")
    assert not test_node_exists("tests/compliance/test_nowhere.py::test_x")
    assert not test_node_exists(f"{here}::NoSuchClass::test_every_test_named_exists")


@pytest.mark.synth
def test_every_resource_glob_matches_the_synthesized_stack(
    catalog: Catalog, synthesized: SynthesizedStack
) -> None:
    missing = {
        (c.id, g)
        for c in catalog.controls
        for g in (*c.evidence.resources, *c.evidence.scope)
        if not synthesized.matching(g)
    }
    assert not missing, f"resource globs that match nothing in the stack: {sorted(missing)}"


@pytest.mark.synth
@pytest.mark.gate
def test_exceptions_file_is_valid_and_every_exception_is_reported(report_data: ReportData) -> None:
    exceptions = load_exceptions()
    reported = {
        (
            e["rule"],
            e["resource"],
            e["reason"],
            e["owner"],
            e["approved_by"],
            e["risk"],
            e["expires"],
        )
        for e in report_data.to_json()["exceptions"]
    }
    assert reported == {
        (e.rule, e.resource, e.reason, e.owner, e.approved_by, e.risk.value, e.expires.isoformat())
        for e in exceptions.items
    }
    today = dt.date(2026, 1, 1)
    expired = {
        "exceptions": [
            {
                "rule": "CKV_AWS_338",
                "resource": "aws_x.y",
                "owner": "me",
                "approved_by": "someone-else",
                "approved_on": "2025-01-01",
                "risk": "low",
                "compensating_controls": ["SFX-CTL-LOG-01"],
                "reason": "a good long reason",
                "expires": "2025-12-31",
            }
        ]
    }
    with pytest.raises(ExceptionFileError, match="expired"):
        parse_exceptions(expired, today=today)
    reasonless = copy.deepcopy(expired)
    reasonless["exceptions"][0].update(reason="short", expires="2027-01-01")
    with pytest.raises(ExceptionFileError, match="reason"):
        parse_exceptions(reasonless, today=today)


def twin_gaps(catalog: Catalog, twins: dict[str, str]) -> list[str]:
    """Controls naming one twin without the other (rule id -> its check id in ``twins``)."""
    rules_of: dict[str, set[str]] = {}
    for rule, check in twins.items():
        rules_of.setdefault(check, set()).add(rule)
    gaps = []
    for control in catalog.controls:
        ev = control.evidence
        gaps += [
            f"{control.id}: {rule} without its twin {twins[rule]}"
            for rule in ev.aspect_rules
            if rule in twins and twins[rule] not in ev.checkov_checks
        ]
        gaps += [
            f"{control.id}: {check} without its twin rule(s) {sorted(rules_of[check])}"
            for check in ev.checkov_checks
            if check in rules_of and not rules_of[check] & set(ev.aspect_rules)
        ]
    return gaps


def test_the_catalog_names_both_twins_wherever_it_names_one(catalog: Catalog) -> None:
    """Issue 24 item 2: a rule and its Checkov twin are one control's evidence together."""
    from lib.aspects import ALL_RULES

    twins = {r.id: r.twin.check for r in ALL_RULES if r.twin is not None and r.twin.check}
    assert len(twins) >= 10
    assert twin_gaps(catalog, twins) == []
    # The finder sees a control that lost one twin.
    log = next(c for c in catalog.controls if "SFX-LOG-01" in c.evidence.aspect_rules)
    lone = log.evidence.model_copy(
        update={"checkov_checks": tuple(k for k in log.evidence.checkov_checks if k != "CKV_SFX_2")}
    )
    broken = catalog.model_copy(update={"controls": (log.model_copy(update={"evidence": lone}),)})
    assert twin_gaps(broken, twins) == [f"{log.id}: SFX-LOG-01 without its twin CKV_SFX_2"]
