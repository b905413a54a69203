"""Database: backups kept as designed, point-in-time restore current, AWS Backup jobs completed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from compliance.collect.context import CALL_ERRORS, Context, error, is_not_found, missing
from compliance.collect.design import Design
from compliance.collect.model import Check, Family, Finding, FreshGap, Read, iso

# Aurora's LatestRestorableTime normally trails now by about five minutes (Aurora user guide,
# "Restoring a DB cluster to a specified time"); more means PITR is not keeping up.
PITR_MAX_LAG = timedelta(minutes=15)
RECOVERY_POINT_MAX_AGE = timedelta(hours=26)  # a daily plan plus its start window
JOB_PERIOD = timedelta(days=7)

DESCRIBE_CLUSTERS = Read("rds:DescribeDBClusters", "arn:aws:rds:*:*:cluster:streamflix-db-*")
LIST_RECOVERY_POINTS = Read(
    "backup:ListRecoveryPointsByBackupVault",
    "arn:aws:backup:*:*:backup-vault:streamflix-db-backup-vault-*",
)
# ListBackupJobs takes no resource ARN in IAM (Service Authorization Reference, AWS Backup).
LIST_BACKUP_JOBS = Read("backup:ListBackupJobs")
# The plan's daily rule (lib/constructs/database.py): nothing is backed up before its first run.
FIRST_BACKUP = FreshGap(
    "AWS Backup's first daily job runs at 02:00 UTC (`cron(0 2 * * ? *)`)",
    "the first job completes (up to 24 h)",
)

DB_BACKUPS = Check(
    "database.backups",
    ("SFX-CTL-OPS-02",),
    "automated backups keep the designed days and the latest restorable time is within "
    f"{PITR_MAX_LAG // timedelta(minutes=1)} minutes (PITR works)",
    24,
    reads=(DESCRIBE_CLUSTERS,),
)
DB_RECOVERY_POINTS = Check(
    "database.recovery-points",
    ("SFX-CTL-OPS-02",),
    "AWS Backup holds a completed recovery point of the cluster from the last "
    f"{RECOVERY_POINT_MAX_AGE // timedelta(hours=1)} hours",
    24,
    drift=False,
    reads=(DESCRIBE_CLUSTERS, LIST_RECOVERY_POINTS),
    fresh=FIRST_BACKUP,
)
DB_BACKUP_JOBS = Check(
    "database.backup-jobs",
    ("SFX-CTL-OPS-02",),
    f"every sampled AWS Backup job of the last {JOB_PERIOD.days} days completed (sampled)",
    24,
    drift=False,
    reads=(DESCRIBE_CLUSTERS, LIST_BACKUP_JOBS),
    fresh=FIRST_BACKUP,
)
DB_SETTINGS = Check(
    "database.settings",
    ("SFX-CTL-OPS-04",),
    "storage encryption and IAM database authentication are as designed",
    168,
    reads=(DESCRIBE_CLUSTERS,),
)


def _cluster_findings(ctx: Context, design: Design, c: dict[str, Any]) -> list[Finding]:
    arn = str(c["DBClusterArn"])
    restorable = c.get("LatestRestorableTime")
    backups_expected = {
        "BackupRetentionPeriod": design.backup_retention_days,
        "LatestRestorableTime": f"within {PITR_MAX_LAG}",
    }
    backups_observed = {
        "BackupRetentionPeriod": c.get("BackupRetentionPeriod"),
        "LatestRestorableTime": iso(restorable) if isinstance(restorable, datetime) else None,
    }
    pitr_ok = isinstance(restorable, datetime) and ctx.now - restorable <= PITR_MAX_LAG
    settings_expected = {
        "StorageEncrypted": design.storage_encrypted,
        "IAMDatabaseAuthenticationEnabled": design.iam_auth,
    }
    settings_observed = {k: c.get(k) for k in settings_expected}
    return [
        Finding(
            DB_BACKUPS,
            DESCRIBE_CLUSTERS.action,
            arn,
            backups_observed,
            backups_expected,
            pitr_ok and c.get("BackupRetentionPeriod") == design.backup_retention_days,
        ),
        Finding(
            DB_SETTINGS,
            DESCRIBE_CLUSTERS.action,
            arn,
            settings_observed,
            settings_expected,
            settings_observed == settings_expected,
        ),
    ]


def _recovery_points(ctx: Context, design: Design, cluster_arn: str) -> Finding:
    vault_arn = ctx.arn("backup", f"backup-vault:{design.backup_vault}")
    expected = {"latest completed recovery point": f"within {RECOVERY_POINT_MAX_AGE}"}
    try:
        pages = ctx.client("backup").get_paginator("list_recovery_points_by_backup_vault")
        points = [
            p
            for page in pages.paginate(
                BackupVaultName=design.backup_vault, ByResourceArn=cluster_arn
            )
            for p in page["RecoveryPoints"]
            if p.get("Status") == "COMPLETED"
        ]
    except CALL_ERRORS as err:
        return error(
            DB_RECOVERY_POINTS,
            LIST_RECOVERY_POINTS.action,
            vault_arn,
            expected,
            err,
        )
    latest = max((p["CreationDate"] for p in points), default=None)
    return Finding(
        DB_RECOVERY_POINTS,
        LIST_RECOVERY_POINTS.action,
        vault_arn,
        {
            "latest completed recovery point": iso(latest) if latest else None,
            "completed recovery points": len(points),
        },
        expected,
        latest is not None and ctx.now - latest <= RECOVERY_POINT_MAX_AGE,
    )


def _jobs(ctx: Context, design: Design, cluster_arn: str) -> Finding:
    start = ctx.now - JOB_PERIOD
    expected = {"sampled jobs not COMPLETED": 0, "jobs in period": ">= 1"}
    try:
        pages = ctx.client("backup").get_paginator("list_backup_jobs")
        jobs = [
            j
            for page in pages.paginate(
                ByResourceArn=cluster_arn, ByCreatedAfter=start, ByCreatedBefore=ctx.now
            )
            for j in page["BackupJobs"]
        ]
    except CALL_ERRORS as err:
        return error(DB_BACKUP_JOBS, LIST_BACKUP_JOBS.action, cluster_arn, expected, err)
    sampling = ctx.sample([str(j["BackupJobId"]) for j in jobs], start)
    bad = sorted(
        f"{j['BackupJobId']}={j.get('State')}"
        for j in jobs
        if str(j["BackupJobId"]) in sampling.sample and j.get("State") != "COMPLETED"
    )
    return Finding(
        DB_BACKUP_JOBS,
        LIST_BACKUP_JOBS.action,
        cluster_arn,
        {"sampled jobs not COMPLETED": len(bad), "jobs in period": len(jobs)},
        expected,
        bool(jobs) and not bad,
        f"not completed: {', '.join(bad)}" if bad else "",
        sampling,
    )


def collect(ctx: Context, design: Design) -> list[Finding]:
    try:
        found = ctx.client("rds").describe_db_clusters(DBClusterIdentifier=design.cluster_id)
        cluster = found["DBClusters"][0]
    except (*CALL_ERRORS, IndexError) as err:
        arn = ctx.arn("rds", f"cluster:{design.cluster_id}")
        families = (
            DB_BACKUPS,
            DB_SETTINGS,
            DB_RECOVERY_POINTS,
            DB_BACKUP_JOBS,
        )
        if is_not_found(err):  # the cluster was deleted: nothing of it is backed up or set
            return [missing(c, DESCRIBE_CLUSTERS.action, arn, {"exists": True}) for c in families]
        return [error(c, DESCRIBE_CLUSTERS.action, arn, "cluster exists", err) for c in families]
    cluster_arn = str(cluster["DBClusterArn"])
    return [
        *_cluster_findings(ctx, design, cluster),
        _recovery_points(ctx, design, cluster_arn),
        _jobs(ctx, design, cluster_arn),
    ]


FAMILY = Family("database", (DB_BACKUPS, DB_RECOVERY_POINTS, DB_BACKUP_JOBS, DB_SETTINGS), collect)
