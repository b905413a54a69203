"""The OSCAL chain written with the report: results -> plan -> SSP -> profile -> catalog (and a
mapping collection), each valid for compliance-trestle, resolvable on disk from the results."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from trestle.oscal import assessment_plan, assessment_results, catalog, mapping, profile, ssp

from compliance.assess import ControlStatus
from compliance.exceptions import ExceptionSet
from compliance.manifest import MANIFEST_FILE
from compliance.oscal import ASSESSED, assessment_results_document
from compliance.oscal_common import (
    CATALOG_FILE,
    MAPPING_FILE,
    NS,
    PLAN_FILE,
    PROFILE_FILE,
    RESULTS_FILE,
    SSP_FILE,
)
from compliance.reportdata import ReportData

pytestmark = [pytest.mark.synth, pytest.mark.gate]

MODELS = {
    CATALOG_FILE: catalog.Catalog,
    PROFILE_FILE: profile.Profile,
    SSP_FILE: ssp.SystemSecurityPlan,
    PLAN_FILE: assessment_plan.AssessmentPlan,
    RESULTS_FILE: assessment_results.AssessmentResults,
    MAPPING_FILE: mapping.MappingCollection,
}
OSCAL_DEFINED_PROPS = {"asset-id", "asset-type", "type"}


def test_every_document_of_the_chain_validates_with_trestle(report_dir: Path) -> None:
    for name, model in MODELS.items():
        assert model.oscal_read(report_dir / name) is not None, name


def _href(base: Path, href: str) -> Path:
    target = (base.parent / href).resolve()
    assert target.is_file(), f"{base.name}: href {href!r} does not resolve"
    return target


def test_the_import_chain_resolves_on_disk_from_the_results_file(
    report_dir: Path, report_data: ReportData
) -> None:
    results_path = report_dir / RESULTS_FILE
    results = assessment_results.AssessmentResults.oscal_read(results_path)
    assert results is not None
    plan_path = _href(results_path, results.import_ap.href)
    plan = assessment_plan.AssessmentPlan.oscal_read(plan_path)
    assert plan is not None
    ssp_path = _href(plan_path, plan.import_ssp.href)
    system = ssp.SystemSecurityPlan.oscal_read(ssp_path)
    assert system is not None
    profile_path = _href(ssp_path, system.import_profile.href)
    prof = profile.Profile.oscal_read(profile_path)
    assert prof is not None
    (imported,) = prof.imports
    cat = catalog.Catalog.oscal_read(_href(profile_path, imported.href))
    assert cat is not None
    catalog_ids = [c.id for c in cat.controls or []]
    assert catalog_ids == [c.id for c in report_data.catalog.controls]
    selected = [i for sel in imported.include_controls or [] for i in sel.with_ids or []]
    assert selected == catalog_ids
    reviewed = [
        c.control_id
        for sel in results.results[0].reviewed_controls.control_selections
        for c in sel.include_controls or []
    ]
    assert reviewed == catalog_ids
    implemented = [r.control_id for r in system.control_implementation.implemented_requirements]
    assert implemented == catalog_ids


def _props(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "props":
                yield from value
            else:
                yield from _props(value)
    elif isinstance(node, list):
        for value in node:
            yield from _props(value)


def _results(report_dir: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((report_dir / RESULTS_FILE).read_text(encoding="utf-8"))
    return doc["assessment-results"]


def test_our_props_carry_our_namespace_and_inventory_uses_asset_props(report_dir: Path) -> None:
    for name in MODELS:
        doc = json.loads((report_dir / name).read_text(encoding="utf-8"))
        for p in _props(doc):
            assert p.get("ns") == NS or p["name"] in OSCAL_DEFINED_PROPS, (name, p)
    result = _results(report_dir)["results"][0]
    for item in result["local-definitions"]["inventory-items"]:
        names = {p["name"]: p for p in item["props"]}
        assert "ns" not in names["asset-id"] and "ns" not in names["asset-type"]
        assert names["asset-id"]["value"].startswith("aws_")


def test_engines_are_assessment_assets_on_a_platform(report_dir: Path) -> None:
    local = _results(report_dir)["results"][0]["local-definitions"]
    assert "components" not in local
    assets = local["assessment-assets"]
    engines = {c["uuid"] for c in assets["components"]}
    (platform,) = assets["assessment-platforms"]
    assert {u["component-uuid"] for u in platform["uses-components"]} == engines
    for obs in _results(report_dir)["results"][0]["observations"]:
        for origin in obs["origins"]:
            assert {a["actor-uuid"] for a in origin["actors"]} <= engines


def test_findings_only_for_controls_this_run_assessed(
    report_dir: Path, report_data: ReportData
) -> None:
    result = _results(report_dir)["results"][0]
    found = {f["target"]["target-id"] for f in result.get("findings", [])}
    expected = {a.control.id for a in report_data.assessments if a.status in ASSESSED}
    assert found == expected
    for a in report_data.assessments:
        if a.status in (ControlStatus.MANUAL, ControlStatus.NEEDS_RUNTIME_EVIDENCE):
            assert a.control.id not in found


def test_observations_are_discoveries_with_engine_time_expiry_and_hashed_evidence(
    report_dir: Path, report_data: ReportData
) -> None:
    doc = _results(report_dir)
    result = doc["results"][0]
    resources = {r["uuid"]: r for r in doc["back-matter"]["resources"]}
    manifest = json.loads((report_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    hashes = {f["path"]: f["sha256"] for f in manifest["files"]}
    engine_time = {e.name: e.ran_at for e in report_data.engines}
    for obs in result["observations"]:
        assert obs["types"] == ["discovery"]
        collected = dt.datetime.fromisoformat(obs["collected"])
        assert dt.datetime.fromisoformat(obs["expires"]) > collected
        (evidence,) = obs["relevant-evidence"]
        resource = resources[evidence["href"].removeprefix("#")]
        (rlink,) = resource["rlinks"]
        (digest,) = rlink["hashes"]
        assert digest["algorithm"] == "SHA-256"
        if rlink["href"] in hashes:
            assert digest["value"] == hashes[rlink["href"]]
        if obs["title"].startswith("aspect rule"):
            assert obs["collected"] == engine_time["aspects"]
            assert rlink["href"] == "evidence/aspect-results.json"


def test_finding_and_observation_uuids_are_unique_per_run_inventory_stable(
    report_data: ReportData,
) -> None:
    first = assessment_results_document(report_data)["results"][0]
    second = assessment_results_document(report_data)["results"][0]
    for key in ("observations", "findings"):
        assert {o["uuid"] for o in first[key]}.isdisjoint({o["uuid"] for o in second[key]})
    items = "inventory-items"
    assert [i["uuid"] for i in first["local-definitions"][items]] == [
        i["uuid"] for i in second["local-definitions"][items]
    ]


def test_waivers_become_deviation_approved_risks_with_deadline_and_approver(
    report_data: ReportData,
) -> None:
    approved = ExceptionSet(
        tuple(
            dataclasses.replace(e, approved_by="security-officer")
            for e in report_data.exceptions.items
        ),
        report_data.exceptions.source,
    )
    data = dataclasses.replace(report_data, exceptions=approved)
    doc = assessment_results.AssessmentResults.model_validate(
        assessment_results_document(data)
    ).model_dump(mode="json", by_alias=True, exclude_none=True)
    risks = doc["results"][0]["risks"]
    waived_rules = {e.ref for a in data.assessments for e in a.evidence if e.waivers}
    assert (
        waived_rules
        and {p["value"] for r in risks for p in r["props"] if p["name"] == "rule"} == waived_rules
    )
    parties = {p["uuid"]: p["name"] for p in doc["metadata"]["parties"]}
    for risk in risks:
        assert risk["status"] == "deviation-approved"
        rule = next(p["value"] for p in risk["props"] if p["name"] == "rule")
        exc = next(e for e in approved.items if e.rule == rule)
        assert risk["deadline"].startswith(exc.expires.isoformat())
        (entry,) = risk["risk-log"]["entries"]
        assert entry["status-change"] == "deviation-approved"
        assert [parties[b["party-uuid"]] for b in entry["logged-by"]] == ["security-officer"]
    (responsible,) = doc["metadata"]["responsible-parties"]
    assert responsible["role-id"] == "approver"
    waived_controls = {a.control.id for a in data.assessments if any(e.waivers for e in a.evidence)}
    findings = {f["target"]["target-id"]: f for f in doc["results"][0]["findings"]}
    for cid in waived_controls & set(findings):
        assert findings[cid]["related-risks"]


def test_regulation_mappings_are_an_oscal_mapping_collection(
    report_dir: Path, report_data: ReportData
) -> None:
    doc = json.loads((report_dir / MAPPING_FILE).read_text(encoding="utf-8"))["mapping-collection"]
    maps = [m for group in doc["mappings"] for m in group["maps"]]
    assert len(maps) == sum(len(c.requirements) for c in report_data.catalog.controls)
    for m in maps:
        assert m["ns"] == NS and m["relationship"] and m["remarks"]
        (source,) = m["sources"]
        assert source["id-ref"].startswith("SFX-CTL-")


def test_trestle_resolves_the_profile_to_the_catalog(
    report_dir: Path, report_data: ReportData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """trestle's own ProfileResolver (needs a .trestle workspace; it resolves relative hrefs
    against the working directory rather than the profile's folder, so we run it from there)."""
    from trestle.core.profile_resolver import ProfileResolver

    workspace = tmp_path / "ws"
    shutil.copytree(report_dir, workspace)
    (workspace / ".trestle" / "cache").mkdir(parents=True)
    monkeypatch.chdir(workspace)
    resolved = ProfileResolver.get_resolved_profile_catalog(workspace, workspace / PROFILE_FILE)
    assert {c.id for c in resolved.controls or []} == {c.id for c in report_data.catalog.controls}
