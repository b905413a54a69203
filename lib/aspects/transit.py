"""Encryption in transit: every resource that can refuse plain-text connections does.

Buckets, queues and topics need a resource policy that denies requests with
``aws:SecureTransport = false``; PostgreSQL/MySQL clusters need a parameter group that forces TLS
(``rds.force_ssl = 1`` / ``require_secure_transport = ON``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from core.resource_facts import FORCE_TLS_PARAMETERS, ParameterGroup, select
from lib.aspects.facts import ResourceFacts, StackFacts, as_list, blocks
from lib.aspects.model import Check, Finding, Level, Rule, Twin, fail, no_twin, not_applicable, ok


def policy_statements(policy: Any, stack: StackFacts) -> list[Mapping[str, Any]]:
    """Statements of a policy given as JSON text or as a data.aws_iam_policy_document."""
    document = stack.data_source(policy)
    if document is not None:
        return [_from_document_block(b) for b in blocks(document.get("statement"))]
    if not isinstance(policy, str):
        return []
    try:
        parsed = json.loads(policy)
    except ValueError:
        return []
    statements = parsed.get("Statement") if isinstance(parsed, Mapping) else None
    return [s for s in as_list(statements) if isinstance(s, Mapping)]


def _from_document_block(block: Mapping[str, Any]) -> Mapping[str, Any]:
    condition: dict[str, dict[str, Any]] = {}
    for cond in blocks(block.get("condition")):
        condition.setdefault(str(cond.get("test")), {})[str(cond.get("variable"))] = cond.get(
            "values"
        )
    return {
        "Effect": block.get("effect", "Allow"),
        "Action": block.get("actions"),
        "Condition": condition,
    }


# Actions whose denial covers the data plane (SNS data only moves through Publish).
DATA_PLANE_ACTIONS: dict[str, frozenset[str]] = {
    "s3": frozenset({"*", "s3:*"}),
    "sqs": frozenset({"*", "sqs:*"}),
    "sns": frozenset({"*", "sns:*", "sns:publish"}),
}


def denies_insecure_transport(statement: Mapping[str, Any], service: str) -> bool:
    """A Deny of the service's data-plane actions when aws:SecureTransport is false."""
    if statement.get("Effect") != "Deny":
        return False
    actions = {str(a).lower() for a in as_list(statement.get("Action"))}
    if not actions & DATA_PLANE_ACTIONS[service]:
        return False
    condition = statement.get("Condition")
    if not isinstance(condition, Mapping):
        return False
    for operator in ("Bool", "BoolIfExists"):
        test = condition.get(operator)
        if isinstance(test, Mapping):
            values = {str(v).lower() for v in as_list(test.get("aws:SecureTransport"))}
            if values == {"false"}:
                return True
    return False


def _tls_policy_rule(service: str, policy_type: str, attr: str, what: str) -> Check:
    def check(resource: ResourceFacts, stack: StackFacts) -> Finding:
        policies = [p.attrs.get("policy") for p in stack.referencing(policy_type, attr, resource)]
        policies.append(resource.attrs.get("policy"))
        for policy in policies:
            if any(denies_insecure_transport(s, service) for s in policy_statements(policy, stack)):
                return ok("the resource policy denies requests without TLS")
        return fail(
            f"no {policy_type} (or inline policy) denies {service}:* when "
            f"aws:SecureTransport is false; add that Deny statement to the {what} policy"
        )

    return check


PARAMETER_GROUPS: Mapping[str, ParameterGroup] = select(lambda row: row.parameter_group)


def database_forces_tls(resource: ResourceFacts, stack: StackFacts) -> Finding:
    engine = str(resource.get("engine") or "")
    required = FORCE_TLS_PARAMETERS.get(engine)
    if required is None:
        return fail(
            f"engine {engine!r} has no known TLS-forcing parameter; use one of "
            f"{', '.join(sorted(FORCE_TLS_PARAMETERS))}"
        )
    name, value = required
    attr = PARAMETER_GROUPS[resource.rtype].attr
    group = stack.resolve(resource.attrs.get(attr))
    if group is None:
        return fail(
            f"{attr} does not reference a parameter group of this stack; reference one "
            f"that sets {name} = {value}"
        )
    params = {str(p.get("name")): str(p.get("value")) for p in blocks(group.attrs.get("parameter"))}
    if params.get(name, "").upper() != value.upper():
        return fail(
            f"parameter group {group.address} sets {name} = {params.get(name)!r}; "
            f"set it to {value!r}"
        )
    return ok(f"{group.address} sets {name} = {value}")


def efs_volumes_use_tls(resource: ResourceFacts, _stack: StackFacts) -> Finding:
    volumes = resource.all("volume.efs_volume_configuration")
    if not volumes:
        return not_applicable("no EFS volumes")
    off = [v.get("file_system_id") for v in volumes if v.get("transit_encryption") != "ENABLED"]
    if off:
        return fail(f"EFS volumes {off} lack transit_encryption = ENABLED; set it")
    return ok("EFS volumes are mounted over TLS")


RULES: tuple[Rule, ...] = (
    Rule(
        "SFX-TLS-01",
        "S3 buckets refuse requests without TLS",
        Level.ERROR,
        frozenset({"aws_s3_bucket"}),
        _tls_policy_rule("s3", "aws_s3_bucket_policy", "bucket", "bucket"),
        twin=no_twin(
            "No check: the bucket policy is a separate resource (JSON text or a policy-document "
            "data source); only this rule joins the two and parses the Deny statement."
        ),
    ),
    Rule(
        "SFX-TLS-02",
        "SQS queues refuse requests without TLS",
        Level.ERROR,
        frozenset({"aws_sqs_queue"}),
        _tls_policy_rule("sqs", "aws_sqs_queue_policy", "queue_url", "queue"),
        twin=no_twin(
            "No check: the queue policy is a separate resource holding a JSON string; only this "
            "rule joins the two and parses the Deny statement."
        ),
    ),
    Rule(
        "SFX-TLS-03",
        "SNS topics refuse requests without TLS",
        Level.ERROR,
        frozenset({"aws_sns_topic"}),
        _tls_policy_rule("sns", "aws_sns_topic_policy", "arn", "topic"),
        twin=no_twin(
            "No check: the topic policy is a separate resource holding a JSON string; only this "
            "rule joins the two and parses the Deny statement."
        ),
    ),
    Rule(
        "SFX-TLS-04",
        "Databases force TLS through their parameter group",
        Level.ERROR,
        frozenset(PARAMETER_GROUPS),
        database_forces_tls,
        twin=Twin(
            "CKV_SFX_8",
            "Engine -> TLS parameter and the parameter-group attribute are one table; each twin "
            "follows the reference with its own reader (the check reports UNKNOWN where it "
            "cannot see the group, this rule fails).",
            ("core.resource_facts:FORCE_TLS_PARAMETERS", "core.resource_facts:select"),
        ),
    ),
    Rule(
        "SFX-TLS-05",
        "ECS tasks mount EFS volumes over TLS",
        Level.ERROR,
        frozenset({"aws_ecs_task_definition"}),
        efs_volumes_use_tls,
        twin=no_twin(
            "No check: the stack mounts no EFS volume; this rule guards the day one is added."
        ),
    ),
)
