"""Log retention: every CloudWatch log group keeps its logs exactly 90 days.

SFX-LOG-02 closes the gap a per-resource rule cannot see: services (RDS log exports, ECS
Container Insights, Lambda) create their own log group, unencrypted and never expiring, unless
the stack created it first.

90 days is our documented storage-limitation decision (GDPR Art. 5(1)(e)), not a legal number:
shorter loses incident evidence, longer keeps personal data we do not need. A missing retention
(CloudWatch's default is "never expire") has one safe fix, 90; any other value is a decision
someone made, so it fails and must be changed or waived.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.policy_numbers import POLICY
from lib.aspects.facts import ResourceFacts, StackFacts, as_list, blocks, whole_ref
from lib.aspects.model import Finding, Fix, Level, Rule, Twin, fail, no_twin, not_applicable, ok

LOG_RETENTION_DAYS = POLICY.log_retention_days  # re-exported name; the number is in core


def log_group_retention(resource: ResourceFacts, _stack: StackFacts) -> Finding:
    days = resource.get("retention_in_days")
    if isinstance(days, str) and days.isdigit():
        days = int(days)
    if days is None:
        return fail(
            "retention_in_days is not set (logs would never expire)",
            Fix(
                "retention_in_days",
                LOG_RETENTION_DAYS,
                f"set retention_in_days to {LOG_RETENTION_DAYS}",
            ),
        )
    if days != LOG_RETENTION_DAYS:
        return fail(
            f"retention_in_days is {days}; set it to {LOG_RETENTION_DAYS} "
            f"(log groups keep exactly {LOG_RETENTION_DAYS} days)"
        )
    return ok(f"retention_in_days is {LOG_RETENTION_DAYS}")


@dataclass(frozen=True)
class ImplicitLogs:
    """A service that writes into a log group it creates itself unless one already exists
    (unencrypted, never expiring): ``groups`` gives the names it will use."""

    name_attr: str  # the attribute the group name is built from (must be a literal)
    groups: Callable[[ResourceFacts, str], list[str]]


def _exports(prefix: str) -> Callable[[ResourceFacts, str], list[str]]:
    return lambda r, name: [
        f"{prefix}/{name}/{kind}" for kind in as_list(r.get("enabled_cloudwatch_logs_exports"))
    ]


def _container_insights(r: ResourceFacts, name: str) -> list[str]:
    on = any(
        s.get("name") == "containerInsights" and s.get("value") in ("enabled", "enhanced")
        for s in blocks(r.attrs.get("setting"))
    )
    return [f"/aws/ecs/containerinsights/{name}/performance"] if on else []


def _lambda(r: ResourceFacts, name: str) -> list[str]:
    custom = r.get("logging_config.log_group")
    return [] if custom else [f"/aws/lambda/{name}"]


IMPLICIT_LOG_GROUPS: dict[str, ImplicitLogs] = {
    "aws_rds_cluster": ImplicitLogs("cluster_identifier", _exports("/aws/rds/cluster")),
    "aws_db_instance": ImplicitLogs("identifier", _exports("/aws/rds/instance")),
    "aws_ecs_cluster": ImplicitLogs("name", _container_insights),
    "aws_lambda_function": ImplicitLogs("function_name", _lambda),
}


def implicit_log_groups_precreated(resource: ResourceFacts, stack: StackFacts) -> Finding:
    spec = IMPLICIT_LOG_GROUPS[resource.rtype]
    name = resource.get(spec.name_attr)
    if not isinstance(name, str) or whole_ref(name) is not None or "${" in name:
        probe = spec.groups(resource, "<name>")
        if not probe:
            return not_applicable("writes no logs of its own")
        return fail(
            f"{spec.name_attr} is not a literal, so its log group {probe[0]} cannot be "
            f"created in advance; set {spec.name_attr}"
        )
    wanted = spec.groups(resource, name)
    if not wanted:
        return not_applicable("writes no logs of its own")
    groups = {g.get("name"): g for g in stack.of_type("aws_cloudwatch_log_group")}
    missing = [n for n in wanted if n not in groups]
    if missing:
        return fail(
            f"writes logs to {', '.join(missing)}, which this stack does not create (AWS "
            "would create it unencrypted and never expiring); create it with "
            "lib.constructs.logs.encrypted_log_group and add it to depends_on"
        )
    depends = {str(d) for d in as_list(resource.attrs.get("depends_on"))}
    late = [groups[n].address for n in wanted if groups[n].address not in depends]
    if late:
        return fail(
            f"does not depend on {', '.join(late)}; add it to depends_on so the group "
            "exists before the service first writes to it"
        )
    return ok(f"writes into pre-created group(s) {', '.join(wanted)}")


RULES: tuple[Rule, ...] = (
    Rule(
        "SFX-LOG-01",
        f"CloudWatch log groups keep logs exactly {LOG_RETENTION_DAYS} days",
        Level.ERROR,
        frozenset({"aws_cloudwatch_log_group"}),
        log_group_retention,
        twin=Twin(
            "CKV_SFX_2",
            "Same predicate (days == the policy number), two readers kept apart on purpose: "
            "this one fixes an unset value at synthesis, the check reads checkov's list-wrapped "
            "view and answers UNKNOWN for an expression; sharing the reader would share its bugs.",
            ("core.policy_numbers:POLICY.log_retention_days",),
        ),
    ),
    Rule(
        "SFX-LOG-02",
        "Services write logs only into log groups the stack creates first",
        Level.ERROR,
        frozenset(IMPLICIT_LOG_GROUPS),
        implicit_log_groups_precreated,
        twin=no_twin(
            "No check: the gate sees only log groups that are resources; a group a service "
            "would create on its own exists nowhere in the JSON, so only this rule can miss it."
        ),
    ),
)
