"""The front page an auditor reads first: scope, period, assessor, conclusion, how to verify.

One ``FrontPage`` shape for both reports: the design-time report builds it from its
``ReportData`` (``design_front``); the period report (compliance.period.report) builds it from
the evidence store. ``markdown()`` is the text both Markdown reports open with; the HTML report
renders the same object (templates/_front.html.j2), so PDF, HTML and Markdown say the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from compliance.assess import ControlStatus
from compliance.attested import VERIFY_COMMAND
from compliance.catalog import ControlKind
from compliance.inventory import InventoryRow
from compliance.manifest import MANIFEST_FILE
from compliance.reportdata import ReportData
from compliance.soa import Applicability

ACCOUNT_UNKNOWN = (
    "not named by the synthesized stack (Terraform takes it from the deploying credentials at "
    "apply time); no runtime evidence was given"
)
VERIFY_CHECKS = (
    "every file of the report (reports, OSCAL, statement of applicability, PDF, the annexes) "
    "carries a DSSE signature by a key compliance/trust.yaml allows for its engine",
    f"every file {MANIFEST_FILE} lists (the raw evidence in evidence/ and the CSV annexes) is "
    "present with its SHA-256 and size, and nothing unlisted is in evidence/ or annexes/",
    "the figures follow from the evidence: report.json's rule results are the signed engines' "
    "records, its summary counts its control statuses, and each annex holds exactly the rows "
    "report.json shows",
)


@dataclass(frozen=True)
class Component:
    """A top-level construct of the stack and what Terraform creates under it."""

    name: str
    resources: int
    types: tuple[str, ...]

    @property
    def services(self) -> tuple[str, ...]:
        """The AWS services of its types (``aws_s3_bucket_policy`` -> ``s3``), for one line."""
        return tuple(dict.fromkeys(t.removeprefix("aws_").split("_")[0] for t in self.types))


@dataclass(frozen=True)
class FrontPage:
    title: str
    marks: tuple[str, ...]
    boundary: str
    account: str
    region: str
    in_scope: tuple[str, ...]  # one line per component (or control) in scope
    out_of_scope: tuple[str, ...]
    period: str
    assessed_by: tuple[str, ...]
    conclusion: str
    verify: tuple[str, ...]
    components: tuple[Component, ...] = ()

    def markdown(self, marks_line: bool = True) -> list[str]:
        """The front page as Markdown bullets (both reports open with these); ``marks_line``
        False when the report prints its marks with their explanation itself."""
        marks = f"**{' · '.join(self.marks)}**" if self.marks and marks_line else ""
        return [
            *([marks, ""] if marks else []),
            f"- **Scope:** {self.boundary}; account {self.account}; region {self.region}",
            *(f"  - in scope: {line}" for line in self.in_scope),
            *(f"  - out of scope: {line}" for line in self.out_of_scope),
            f"- **Period:** {self.period}",
            "- **Assessed by:** " + "; ".join(self.assessed_by),
            f"- **Conclusion:** {self.conclusion}",
            "- **How to verify:** " + "; ".join(self.verify),
        ]


def components(rows: tuple[InventoryRow, ...]) -> tuple[Component, ...]:
    """The stack's top-level constructs (first segment of each resource's construct path)."""
    by_name: dict[str, list[InventoryRow]] = {}
    for row in rows:
        by_name.setdefault(row.construct_path.split("/", 1)[0] or "(stack)", []).append(row)
    return tuple(
        Component(name, len(items), tuple(sorted({r.rtype for r in items})))
        for name, items in sorted(by_name.items())
    )


def conclusion(data: ReportData) -> str:
    """The overall verdict, from the same counts as the summary and the exit code."""
    counts = data.counts()
    tally = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    not_run = data.design_not_run()
    failed = [a.control.id for a in data.assessments if a.status is ControlStatus.NOT_SATISFIED]
    if not_run:
        verdict = (
            f"INCOMPLETE: {len(not_run)} design-time control(s) have evidence not run, so no "
            f"opinion is given on them ({', '.join(not_run)})"
        )
        if failed:
            verdict += f"; {len(failed)} control(s) not satisfied ({', '.join(failed)})"
    elif failed:
        verdict = f"EXCEPTIONS: {len(failed)} control(s) not satisfied ({', '.join(failed)})"
    else:
        verdict = "no control failed its evidence"
    return f"{verdict}. Of {len(data.assessments)} controls: {tally}."


def _assessed_by(data: ReportData) -> tuple[str, ...]:
    keys: dict[str, set[str]] = {}
    if data.attestations is not None:
        for v in data.attestations.verified:
            label = f"{v.key.name}{' (DEVELOPMENT key)' if v.development else ''}"
            keys.setdefault(v.engine, set()).add(label)
    engines = []
    for e in data.engines:
        state = f"ran at {e.ran_at}" if e.ran and e.ran_at else "ran" if e.ran else "did NOT run"
        signed = f", signed by {', '.join(sorted(keys[e.name]))}" if e.name in keys else ""
        engines.append(f"{e.name} {state}{signed}")
    return (
        f"automated: python -m compliance.report at commit {data.run.commit[:12]} with catalog "
        f"version {data.catalog.version}; no person reviewed it until the sign-off page is signed",
        "evidence engines: " + "; ".join(engines),
        f"this report's files are signed (engine report) by {data.report_signer}"
        if data.report_signer
        else "this report's files are NOT signed (no signing key configured)",
    )


def _period(data: ReportData) -> str:
    if data.period_text:
        return data.period_text
    when = data.run.generated_at.isoformat()
    text = (
        f"a point in time, not a period: the design of commit {data.run.commit[:12]} as "
        f"synthesized and judged at {when} (UTC). It shows that controls are designed in, not "
        "that they operated over time (python -m compliance.report --period gives that)"
    )
    if data.runtime is not None:
        text += (
            f"; runtime evidence observed the account once, at "
            f"{data.runtime.evidence.collected_at.isoformat()}"
        )
    return text


def _out_of_scope(data: ReportData) -> tuple[str, ...]:
    inherited = sum(1 for r in data.soa if r.applicability is Applicability.INHERITED)
    manual = sum(1 for a in data.assessments if a.status is ControlStatus.MANUAL)
    runtime = sum(1 for a in data.assessments if a.control.kind is ControlKind.RUNTIME)
    shared = (
        f" ({inherited} reference(s) of the statement of applicability inherited from AWS)"
        if inherited
        else " (the shared responsibility model)"
    )
    return (
        f"AWS's own infrastructure below the service APIs{shared}",
        "account baselines the stack does not deploy (AWS Config recorder, Security Hub): "
        f"observed at runtime only, like the other {runtime} runtime control(s)",
        "the code inside the worker and collector images, the Terraform state backend, the CI "
        "system and other AWS regions",
        f"people and processes: {manual} control(s) are manual, reviewed by people and never "
        "satisfied by this report",
    )


def design_front(data: ReportData) -> FrontPage:
    parts = components(data.inventory)
    artifact = f" (cdk.tf.json sha256 {data.artifact.sha256[:16]}…)" if data.artifact else ""
    account = data.runtime.evidence.account_id if data.runtime is not None else ACCOUNT_UNKNOWN
    manifest = (
        f"{MANIFEST_FILE} (sha256 {data.manifest.sha256[:16]}…, in full under provenance) names "
        "every evidence file and annex with its SHA-256"
        if data.manifest
        else f"{MANIFEST_FILE} names every evidence file and annex"
    )
    return FrontPage(
        title=f"StreamFlix compliance report: {data.run.stack_name}",
        marks=data.marks,
        boundary=(
            f"the resources Terraform creates from the synthesized stack {data.run.stack_name}"
            f"{artifact}: {len(data.inventory)} resources in {len(parts)} components, "
            f"environment suffix {data.run.environment_suffix}"
        ),
        account=account,
        region=data.run.region,
        in_scope=tuple(
            f"{c.name}: {c.resources} resource(s) ({', '.join(c.services)})" for c in parts
        ),
        out_of_scope=_out_of_scope(data),
        period=_period(data),
        assessed_by=_assessed_by(data),
        conclusion=conclusion(data),
        verify=(
            f"{VERIFY_COMMAND.replace('REPORT_DIR', '<this folder>')} (add --strict to refuse "
            "development keys), offline, from the commit above",
            *(f"it checks that {check}" for check in VERIFY_CHECKS),
            manifest,
        ),
        components=parts,
    )
