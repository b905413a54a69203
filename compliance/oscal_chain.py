"""The OSCAL documents the assessment results import, so a chain-resolving tool can follow them:
results -> assessment plan -> system security plan -> profile -> catalog, plus a mapping
collection from our controls to the regulations they serve.

Each is plain data in OSCAL's field names, validated by compliance-trestle's model before it is
written. Hrefs are relative to the report folder (all files sit side by side).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from trestle.oscal import assessment_plan, catalog, mapping, profile, ssp

from compliance.catalog import REGULATION_TITLES, Control, Regulation
from compliance.oscal_common import (
    CATALOG_FILE,
    MAPPING_FILE,
    NS,
    PLAN_FILE,
    PROFILE_FILE,
    SSP_FILE,
    Doc,
    engine_assets,
    metadata,
    prop,
    stable_uuid,
)
from compliance.reportdata import ReportData

_SYSTEM = "streamflix"
NS_ID = "https://streamflix.example.com/ns/oscal/system-id"


def _control(c: Control) -> Doc:
    return {
        "id": c.id,
        "class": c.kind.value,
        "title": c.title,
        "props": [prop("control-kind", c.kind.value), prop("owner", c.owner)],
        "parts": [{"id": f"{c.id}_smt", "name": "statement", "prose": c.statement}],
    }


def catalog_document(data: ReportData) -> Doc:
    when = data.run.generated_at.isoformat()
    return {
        "uuid": stable_uuid("catalog", data.catalog.version),
        "metadata": metadata("StreamFlix controls catalog", when, data.catalog.version),
        "controls": [_control(c) for c in data.catalog.controls],
    }


def profile_document(data: ReportData) -> Doc:
    when = data.run.generated_at.isoformat()
    return {
        "uuid": stable_uuid("profile", data.catalog.version),
        "metadata": metadata(
            "StreamFlix baseline (every catalog control)", when, data.catalog.version
        ),
        "imports": [
            {
                "href": CATALOG_FILE,
                "include-controls": [{"with-ids": [c.id for c in data.catalog.controls]}],
            }
        ],
        "merge": {"as-is": True},
    }


def ssp_document(data: ReportData) -> Doc:
    """A minimal SSP: the assessment plan must import one (``import-ssp``); it names the stack,
    its resources as inventory and, per control, that it is implemented in this repository."""
    run, when = data.run, data.run.generated_at.isoformat()
    system = stable_uuid("component", _SYSTEM)
    return {
        "uuid": stable_uuid("ssp", run.stack_name),
        "metadata": metadata(
            f"StreamFlix system security plan ({run.stack_name})", when, data.catalog.version
        ),
        "import-profile": {"href": PROFILE_FILE},
        "system-characteristics": {
            "system-ids": [{"identifier-type": NS_ID, "id": run.stack_name}],
            "system-name": f"StreamFlix video pipeline ({run.stack_name})",
            "description": "Video upload and processing pipeline on AWS, defined with CDKTF.",
            "system-information": {
                "information-types": [
                    {
                        "uuid": stable_uuid("information-type", "metadata"),
                        "title": "Title metadata and processing status",
                        "description": "Titles, creator ids, upload times and processing "
                        "status. The impact levels are placeholders the schema requires, not a "
                        "categorization: the data protection officer sets them.",
                        "props": [prop("categorization-status", "placeholder")],
                        "confidentiality-impact": {"base": "moderate"},
                        "integrity-impact": {"base": "moderate"},
                        "availability-impact": {"base": "low"},
                    }
                ]
            },
            "status": {"state": "under-development"},
            "authorization-boundary": {
                "description": f"Every resource of {run.stack_name} in {run.region}."
            },
        },
        "system-implementation": {
            "users": [
                {
                    "uuid": stable_uuid("user", "platform-team"),
                    "title": "Platform team",
                    "props": [prop("type", "internal", ns=None)],
                }
            ],
            "components": [
                {
                    "uuid": system,
                    "type": "this-system",
                    "title": f"StreamFlix stack {run.stack_name}",
                    "description": "The synthesized Terraform configuration (cdk.tf.json).",
                    "status": {"state": "under-development"},
                }
            ],
        },
        "control-implementation": {
            "description": "Controls of compliance/catalog.yaml, implemented in this repository.",
            "implemented-requirements": [
                {
                    "uuid": stable_uuid("implemented-requirement", c.id),
                    "control-id": c.id,
                    "by-components": [
                        {
                            "component-uuid": system,
                            "uuid": stable_uuid("by-component", c.id),
                            "description": c.statement,
                        }
                    ],
                }
                for c in data.catalog.controls
            ],
        },
    }


def plan_document(data: ReportData) -> Doc:
    run, when = data.run, data.run.generated_at.isoformat()
    return {
        "uuid": stable_uuid("assessment-plan", run.stack_name, data.catalog.version),
        "metadata": metadata(
            f"StreamFlix assessment plan ({run.stack_name})", when, data.catalog.version
        ),
        "import-ssp": {"href": SSP_FILE},
        "reviewed-controls": {
            "control-selections": [
                {"include-controls": [{"control-id": c.id} for c in data.catalog.controls]}
            ]
        },
        "assessment-subjects": [
            {
                "type": "inventory-item",
                "description": "Every resource of the synthesized stack.",
                "include-all": {},
            }
        ],
        "assessment-assets": engine_assets(),
    }


def _regulation_maps(data: ReportData, reg: Regulation) -> list[Doc]:
    maps = []
    for c in data.catalog.controls:
        for r in c.requirements:
            if r.regulation is not reg:
                continue
            relationship, rationale = r.relationship.value, r.rationale
            maps.append(
                {
                    "uuid": stable_uuid("map", c.id, reg.value, r.ref),
                    "ns": NS,
                    "relationship": relationship,
                    "sources": [{"type": "control", "id-ref": c.id}],
                    "targets": [{"type": "control", "id-ref": f"{reg.value} {r.ref}"}],
                    "remarks": rationale,
                }
            )
    return maps


def mapping_document(data: ReportData) -> Doc:
    """Our controls -> regulation articles, relationship (implements/supports/gap, in our ns)
    and rationale; each regulation is a back-matter resource (not an OSCAL catalog)."""
    when = data.run.generated_at.isoformat()
    resources = {reg: stable_uuid("regulation", reg.value) for reg in Regulation}
    mappings = [
        {
            "uuid": stable_uuid("mapping", reg.value),
            "source-resource": {"type": "catalog", "href": CATALOG_FILE},
            "target-resource": {"type": "catalog", "href": f"#{resources[reg]}"},
            "maps": maps,
        }
        for reg in Regulation
        if (maps := _regulation_maps(data, reg))
    ]
    return {
        "uuid": stable_uuid("mapping-collection", data.catalog.version),
        "metadata": metadata("StreamFlix controls to EU regulations", when, data.catalog.version),
        "provenance": {
            "method": "human",
            "matching-rationale": "semantic",
            "status": "draft",
            "mapping-description": "Which article or recommendation each control serves, with "
            "our relationship (implements, supports, gap) and a one-line rationale.",
        },
        "mappings": mappings,
        "back-matter": {
            "resources": [
                {"uuid": resources[reg], "title": REGULATION_TITLES[reg]} for reg in Regulation
            ]
        },
    }


# file name -> (document builder, trestle model)
CHAIN: dict[str, tuple[Callable[[ReportData], Doc], Any]] = {
    CATALOG_FILE: (catalog_document, catalog.Catalog),
    PROFILE_FILE: (profile_document, profile.Profile),
    SSP_FILE: (ssp_document, ssp.SystemSecurityPlan),
    PLAN_FILE: (plan_document, assessment_plan.AssessmentPlan),
    MAPPING_FILE: (mapping_document, mapping.MappingCollection),
}


def write_chain(data: ReportData, out_dir: Path) -> dict[str, Path]:
    """Validate and write every document of the chain except the results; name -> path."""
    paths = {}
    for name, (build, model) in CHAIN.items():
        validated = model.model_validate(build(data))
        path = out_dir / name
        path.write_text(
            validated.oscal_serialize_json(pretty=True, wrapped=True) + "\n", encoding="utf-8"
        )
        paths[name] = path
    return paths
