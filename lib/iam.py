"""Typed IAM policy statements rendered to JSON, so every policy in the stack is reviewable data.

A ``Statement`` refuses an empty action or resource list, and refuses a ``*`` resource unless it
says why (``wildcard_reason``): AWS allows nothing narrower for a few actions (e.g.
``ecr:GetAuthorizationToken``, ``cloudwatch:PutMetricData``), and each such case must be justified
in code, where a reviewer sees it next to the grant.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

POLICY_VERSION = "2012-10-17"
_SID = re.compile(r"^[A-Za-z0-9]+$")
_ACTION = re.compile(r"^([a-z0-9-]+:[A-Za-z0-9*]+|\*)$")


class PolicyError(ValueError):
    """A statement that IAM would reject or that breaks our least-privilege rules."""


@dataclass(frozen=True)
class Statement:
    """One IAM statement; ``principal`` only for resource (bucket, queue, topic) policies."""

    sid: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    effect: str = "Allow"
    condition: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    principal: Mapping[str, Any] | str | None = None
    wildcard_reason: str = ""

    def __post_init__(self) -> None:
        if not _SID.match(self.sid):
            raise PolicyError(f"sid={self.sid!r}: must be alphanumeric (IAM Sid rule)")
        if self.effect not in ("Allow", "Deny"):
            raise PolicyError(f"{self.sid}.effect={self.effect!r}: must be Allow or Deny")
        if not self.actions:
            raise PolicyError(f"{self.sid}.actions: must not be empty")
        bad = [a for a in self.actions if not _ACTION.match(a)]
        if bad:
            raise PolicyError(f"{self.sid}.actions: not service:Action form: {bad}")
        if self.effect == "Allow" and "*" in self.actions:
            raise PolicyError(f"{self.sid}.actions: Allow of every action ('*') is never allowed")
        if not self.resources:
            raise PolicyError(f"{self.sid}.resources: must not be empty")
        if "*" in self.resources and self.effect == "Allow" and len(self.wildcard_reason) < 10:
            raise PolicyError(
                f"{self.sid}.resources: '*' needs a wildcard_reason (>= 10 characters) saying "
                "why AWS allows nothing narrower"
            )

    def render(self) -> dict[str, Any]:
        out: dict[str, Any] = {"Sid": self.sid, "Effect": self.effect}
        if self.principal is not None:
            out["Principal"] = self.principal
        out["Action"] = list(self.actions)
        out["Resource"] = list(self.resources)
        if self.condition:
            out["Condition"] = {op: dict(kv) for op, kv in self.condition.items()}
        return out


def policy_document(statements: Iterable[Statement]) -> str:
    """The JSON policy document of ``statements`` (Sids must be unique)."""
    rendered = [s.render() for s in statements]
    sids = [r["Sid"] for r in rendered]
    duplicates = sorted({s for s in sids if sids.count(s) > 1})
    if duplicates:
        raise PolicyError(f"Sid: duplicated in one document: {duplicates}")
    if not rendered:
        raise PolicyError("Statement: a policy document needs at least one statement")
    return json.dumps({"Version": POLICY_VERSION, "Statement": rendered})


def tls_only(sid: str, actions: tuple[str, ...], resources: tuple[str, ...]) -> Statement:
    """Deny every request to ``resources`` that does not use TLS (resource policies)."""
    return Statement(
        sid=sid,
        effect="Deny",
        principal="*",
        actions=actions,
        resources=resources,
        condition={"Bool": {"aws:SecureTransport": "false"}},
    )


def unconditioned_service_trust(service: str, reason: str) -> str:
    """Trust policy for a service whose documentation gives the trust without source conditions
    (a condition on a key the service does not send denies every assumption); ``reason`` (>= 10
    characters) says why, where a reviewer sees it."""
    if len(reason) < 10:
        raise PolicyError(f"{service}: an unconditioned trust needs a reason (>= 10 characters)")
    return trust_policy({"Service": service})


def service_trust(service: str, account_id: str, source_arn: str | None = None) -> str:
    """Trust policy for one AWS service principal, fenced to this account (confused deputy)."""
    condition: dict[str, dict[str, Any]] = {"StringEquals": {"aws:SourceAccount": account_id}}
    if source_arn is not None:
        condition["ArnLike"] = {"aws:SourceArn": source_arn}
    return trust_policy({"Service": service}, condition)


def trust_policy(
    principal: dict[str, str], condition: dict[str, dict[str, Any]] | None = None
) -> str:
    """A role trust policy: one statement letting ``principal`` call sts:AssumeRole."""
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": "sts:AssumeRole",
    }
    if condition is not None:
        statement["Condition"] = condition
    return json.dumps({"Version": POLICY_VERSION, "Statement": [statement]})
