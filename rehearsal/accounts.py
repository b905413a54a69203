"""boto3 clients on the emulator, and the two things the rehearsal does with them besides Terraform:
seed real data before destroy (so destroy is proven on non-empty resources) and inventory what is
left after it (nothing of ours may remain but what AWS itself keeps).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import ClientError

from rehearsal.emulator import FAKE_CREDENTIALS, Emulator


@dataclass(frozen=True)
class Account:
    emulator: Emulator
    region: str
    suffix: str

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            region_name=self.region,
            endpoint_url=self.emulator.endpoint,
            verify=str(self.emulator.ca_bundle),
            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )

    def ours(self, name: str) -> bool:
        """Every name we choose is ``streamflix-<component>-<suffix>`` (AWS-dictated ones aside)."""
        return "streamflix" in name and name.rstrip("/").endswith(f"-{self.suffix}")


# --- seeding -----------------------------------------------------------------------------------

# A minimal OCI image manifest (the config and layer digests need not exist for the registry API).
_MANIFEST = {
    "schemaVersion": 2,
    "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
    "config": {
        "mediaType": "application/vnd.docker.container.image.v1+json",
        "size": 2,
        "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
    },
    "layers": [],
}


def seed(account: Account) -> dict[str, int]:
    """Data in every data-holding resource of ours: object versions and a delete marker in every
    bucket, a Kinesis record, a message in every queue, a log event, an image. Returns counts."""
    counts: dict[str, Any] = {"bucket_objects": 0, "delete_markers": 0, "records": 0}
    counts |= {"messages": 0, "buckets_not_seedable": []}
    s3 = account.client("s3")
    for bucket in [b["Name"] for b in s3.list_buckets()["Buckets"] if account.ours(b["Name"])]:
        try:
            for body in (b"first version\n", b"second version\n"):
                s3.put_object(Bucket=bucket, Key="rehearsal/seed.txt", Body=body)
                counts["bucket_objects"] += 1
            s3.delete_object(Bucket=bucket, Key="rehearsal/seed.txt")
            counts["delete_markers"] += 1
        except ClientError as err:
            reason = unevaluable_conditions(s3, bucket)
            if err.response["Error"]["Code"] not in {"403", "AccessDenied"} or not reason:
                raise
            # moto applies conditional Deny statements unconditionally (rehearsal.shims): a
            # policy conditioned on anything but transport cannot be honoured by the emulator.
            counts["buckets_not_seedable"].append(f"{bucket}: {reason}")
    kinesis = account.client("kinesis")
    for stream in kinesis.list_streams()["StreamNames"]:
        if account.ours(stream):
            kinesis.put_record(
                StreamName=stream,
                Data=json.dumps({"rehearsal": True}).encode(),
                PartitionKey="rehearsal",
            )
            counts["records"] += 1
    sqs = account.client("sqs")
    for url in sqs.list_queues().get("QueueUrls", []):
        if account.ours(url.rsplit("/", 1)[-1]):
            sqs.send_message(QueueUrl=url, MessageBody='{"rehearsal": true}')
            counts["messages"] += 1
    logs = account.client("logs")
    groups = [
        g["logGroupName"]
        for g in logs.describe_log_groups()["logGroups"]
        if account.ours(g["logGroupName"])
    ]
    for group in groups[:1]:
        logs.create_log_stream(logGroupName=group, logStreamName="rehearsal")
        logs.put_log_events(
            logGroupName=group,
            logStreamName="rehearsal",
            logEvents=[{"timestamp": 1_700_000_000_000, "message": "rehearsal seed"}],
        )
    counts["log_events"] = len(groups[:1])
    ecr = account.client("ecr")
    repos = [
        r["repositoryName"]
        for r in ecr.describe_repositories()["repositories"]
        if account.ours(r["repositoryName"])
    ]
    for repo in repos:
        ecr.put_image(
            repositoryName=repo, imageManifest=json.dumps(_MANIFEST), imageTag="rehearsal-seed"
        )
    counts["images"] = len(repos)
    return counts


def unevaluable_conditions(s3: Any, bucket: str) -> str:
    """The condition keys of the bucket policy's Deny statements that the emulator applies
    unconditionally ("" when there are none: a refusal is then ours, not the emulator's)."""
    try:
        document = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    except ClientError:
        return ""
    statements = document.get("Statement", [])
    keys = sorted(
        {
            key
            for stmt in (statements if isinstance(statements, list) else [statements])
            if stmt.get("Effect") == "Deny"
            for keys in (stmt.get("Condition") or {}).values()
            for key in keys
            if key.lower() not in {"aws:securetransport", "s3:tlsversion"}
        }
    )
    return f"moto cannot evaluate the policy's conditions on {', '.join(keys)}" if keys else ""


# --- inventory after destroy -------------------------------------------------------------------


@dataclass(frozen=True)
class Leftover:
    kind: str
    name: str
    state: str
    kept_by_aws: str  # why AWS keeps it after a delete ("" = it should be gone: a defect)

    def to_json(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "name": self.name,
            "state": self.state,
            "kept_by_aws": self.kept_by_aws,
        }


def _kms(account: Account) -> list[Leftover]:
    kms = account.client("kms")
    out = []
    for key in kms.list_keys()["Keys"]:
        meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if meta.get("KeyManager") == "AWS":
            continue
        state = str(meta.get("KeyState"))
        kept = (
            "a deleted key waits out its deletion window (7 days)"
            if state == ("PendingDeletion")
            else ""
        )
        out.append(Leftover("kms key", str(meta.get("Description") or key["KeyId"]), state, kept))
    return out


def _ecs(account: Account) -> list[Leftover]:
    ecs = account.client("ecs")
    out = []
    arns = ecs.list_clusters()["clusterArns"]
    for cluster in ecs.describe_clusters(clusters=arns)["clusters"] if arns else []:
        if account.ours(cluster["clusterName"]):
            inactive = cluster["status"] == "INACTIVE"
            kept = "ECS lists a deleted cluster as INACTIVE for a while" if inactive else ""
            out.append(Leftover("ecs cluster", cluster["clusterName"], cluster["status"], kept))
    for status in ("ACTIVE",):
        for arn in ecs.list_task_definitions(status=status)["taskDefinitionArns"]:
            family = arn.rsplit("/", 1)[-1].split(":")[0]
            if account.ours(family):
                out.append(Leftover("ecs task definition", arn, status, ""))
    return out


def _named(
    kind: str, names: list[str], account: Account, kept: Callable[[str], str] = lambda _n: ""
) -> list[Leftover]:
    return [Leftover(kind, n, "exists", kept(n)) for n in names if account.ours(n)]


def _ec2_leftover(kind: str, item: dict[str, Any], name: str) -> Leftover:
    state = str(item.get("State") or item.get("state") or "exists")
    # DescribeVpcEndpoints keeps listing a deleted endpoint, in state "deleted", for a while.
    kept = (
        "a deleted endpoint is listed as deleted for a while" if state.lower() == "deleted" else ""
    )
    return Leftover(kind, name, state, kept)


def inventory(account: Account) -> list[Leftover]:
    """Everything of ours the emulator still holds, each with whether AWS keeps it by design."""
    s3, logs, sqs = account.client("s3"), account.client("logs"), account.client("sqs")
    ec2, iam, rds = account.client("ec2"), account.client("iam"), account.client("rds")
    found: list[Leftover] = []
    found += _named("s3 bucket", [b["Name"] for b in s3.list_buckets()["Buckets"]], account)
    found += _named(
        "log group",
        [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]],
        account,
    )
    found += _named(
        "sqs queue", [u.rsplit("/", 1)[-1] for u in sqs.list_queues().get("QueueUrls", [])], account
    )
    found += _named(
        "sns topic",
        [t["TopicArn"].rsplit(":", 1)[-1] for t in account.client("sns").list_topics()["Topics"]],
        account,
    )
    found += _named(
        "kinesis stream", account.client("kinesis").list_streams()["StreamNames"], account
    )
    found += _named(
        "rds cluster",
        [c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"]],
        account,
    )
    found += _named(
        "rds instance",
        [i["DBInstanceIdentifier"] for i in rds.describe_db_instances()["DBInstances"]],
        account,
    )
    found += _named(
        "secret",
        [s["Name"] for s in account.client("secretsmanager").list_secrets()["SecretList"]],
        account,
    )
    found += _named("iam role", [r["RoleName"] for r in iam.list_roles()["Roles"]], account)
    found += _named(
        "iam policy",
        [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]],
        account,
    )
    found += _named(
        "ecr repository",
        [
            r["repositoryName"]
            for r in account.client("ecr").describe_repositories()["repositories"]
        ],
        account,
    )
    found += _named(
        "cloudtrail trail",
        [t["Name"] for t in account.client("cloudtrail").describe_trails()["trailList"]],
        account,
    )
    backup = account.client("backup")
    found += _named(
        "backup vault",
        [v["BackupVaultName"] for v in backup.list_backup_vaults()["BackupVaultList"]],
        account,
    )
    found += _named(
        "backup plan",
        [p["BackupPlanName"] for p in backup.list_backup_plans()["BackupPlansList"]],
        account,
    )
    found += _named(
        "cloudwatch alarm",
        [a["AlarmName"] for a in account.client("cloudwatch").describe_alarms()["MetricAlarms"]],
        account,
    )
    found += _named(
        "event rule", [r["Name"] for r in account.client("events").list_rules()["Rules"]], account
    )
    tagged = [
        (kind, item, next((t["Value"] for t in item.get("Tags", []) if t["Key"] == "Name"), ""))
        for kind, items in (
            ("vpc", ec2.describe_vpcs()["Vpcs"]),
            ("subnet", ec2.describe_subnets()["Subnets"]),
            ("vpc endpoint", ec2.describe_vpc_endpoints()["VpcEndpoints"]),
            ("security group", ec2.describe_security_groups()["SecurityGroups"]),
        )
        for item in items
    ]
    found += [_ec2_leftover(kind, item, name) for kind, item, name in tagged if account.ours(name)]
    found += _kms(account)  # the emulator is ours alone: every customer key in it is ours
    found += _ecs(account)
    return found
