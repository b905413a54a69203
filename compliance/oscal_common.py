"""Pieces every OSCAL document of the report shares: our namespace, props, UUIDs, metadata.

Props OSCAL does not define carry our own ``ns`` (OSCAL: "props not defined by OSCAL need an
ns"); stable things (controls, inventory items, engines, parties) get UUIDv5 from their name, so
the same resource has the same UUID in every run, while per-run things (results, observations,
findings, risks) are derived from a random run id (unique per run).
"""

from __future__ import annotations

import uuid
from typing import Any

from trestle.oscal import OSCAL_VERSION

Doc = dict[str, Any]

NS = "https://streamflix.example.com/ns/oscal"
_NAMESPACE = uuid.UUID("6f1c1c52-8d0e-5a63-9b0f-51f2e5c0a7d1")

# The files of the chain, all in the report folder: results -> plan -> SSP -> profile -> catalog.
CATALOG_FILE = "oscal-catalog.json"
PROFILE_FILE = "oscal-profile.json"
SSP_FILE = "oscal-ssp.json"
PLAN_FILE = "oscal-assessment-plan.json"
RESULTS_FILE = "oscal-assessment-results.json"
MAPPING_FILE = "oscal-mapping.json"
OSCAL_FILES = (CATALOG_FILE, PROFILE_FILE, SSP_FILE, PLAN_FILE, RESULTS_FILE, MAPPING_FILE)

# Engines of the report: assessment assets of the plan and results, not system components.
ENGINES: dict[str, str] = {
    "aspects": "CDKTF compliance Aspects (lib/aspects)",
    "checkov gate": "Checkov policy gate (policies/gate.py)",
    "pytest": "pytest test suite (tests/)",
    "report": "compliance report reading the synthesized Terraform JSON (compliance/report.py)",
}


def stable_uuid(*parts: str) -> str:
    """The same UUID for the same thing in every run (controls, resources, engines, parties)."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def run_uuid(run_id: str, *parts: str) -> str:
    """A UUID unique to one run (observations, findings, risks), stable within it."""
    return str(uuid.uuid5(uuid.UUID(run_id), "/".join(parts)))


def prop(name: str, value: str, ns: str | None = NS) -> Doc:
    """A prop; ``ns=None`` only for names OSCAL itself defines (asset-id, asset-type, ...)."""
    out: Doc = {"name": name, "value": value.strip() or "none"}
    if ns is not None:
        out["ns"] = ns
    return out


def metadata(title: str, when: str, version: str, props: list[Doc] | None = None) -> Doc:
    out: Doc = {
        "title": title,
        "last-modified": when,
        "version": version,
        "oscal-version": OSCAL_VERSION,
    }
    if props:
        out["props"] = props
    return out


def engine_assets() -> Doc:
    """The engines as assessment-assets: components plus the platform that uses them."""
    components = [
        {
            "uuid": stable_uuid("engine", name),
            "type": "software",
            "title": title,
            "description": f"Evidence engine: {title}",
            "status": {"state": "operational"},
        }
        for name, title in ENGINES.items()
    ]
    return {
        "components": components,
        "assessment-platforms": [
            {
                "uuid": stable_uuid("platform", "streamflix-ci"),
                "title": "StreamFlix CI job (python -m compliance.report)",
                "uses-components": [{"component-uuid": c["uuid"]} for c in components],
            }
        ],
    }
