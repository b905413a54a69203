"""Exception governance at report time: waivers must be on file and must actually compensate.

- Every result an engine reports as waived (aspect WAIVED, gate SKIPPED/WAIVED) must match an
  entry of the exceptions file the report archives; otherwise the report refuses (a waiver
  nobody can find the review of).
- A waiver holds only if each of its compensating controls is a *different* control and is
  itself **satisfied** in this report. Otherwise the control it waives is "not satisfied",
  naming the waiver and why.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from compliance.assess import ControlAssessment, ControlStatus, EvidenceStatus
from core.exceptions import ExceptionSet
from core.results import Outcome, RuleResult


class GovernanceError(ValueError):
    """An engine applied a waiver the exceptions file does not hold (names rule and resource)."""


def reconcile_waivers(results: Iterable[RuleResult], exceptions: ExceptionSet) -> None:
    orphans = sorted(
        {
            (r.source.value, r.rule, r.resource)
            for r in results
            if r.outcome is Outcome.WAIVED and exceptions.find(r.rule, r.resource) is None
        }
    )
    if orphans:
        shown = "; ".join(f"{s}: {rule} on {res}" for s, rule, res in orphans[:5])
        raise GovernanceError(
            f"{len(orphans)} waiver(s) applied by an engine have no entry in "
            f"{exceptions.source or 'the exceptions file'}: {shown}"
        )


def _broken(a: ControlAssessment, status_of: dict[str, ControlStatus]) -> list[str]:
    """Why the waivers ``a`` relies on do not hold (empty: they hold)."""
    why: list[str] = []
    for evidence in a.evidence:
        if evidence.status is not EvidenceStatus.WAIVED:
            continue
        for waiver in evidence.waivers:
            where = f"waiver of {evidence.ref} on {waiver.resource}"
            if not waiver.compensating_controls:
                why.append(f"{where} names no compensating control")
            for cid in waiver.compensating_controls:
                if cid == a.control.id:
                    why.append(f"{where} names the control it waives ({cid}) as its compensation")
                elif status_of.get(cid) is not ControlStatus.SATISFIED:
                    shown = status_of[cid].value if cid in status_of else "not in this report"
                    why.append(f"{where}: compensating control {cid} is {shown}")
    return sorted(set(why))


def hold_waivers(assessments: Sequence[ControlAssessment]) -> tuple[ControlAssessment, ...]:
    """Waived controls whose waivers do not hold become "not satisfied" (statuses of the
    compensating controls as assessed, before this step: a waived control never compensates)."""
    status_of = {a.control.id: a.status for a in assessments}
    out = []
    for a in assessments:
        why = _broken(a, status_of) if a.status is ControlStatus.WAIVED else []
        if why:
            a = dataclasses.replace(
                a,
                status=ControlStatus.NOT_SATISFIED,
                reason=f"the waiver does not hold: {'; '.join(why)}",
            )
        out.append(a)
    return tuple(out)
