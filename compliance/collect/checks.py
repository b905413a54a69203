"""Every check the collector runs: id, the catalog controls it proves, default validity (hours).

Validity is how long an observation may stand in for the present: a trail status or a task count
changes within the hour, a retention setting rarely. ``--validity CHECK=HOURS`` overrides it.
"""

from __future__ import annotations

from compliance.collect.model import Check
from lib.cis_metric_filters import CIS_METRIC_FILTERS

TRAIL_LOGGING = Check("trail.logging", ("SFX-CTL-OPS-01",), "the trail is logging now", 24)
TRAIL_DELIVERY = Check(
    "trail.delivery",
    ("SFX-CTL-OPS-01",),
    "log files and digest files were delivered recently and without error",
    24,
)
TRAIL_SETTINGS = Check(
    "trail.settings",
    ("SFX-CTL-OPS-01",),
    "the deployed trail is multi-region with log file validation as designed",
    24,
)
ALERTS_SUBSCRIPTION = Check(
    "alerts.subscription",
    ("SFX-CTL-OPS-05",),
    "the alerts topic has at least one confirmed subscription (someone receives alarms)",
    24,
)
ALERTS_ALARM = Check(
    "alerts.alarm",
    ("SFX-CTL-OPS-05",),
    "each alarm of the stack exists, has actions enabled and notifies the topic",
    24,
)
ALERTS_FIRING = Check(
    "alerts.in-alarm",
    ("SFX-CTL-OPS-05",),
    "lists the alarms in state ALARM at collection time (for the on-call record)",
    24,
    drift=False,
)
SECRET_ROTATION = Check(
    "secrets.rotation",
    ("SFX-CTL-OPS-03",),
    "rotation is enabled on the designed schedule, the last rotation is within it and finished",
    24,
)
SECRET_EVENTS = Check(
    "secrets.rotation-events",
    ("SFX-CTL-OPS-03",),
    "CloudTrail shows a RotationSucceeded and no RotationFailed for the secret in the period",
    24,
    drift=False,
)
DB_BACKUPS = Check(
    "database.backups",
    ("SFX-CTL-OPS-02",),
    "automated backups keep the designed days and point-in-time restore is current",
    24,
)
DB_RECOVERY_POINTS = Check(
    "database.recovery-points",
    ("SFX-CTL-OPS-02",),
    "AWS Backup holds a completed recovery point of the cluster from the last day",
    24,
    drift=False,
)
DB_BACKUP_JOBS = Check(
    "database.backup-jobs",
    ("SFX-CTL-OPS-02",),
    "every sampled AWS Backup job of the period completed",
    24,
    drift=False,
)
DB_SETTINGS = Check(
    "database.settings",
    ("SFX-CTL-OPS-04",),
    "storage encryption and IAM database authentication are as designed",
    168,
)
LOG_GROUP = Check(
    "logs.group",
    ("SFX-CTL-OPS-10",),
    "each log group of the stack exists with the designed retention and our KMS key",
    168,
)
FLOW_LOG = Check(
    "network.flow-log",
    ("SFX-CTL-OPS-08",),
    "the VPC flow log is active and delivering (DeliverLogsStatus SUCCESS)",
    24,
)
SG_INGRESS = Check(
    "network.security-group",
    ("SFX-CTL-OPS-04",),
    "no security group of the stack has gained ingress from 0.0.0.0/0 or ::/0",
    24,
)
WORKERS_RUNNING = Check(
    "workers.running",
    ("SFX-CTL-OPS-09",),
    "the worker service runs at least the designed minimum of tasks",
    1,
)
WORKERS_STRATEGY = Check(
    "workers.capacity-strategy",
    ("SFX-CTL-OPS-09",),
    "the service's capacity-provider strategy (Fargate base, Spot weight) is as designed",
    168,
)
WORKERS_LAG = Check(
    "workers.lag",
    ("SFX-CTL-OPS-09",),
    "the stream's consumer lag (IteratorAge, last 15 minutes) is below the alarm threshold",
    1,
    drift=False,
)
ACCOUNT_CONFIG = Check(
    "account.config-recorder",
    ("SFX-CTL-OPS-06",),
    "an AWS Config recorder is recording in the region (account baseline, not in the stack)",
    24,
    drift=False,
    account_baseline=True,
)
ACCOUNT_SECURITY_HUB = Check(
    "account.security-hub",
    ("SFX-CTL-OPS-07",),
    "Security Hub is enabled in the region (account baseline, not in the stack)",
    24,
    drift=False,
    account_baseline=True,
)

# One check per CIS 4.x recommendation, so that a broken chain flips exactly its own CIS control
# (the catalog's SFX-CTL-CIS-NN names its check in pending_runtime_checks). Each proves the whole
# chain as deployed: the filter with the synthesized pattern on the trail's log group, the alarm
# on its metric with the designed threshold, actions to the alerts topic, a confirmed subscriber.
CIS_CHAIN: dict[str, Check] = {
    row.cis_id: Check(
        f"monitoring.cis-{row.slug}",
        ("SFX-CTL-OPS-05",),
        f"CIS {row.cis_id}: the trail's log group has the designed metric filter, an alarm on its "
        "metric with the designed threshold notifies the alerts topic, which has a confirmed "
        "subscriber",
        24,
    )
    for row in CIS_METRIC_FILTERS
}
ACCOUNT_S3_PUBLIC_ACCESS = Check(
    "account.s3-public-access-block",
    ("SFX-CTL-OPS-11",),
    "S3 Block Public Access is on for the whole account, all four settings (account baseline, "
    "in the stack only with STREAMFLIX_ACCOUNT_S3_BLOCK_PUBLIC_ACCESS)",
    24,
    drift=False,
    account_baseline=True,
)

ALL_CHECKS: tuple[Check, ...] = (
    TRAIL_LOGGING,
    TRAIL_DELIVERY,
    TRAIL_SETTINGS,
    ALERTS_SUBSCRIPTION,
    ALERTS_ALARM,
    ALERTS_FIRING,
    *CIS_CHAIN.values(),
    SECRET_ROTATION,
    SECRET_EVENTS,
    DB_BACKUPS,
    DB_RECOVERY_POINTS,
    DB_BACKUP_JOBS,
    DB_SETTINGS,
    LOG_GROUP,
    FLOW_LOG,
    SG_INGRESS,
    WORKERS_RUNNING,
    WORKERS_STRATEGY,
    WORKERS_LAG,
    ACCOUNT_CONFIG,
    ACCOUNT_SECURITY_HUB,
    ACCOUNT_S3_PUBLIC_ACCESS,
)
CHECKS_BY_ID = {c.id: c for c in ALL_CHECKS}
RUNTIME_CONTROLS = tuple(sorted({c for check in ALL_CHECKS for c in check.controls}))
