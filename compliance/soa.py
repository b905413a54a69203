"""The statement of applicability: every reference we may cite, with a status and a justification.

The universe is ``references.yaml`` (every CIS AWS Foundations v3.0 recommendation, every NIS2
Art. 21(2) point, and the GDPR/DSA/AVMSD/DSM articles the catalog touches). A reference is
*in scope* when a catalog control implements or supports it, a *gap* when only "gap" mappings
(or a declaration in ``soa.yaml``) name it, and *not applicable* / *inherited from AWS* only by a
declaration with a justification. A reference that nothing decides is an error, so the statement
cannot silently leave one out; and "uncovered" is every gap reference (one that applies and that
no control implements or supports).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from compliance.catalog import REFERENCE_TITLES, Catalog, Regulation, Relationship

DEFAULT_PATH = Path(__file__).with_name("soa.yaml")
SOA_JSON, SOA_CSV = "soa.json", "soa.csv"
CSV_COLUMNS = ("regulation", "ref", "title", "applicability", "justification", "controls")
MIN_JUSTIFICATION_LEN = 20


class SoaError(ValueError):
    """soa.yaml is malformed or contradicts the catalog (message names the entry)."""


class Applicability(StrEnum):
    IN_SCOPE = "in scope"
    NOT_APPLICABLE = "not applicable"
    INHERITED = "inherited from AWS"
    GAP = "gap"


_DECLARED = {
    "in-scope": Applicability.IN_SCOPE,
    "not-applicable": Applicability.NOT_APPLICABLE,
    "inherited": Applicability.INHERITED,
    "gap": Applicability.GAP,
}


@dataclass(frozen=True)
class Declaration:
    regulation: Regulation
    ref: str
    applicability: Applicability
    justification: str


@dataclass(frozen=True)
class SoaRow:
    regulation: Regulation
    ref: str
    title: str
    applicability: Applicability
    justification: str
    controls: tuple[str, ...]  # "<control id> (<relationship>)", every mapping to this reference

    def to_json(self) -> dict[str, Any]:
        return {
            "regulation": self.regulation.value,
            "ref": self.ref,
            "title": self.title,
            "applicability": self.applicability.value,
            "justification": self.justification,
            "controls": list(self.controls),
        }


def parse_declarations(
    data: Any, source: str = "soa.yaml"
) -> dict[tuple[Regulation, str], Declaration]:
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise SoaError(f"{source}: must be a mapping with a list under 'entries'")
    out: dict[tuple[Regulation, str], Declaration] = {}
    for index, entry in enumerate(data["entries"]):
        where = f"{source}: entries[{index}]"
        if not isinstance(entry, dict) or set(entry) != {
            "regulation",
            "ref",
            "applicability",
            "justification",
        }:
            raise SoaError(f"{where}: needs exactly regulation, ref, applicability, justification")
        try:
            reg = Regulation(entry["regulation"])
        except ValueError:
            raise SoaError(f"{where}.regulation: {entry['regulation']!r} is unknown") from None
        ref = str(entry["ref"])
        if ref not in REFERENCE_TITLES[reg]:
            raise SoaError(f"{where}.ref: {reg.value} {ref} is not in references.yaml")
        if entry["applicability"] not in _DECLARED:
            raise SoaError(
                f"{where}.applicability ({reg.value} {ref}): must be one of {', '.join(_DECLARED)}"
            )
        justification = str(entry["justification"] or "").strip()
        if len(justification) < MIN_JUSTIFICATION_LEN:
            raise SoaError(
                f"{where}.justification ({reg.value} {ref}): at least {MIN_JUSTIFICATION_LEN} "
                "characters that say why"
            )
        if (reg, ref) in out:
            raise SoaError(f"{where}: {reg.value} {ref} is declared twice")
        out[(reg, ref)] = Declaration(reg, ref, _DECLARED[entry["applicability"]], justification)
    return out


def load_declarations(path: Path = DEFAULT_PATH) -> dict[tuple[Regulation, str], Declaration]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, yaml.YAMLError) as err:
        raise SoaError(f"{path.name}: cannot read: {err}") from None
    return parse_declarations(data, source=path.name)


def _mappings(
    catalog: Catalog,
) -> dict[tuple[Regulation, str], list[tuple[str, Relationship, str]]]:
    out: dict[tuple[Regulation, str], list[tuple[str, Relationship, str]]] = {}
    for control in catalog.controls:
        for r in control.requirements:
            out.setdefault((r.regulation, r.ref), []).append(
                (control.id, r.relationship, r.rationale)
            )
    return out


def _derive(
    key: tuple[Regulation, str],
    mapped: list[tuple[str, Relationship, str]],
    declared: Declaration | None,
) -> tuple[Applicability, str]:
    label = f"{key[0].value} {key[1]}"
    covering = [m for m in mapped if m[1] is not Relationship.GAP]
    gaps = [m for m in mapped if m[1] is Relationship.GAP]
    if declared is not None:
        if declared.applicability in (Applicability.NOT_APPLICABLE, Applicability.INHERITED) and (
            covering
        ):
            raise SoaError(
                f"soa.yaml: {label} is declared {declared.applicability.value}, but "
                f"{', '.join(m[0] for m in covering)} claim it"
            )
        if declared.applicability is Applicability.IN_SCOPE and not covering:
            raise SoaError(f"soa.yaml: {label} is declared in scope, but no control claims it")
        return declared.applicability, declared.justification
    if covering:
        parts = [f"{cid} {rel.value}: {why}" for cid, rel, why in covering]
        parts += [f"{cid} gap: {why}" for cid, _, why in gaps]
        return Applicability.IN_SCOPE, "; ".join(parts)
    if gaps:
        return Applicability.GAP, "; ".join(f"{cid}: {why}" for cid, _, why in gaps)
    raise SoaError(
        f"{label}: no control maps it and soa.yaml does not declare it; the statement of "
        "applicability must decide every reference"
    )


def build_soa(
    catalog: Catalog, declarations: dict[tuple[Regulation, str], Declaration]
) -> tuple[SoaRow, ...]:
    """One row per reference of references.yaml, in legal order."""
    mappings = _mappings(catalog)
    rows = []
    for reg, titles in REFERENCE_TITLES.items():
        for ref, title in titles.items():
            mapped = mappings.get((reg, ref), [])
            applicability, why = _derive((reg, ref), mapped, declarations.get((reg, ref)))
            controls = tuple(f"{cid} ({rel.value})" for cid, rel, _ in mapped)
            rows.append(SoaRow(reg, ref, title, applicability, why, controls))
    return tuple(rows)


def uncovered(rows: tuple[SoaRow, ...]) -> dict[str, list[str]]:
    """Regulation -> references that apply and that no control implements or supports."""
    out: dict[str, list[str]] = {}
    for row in rows:
        if row.applicability is Applicability.GAP:
            out.setdefault(row.regulation.value, []).append(row.ref)
    return out


def write_soa(rows: tuple[SoaRow, ...], out_dir: Path) -> dict[str, Path]:
    """soa.json and soa.csv in the report folder."""
    json_path, csv_path = out_dir / SOA_JSON, out_dir / SOA_CSV
    json_path.write_text(json.dumps([r.to_json() for r in rows], indent=2) + "\n", encoding="utf-8")
    with csv_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for r in rows:
            writer.writerow(
                (
                    r.regulation.value,
                    r.ref,
                    r.title,
                    r.applicability.value,
                    r.justification,
                    "; ".join(r.controls),
                )
            )
    return {SOA_JSON: json_path, SOA_CSV: csv_path}
