"""Creation-order rules over the synthesized graph: what must exist before AWS accepts a resource.

Terraform creates resources in parallel unless a reference or ``depends_on`` orders them. AWS checks
some permissions when a resource is *created*, not later, so a missing edge is a race that the
first apply can lose (issue 20: S3 refuses a logging configuration whose target bucket policy does
not yet grant ``logging.s3.amazonaws.com``; ECS starts tasks before their roles may pull the image;
RDS Enhanced Monitoring checks its role). Each rule is written once, over every resource:

- **ROLE**: a resource that hands an IAM role to a service (an attribute ``role``, ``role_arn``,
  ``*_role_arn`` or ``iam_role*`` at any depth) depends on every inline policy and policy attachment
  of that role, so the service never assumes a role that cannot yet do its job.
- **DELIVERY**: a resource that delivers into another (S3 access logging, CloudTrail, EventBridge
  targets and their dead-letter queues, SNS subscriptions) depends on the resource policy of its
  target (bucket, queue or topic policy), which is what grants the delivering service.
- **PLACEMENT**: a resource that launches tasks in subnets (a ``network_configuration`` with
  ``subnets``) depends on every VPC endpoint of the stack: the private subnets have no NAT, so a
  task started before its endpoints cannot pull its image, fetch secrets or write logs.

Dependencies are transitive (an ECS service that depends on its task definition, which depends on
the role's policies, is ordered). Light on purpose: no cdktf import, plain ``cdk.tf.json`` dicts.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from core.references import refs_in
from core.stackfile import STACK_FILE, StackFileError, read_stack_document

ROLE_ATTRIBUTE = re.compile(r"^(role|role_arn|iam_role|iam_role_arn|[a-z_]+_role_arn)$")
ROLE_POLICY_TYPES = frozenset({"aws_iam_role_policy", "aws_iam_role_policy_attachment"})

# A resource policy type -> the attribute naming the resource it governs.
RESOURCE_POLICY_SUBJECT = {
    "aws_s3_bucket_policy": "bucket",
    "aws_sqs_queue_policy": "queue_url",
    "aws_sns_topic_policy": "arn",
}
# A delivering resource type -> the attributes (dotted, through blocks) naming where it delivers.
DELIVERY_TARGETS = {
    "aws_s3_bucket_logging": ("target_bucket",),
    "aws_cloudtrail": ("s3_bucket_name",),
    "aws_cloudwatch_event_target": ("arn", "dead_letter_config.arn"),
    "aws_sns_topic_subscription": ("endpoint",),  # e.g. a queue whose policy lets SNS send
    "aws_scheduler_schedule": ("target.arn", "target.dead_letter_config.arn"),
}


@dataclass(frozen=True)
class OrderViolation:
    rule: str
    resource: str
    missing: str
    why: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.resource} must depend on {self.missing}: {self.why}"


class StackGraph:
    """Resources of one ``cdk.tf.json`` and what each depends on (references and ``depends_on``)."""

    def __init__(self, data: Mapping[str, Any]):
        raw = data.get("resource") or {}
        self.bodies: dict[str, Mapping[str, Any]] = {
            f"{rtype}.{name}": body
            for rtype, items in raw.items()
            if isinstance(items, Mapping)
            for name, body in items.items()
            if isinstance(body, Mapping)
        }
        self.direct: dict[str, frozenset[str]] = {
            address: frozenset(self._edges(body)) for address, body in self.bodies.items()
        }

    def _edges(self, body: Mapping[str, Any]) -> Iterator[str]:
        for entry in body.get("depends_on") or []:
            if isinstance(entry, str) and entry in self.bodies:
                yield entry
        yield from (ref for ref in references(body) if ref in self.bodies)

    def depends_on(self, address: str) -> frozenset[str]:
        """Everything ``address`` waits for, transitively."""
        return self._closure(address)

    @cache  # noqa: B019 (one graph per stack file; it lives as long as the check)
    def _closure(self, address: str) -> frozenset[str]:
        seen: set[str] = set()
        stack = list(self.direct.get(address, ()))
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(self.direct.get(node, ()))
        return frozenset(seen)

    def of_type(self, rtype: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
        prefix = rtype + "."
        return ((a, b) for a, b in self.bodies.items() if a.startswith(prefix))


def references(value: Any) -> list[str]:
    """Addresses (``type.name``) of the managed resources a value references."""
    return [ref.address for ref in refs_in(value) if not ref.data]


def _items(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted key, value) for every attribute at any depth, through blocks and lists."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            dotted = f"{path}.{key}" if path else key
            yield dotted, item
            yield from _items(item, dotted)
    elif isinstance(value, list):
        for item in value:
            yield from _items(item, path)


def _role_rule(graph: StackGraph) -> Iterator[OrderViolation]:
    policies_of: dict[str, list[str]] = {}
    for rtype in ROLE_POLICY_TYPES:
        for address, body in graph.of_type(rtype):
            for role in references(body.get("role")):
                policies_of.setdefault(role, []).append(address)
    for address, body in graph.bodies.items():
        if address.startswith("aws_iam_"):
            continue
        handed = {
            role
            for key, value in _items(body)
            if ROLE_ATTRIBUTE.match(key.rsplit(".", 1)[-1])
            for role in references(value)
            if role.startswith("aws_iam_role.")
        }
        for role in sorted(handed):
            for policy in sorted(set(policies_of.get(role, [])) - graph.depends_on(address)):
                yield OrderViolation(
                    "ROLE",
                    address,
                    policy,
                    f"it hands {role} to a service, which may act before the role may",
                )


def _delivery_rule(graph: StackGraph) -> Iterator[OrderViolation]:
    policies_for: dict[str, list[str]] = {}
    for rtype, subject in RESOURCE_POLICY_SUBJECT.items():
        for address, body in graph.of_type(rtype):
            for target in references(body.get(subject)):
                policies_for.setdefault(target, []).append(address)
    for rtype, paths in DELIVERY_TARGETS.items():
        for address, body in graph.of_type(rtype):
            targets = {
                target
                for key, value in _items(body)
                if key in paths
                for target in references(value)
            }
            for target in sorted(targets):
                needed = set(policies_for.get(target, [])) - graph.depends_on(address)
                for policy in sorted(needed):
                    yield OrderViolation(
                        "DELIVERY",
                        address,
                        policy,
                        f"it delivers into {target}, whose policy grants the delivering service",
                    )


def _placement_rule(graph: StackGraph) -> Iterator[OrderViolation]:
    endpoints = {address for address, _ in graph.of_type("aws_vpc_endpoint")}
    for address, body in graph.bodies.items():
        launches = any(
            key.rsplit(".", 1)[-1] == "network_configuration"
            and any("subnets" in block for block in _as_blocks(value))
            for key, value in _items(body)
        )
        if not launches:
            continue
        for endpoint in sorted(endpoints - graph.depends_on(address)):
            yield OrderViolation(
                "PLACEMENT",
                address,
                endpoint,
                "it starts tasks in private subnets without NAT, which reach AWS only through "
                "the endpoints",
            )


def _as_blocks(value: Any) -> list[Mapping[str, Any]]:
    if isinstance(value, Mapping):
        return [value]
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def ordering_violations(data: Mapping[str, Any]) -> list[OrderViolation]:
    """Every missing creation-order edge in a synthesized stack (empty: the graph is safe)."""
    graph = StackGraph(data)
    return [*_role_rule(graph), *_delivery_rule(graph), *_placement_rule(graph)]


def main(argv: list[str] | None = None) -> int:
    """``python -m policies.ordering <stack-dir | cdk.tf.json>``: exit 1 listing each missing edge."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m policies.ordering <stack-dir | cdk.tf.json>", file=sys.stderr)
        return 2
    path = Path(args[0])
    path = path / STACK_FILE if path.is_dir() else path
    try:
        found = ordering_violations(read_stack_document(path))
    except StackFileError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for violation in found:
        print(violation)
    print(f"creation order: {len(found)} missing edge(s) in {path}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
