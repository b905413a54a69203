"""The registry of check families: every check the collector runs, and what derives from them.

Each check is declared once, in its family's module beside the code that runs it
(``compliance.collect.model.Check``: id, catalog controls, what it proves, validity, the AWS reads
it makes, why a fresh environment cannot satisfy it yet). A family is registered here by one line
in ``FAMILIES``; the collector (``run``), the report, the catalog's check-id validation, the IAM
policy and the docs' tables read the checks from this registry alone
(``python -m compliance.collect.generate`` rewrites the generated files).

Validity is how long an observation may stand in for the present: a trail status or a task count
changes within the hour, a retention setting rarely. ``--validity CHECK=HOURS`` overrides it.
"""

from __future__ import annotations

from collections.abc import Sequence

from compliance.collect import (
    account,
    alerts,
    cis_monitoring,
    database,
    logs,
    network,
    secrets,
    trail,
    workers,
)
from compliance.collect.model import Check, DeclarationError, Family, Read

# The order is the order of the evidence file's items.
FAMILIES: tuple[Family, ...] = (
    trail.FAMILY,
    alerts.FAMILY,
    cis_monitoring.FAMILY,
    secrets.FAMILY,
    database.FAMILY,
    logs.FAMILY,
    network.FAMILY,
    workers.FAMILY,
    account.FAMILY,
)
# The collector's own read, before any check: the account the evidence is about (run.collect).
CALLER_IDENTITY = Read("sts:GetCallerIdentity")
COLLECTOR_READS: tuple[Read, ...] = (CALLER_IDENTITY,)

CIS_CHAIN = cis_monitoring.CIS_CHAIN
ALL_CHECKS: tuple[Check, ...] = tuple(c for family in FAMILIES for c in family.checks)
CHECKS_BY_ID = {c.id: c for c in ALL_CHECKS}
RUNTIME_CONTROLS = tuple(sorted({c for check in ALL_CHECKS for c in check.controls}))


def all_reads(checks: Sequence[Check] = ALL_CHECKS) -> tuple[Read, ...]:
    """Every read the collector makes (its own and each check's), each action once, sorted.

    An action declared twice with different resources is refused: IAM would grant it on both,
    and the two declarations could not both be what the action acts on."""
    by_action: dict[str, Read] = {}
    for read in (*COLLECTOR_READS, *(r for c in checks for r in c.reads)):
        seen = by_action.setdefault(read.action, read)
        if seen != read:
            raise DeclarationError(
                f"{read.action}: declared on {seen.resource!r} and on {read.resource!r}"
            )
    return tuple(by_action[a] for a in sorted(by_action))


def _registered_once() -> None:
    ids = [c.id for c in ALL_CHECKS]
    if dupes := sorted({i for i in ids if ids.count(i) > 1}):
        raise DeclarationError(f"check ids declared more than once: {dupes}")
    all_reads()


_registered_once()
