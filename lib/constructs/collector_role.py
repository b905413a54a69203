"""The optional read-only role of the runtime evidence collector (``python -m compliance.collect``).

Only when ``STREAMFLIX_COLLECTOR_PRINCIPAL_ARN`` names a principal (for example the CI job's OIDC
role): ``streamflix-collector-<suffix>``, assumable by that principal alone, with exactly the
actions of ``compliance/collector-policy.json``, so a scheduled job can read status and never
change it. That file is generated from the checks' declared reads (``python -m
compliance.collect.generate``; tests/compliance/collect/test_check_wiring.py fails when it is
stale or when a check calls an action it does not declare). It is read as data, not imported, so
that ``lib`` does not depend on the collector's code.
"""

from __future__ import annotations

import json
from pathlib import Path

from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from constructs import Construct

from lib.context import StackContext
from lib.iam import Statement, policy_document, trust_policy

POLICY_FILE = Path(__file__).resolve().parents[2] / "compliance" / "collector-policy.json"
# Only the actions IAM cannot limit to a resource are granted on "*" (each check declares so); the
# others name the stack's resources by their name patterns (checked against CKV_AWS_355).
WILDCARD_REASON = "these read actions take no resource ARN in IAM: "


def _as_tuple(value: str | list[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def collector_statements(path: Path = POLICY_FILE) -> tuple[Statement, ...]:
    """The shipped policy file as typed statements (validated by ``lib.iam.Statement``)."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    return tuple(
        Statement(
            sid=s["Sid"],
            actions=tuple(s["Action"]),
            resources=_as_tuple(s["Resource"]),
            wildcard_reason=WILDCARD_REASON + ", ".join(s["Action"]),
        )
        for s in doc["Statement"]
    )


def principal_trust(principal_arn: str) -> str:
    """Only the named principal (e.g. a CI OIDC role) may assume the collector role."""
    return trust_policy({"AWS": principal_arn})


class CollectorRole(Construct):
    """``streamflix-collector-<suffix>``: a read-only role for ``python -m compliance.collect``,
    assumable by one principal, with exactly the actions of compliance/collector-policy.json.

    Inputs: ``ctx`` (names) and ``principal_arn`` (``STREAMFLIX_COLLECTOR_PRINCIPAL_ARN``).
    """

    role: IamRole
    """The role."""

    def __init__(self, scope: Construct, id_: str, ctx: StackContext, principal_arn: str):
        super().__init__(scope, id_)
        self.role = IamRole(
            self,
            "role",
            name=ctx.namer.name("collector"),
            description="Runtime evidence collector: read-only status calls (compliance.collect)",
            assume_role_policy=principal_trust(principal_arn),
        )
        IamRolePolicy(
            self,
            "policy",
            role=self.role.id,
            name=ctx.namer.name("collector-policy"),
            policy=policy_document(collector_statements()),
        )
