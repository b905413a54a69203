"""One naming helper for every resource: ``streamflix-<component>-<environment_suffix>``.

Each AWS service has its own limits (length, characters, case). ``SERVICE_RULES`` holds them;
``COMPONENTS`` lists every name the stack builds. A suffix is accepted only if *every*
component yields a valid name for its service, so a bad suffix is refused before synthesis.
S3 bucket names are global: they carry the 12-digit account id, which we budget for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

PREFIX = "streamflix"
SUFFIX_PATTERN = re.compile(r"^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$")
SUFFIX_MAX_LEN = 12
ACCOUNT_ID_PLACEHOLDER = "123456789012"


class NamingError(ValueError):
    """A suffix or component cannot produce a valid resource name."""

    def __init__(self, field: str, value: str, rule: str):
        self.field, self.value, self.rule = field, value, rule
        super().__init__(f"{field}={value!r}: {rule}")


class Service(Enum):
    S3 = "s3"
    KINESIS = "kinesis"
    RDS = "rds"  # cluster/instance identifiers, parameter and subnet groups
    SECRETS = "secretsmanager"
    SQS = "sqs"
    SNS = "sns"
    LOGS = "logs"
    IAM_ROLE = "iam-role"
    IAM_POLICY = "iam-policy"
    KMS_ALIAS = "kms-alias"
    ECS = "ecs"
    ECR = "ecr"
    CLOUDTRAIL = "cloudtrail"
    CLOUDWATCH = "cloudwatch"  # alarms, dashboards, metric filters
    EVENTS = "events"
    EC2 = "ec2"  # security groups, Name tags
    BACKUP = "backup"


@dataclass(frozen=True)
class ServiceRule:
    max_len: int
    pattern: re.Pattern[str]
    description: str
    min_len: int = 1  # where the pattern alone would let a shorter name through


SERVICE_RULES: dict[Service, ServiceRule] = {
    Service.S3: ServiceRule(
        63,
        re.compile(r"^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$"),
        "3-63 lowercase letters, digits and single hyphens (no dots: TLS virtual hosting)",
    ),
    Service.KINESIS: ServiceRule(
        128, re.compile(r"^[a-zA-Z0-9_.-]+$"), "1-128 of a-z A-Z 0-9 _ . -"
    ),
    Service.RDS: ServiceRule(
        63,
        re.compile(r"^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$"),
        "1-63 lowercase letters, digits, single hyphens; starts with a letter",
    ),
    Service.SECRETS: ServiceRule(
        512, re.compile(r"^[A-Za-z0-9/_+=.@-]+$"), "1-512 of A-Z a-z 0-9 /_+=.@-"
    ),
    Service.SQS: ServiceRule(80, re.compile(r"^[A-Za-z0-9_-]+$"), "1-80 of A-Z a-z 0-9 _ -"),
    Service.SNS: ServiceRule(256, re.compile(r"^[A-Za-z0-9_-]+$"), "1-256 of A-Z a-z 0-9 _ -"),
    Service.LOGS: ServiceRule(
        512, re.compile(r"^[A-Za-z0-9_/.#-]+$"), "1-512 of A-Z a-z 0-9 _ / . # -"
    ),
    Service.IAM_ROLE: ServiceRule(
        64, re.compile(r"^[A-Za-z0-9_+=,.@-]+$"), "1-64 of A-Z a-z 0-9 +=,.@_-"
    ),
    Service.IAM_POLICY: ServiceRule(
        128, re.compile(r"^[A-Za-z0-9_+=,.@-]+$"), "1-128 of A-Z a-z 0-9 +=,.@_-"
    ),
    Service.KMS_ALIAS: ServiceRule(
        250, re.compile(r"^[A-Za-z0-9/_-]+$"), "1-250 of A-Z a-z 0-9 / _ -"
    ),
    Service.ECS: ServiceRule(255, re.compile(r"^[A-Za-z0-9_-]+$"), "1-255 of A-Z a-z 0-9 _ -"),
    Service.ECR: ServiceRule(
        256,
        re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$"),
        "2-256 lowercase letters and digits separated by single . _ -",
        min_len=2,
    ),
    Service.CLOUDTRAIL: ServiceRule(
        128, re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{2,127}$"), "3-128 of A-Z a-z 0-9 . _ -"
    ),
    Service.CLOUDWATCH: ServiceRule(
        255, re.compile(r"^[A-Za-z0-9_.-]+$"), "1-255 of A-Z a-z 0-9 _ . -"
    ),
    Service.EVENTS: ServiceRule(64, re.compile(r"^[A-Za-z0-9_.-]+$"), "1-64 of A-Z a-z 0-9 _ . -"),
    Service.EC2: ServiceRule(
        255,
        re.compile(r"^(?!sg-)[A-Za-z0-9 ._:/()#,@\[\]+=&;{}!$*-]+$"),
        "1-255 characters, not starting with sg-",
    ),
    Service.BACKUP: ServiceRule(
        50, re.compile(r"^[A-Za-z0-9_-]+$"), "2-50 of A-Z a-z 0-9 _ -", min_len=2
    ),
}

# Every name the stack builds: component -> service. Constructs name resources only through
# components listed here (Namer refuses others), so the suffix check covers them all.
COMPONENTS: dict[str, Service] = {
    # network
    "vpc": Service.EC2,
    "flow-logs": Service.LOGS,
    "flow-logs-role": Service.IAM_ROLE,
    "flow-logs-policy": Service.IAM_POLICY,
    "endpoints-sg": Service.EC2,
    "workers-sg": Service.EC2,
    # encryption
    "data-key": Service.KMS_ALIAS,
    "logs-key": Service.KMS_ALIAS,
    "evidence-signing": Service.KMS_ALIAS,  # signs runtime evidence (issue 21)
    # ingestion
    "kinesis": Service.KINESIS,
    "uploads": Service.S3,
    "access-logs": Service.S3,
    # database
    "db": Service.RDS,
    "db-params": Service.RDS,
    "db-instance-params": Service.RDS,
    "db-subnets": Service.RDS,
    "db-sg": Service.EC2,
    "db-monitoring-role": Service.IAM_ROLE,
    "db-writer": Service.RDS,
    "db-reader": Service.RDS,
    "db-backup-vault": Service.BACKUP,
    "db-backup-plan": Service.BACKUP,
    "db-backup-role": Service.IAM_ROLE,
    "db-backup-selection": Service.BACKUP,
    "db-cluster-events": Service.RDS,  # RDS event subscriptions (issue 25)
    "db-instance-events": Service.RDS,
    # workers: registry, compute, scaling (scaling policy names share CloudWatch's charset)
    "worker-images": Service.ECR,
    "cluster": Service.ECS,
    "workers": Service.ECS,
    "worker": Service.ECS,
    "worker-migrate": Service.ECS,
    "worker-logs": Service.LOGS,
    "exec-logs": Service.LOGS,
    "worker-execution-role": Service.IAM_ROLE,
    "worker-execution-policy": Service.IAM_POLICY,
    "worker-task-role": Service.IAM_ROLE,
    "worker-task-policy": Service.IAM_POLICY,
    "worker-migrate-role": Service.IAM_ROLE,
    "worker-migrate-policy": Service.IAM_POLICY,
    # operating evidence: the collector's read-only role (STREAMFLIX_COLLECTOR_PRINCIPAL_ARN)
    "collector": Service.IAM_ROLE,
    "collector-policy": Service.IAM_POLICY,
    # operating evidence over a period (issue 22): WORM store and the scheduled collector task
    "evidence": Service.S3,
    "collector-sg": Service.EC2,
    "collector-task": Service.ECS,
    "collector-logs": Service.LOGS,
    "collector-schedule": Service.EVENTS,  # Scheduler names: 1-64 of A-Z a-z 0-9 _ . -
    **{
        f"collector-{kind}-{what}": service
        for kind in ("execution", "task", "scheduler")
        for what, service in (("role", Service.IAM_ROLE), ("policy", Service.IAM_POLICY))
    },
    "scale-on-lag": Service.CLOUDWATCH,
    "scale-in-idle": Service.CLOUDWATCH,
    "scale-records-per-task": Service.CLOUDWATCH,
    # failure handling
    "dlq": Service.SQS,
    "events-dlq": Service.SQS,
    "alerts": Service.SNS,
    # monitoring: alarms, the rotation-failure rule, the dashboard
    **{
        f"alarm-{name}": Service.CLOUDWATCH
        for name in (
            "dlq-visible",
            "iterator-age",
            "write-throttled",
            "read-throttled",
            "error-rate",
            "shard-stuck",
            "duplicates",
            "tasks-below-min",
            "db-cpu",
            "db-acu",
            "db-connections",
            "db-memory",
            "lag-high",
            "idle",
            "rule-failed",
            "events-dlq-visible",
            "evidence-missed",
        )
    },
    "rotation-failed": Service.EVENTS,
    "dashboard": Service.CLOUDWATCH,
    # audit: the trail, its bucket and log group, CIS 4.1-4.15 filters and alarms
    "trail": Service.CLOUDTRAIL,
    "trail-logs": Service.LOGS,
    "trail-bucket": Service.S3,
    "trail-logs-role": Service.IAM_ROLE,
    "trail-logs-policy": Service.IAM_POLICY,
    **{f"cis-4-{n}": Service.CLOUDWATCH for n in range(1, 16)},
}


def _compose(component: str, suffix: str, service: Service, account_id: str) -> str:
    if service is Service.S3:
        return f"{PREFIX}-{component}-{account_id}-{suffix}"
    return f"{PREFIX}-{component}-{suffix}"


def check_name(name: str, service: Service, field: str = "name") -> None:
    rule = SERVICE_RULES[service]
    if not rule.min_len <= len(name) <= rule.max_len or not rule.pattern.match(name):
        raise NamingError(field, name, f"not a valid {service.value} name: {rule.description}")


def validate_suffix(suffix: str) -> str:
    """Refuse a suffix that cannot produce a valid name for every registered component."""
    field = "ENVIRONMENT_SUFFIX"
    if not suffix:
        raise NamingError(field, suffix, "must not be empty")
    if len(suffix) > SUFFIX_MAX_LEN:
        raise NamingError(field, suffix, f"must be at most {SUFFIX_MAX_LEN} characters")
    if not SUFFIX_PATTERN.match(suffix):
        raise NamingError(
            field,
            suffix,
            "must start with a lowercase letter and hold only lowercase letters, digits and "
            "single hyphens, not ending in a hyphen",
        )
    for component, service in COMPONENTS.items():
        name = _compose(component, suffix, service, ACCOUNT_ID_PLACEHOLDER)
        try:
            check_name(name, service)
        except NamingError as err:
            raise NamingError(
                field, suffix, f"yields an invalid name for {component}: {err.rule}"
            ) from None
    return suffix


@dataclass(frozen=True)
class Namer:
    """Builds ``streamflix-<component>-<suffix>`` names, checked against the service's rules."""

    suffix: str

    def __post_init__(self) -> None:
        validate_suffix(self.suffix)

    def name(self, component: str, account_id: str = ACCOUNT_ID_PLACEHOLDER) -> str:
        service = COMPONENTS.get(component)
        if service is None:
            raise NamingError("component", component, "is not registered in lib.naming.COMPONENTS")
        name = _compose(component, self.suffix, service, account_id)
        # Tokens (e.g. the account id) are resolved by Terraform; check the placeholder form.
        check_name(_compose(component, self.suffix, service, ACCOUNT_ID_PLACEHOLDER), service)
        return name

    def label(self, text: str) -> str:
        """``streamflix-<text>-<suffix>`` for Name tags of unnamed EC2 resources (subnets, routes)."""
        name = f"{PREFIX}-{text}-{self.suffix}"
        check_name(name, Service.EC2, field="Name tag")
        return name

    def alias(self, component: str) -> str:
        return f"alias/{self.name(component)}"
