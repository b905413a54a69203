"""Resource inventory for the auditor: per resource, its encryption, retention, placement, tags.

Read from the synthesized JSON only (what Terraform will apply). References such as
``${aws_kms_key.encryption_data_key_9F0A8D55.arn}`` are shown as the construct path of the
referenced resource (``encryption/data_key``), never as an ARN or a local file path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.references import refs_in_text
from core.resource_facts import RESOURCE_TYPES, select
from core.stackfile import Resource, SynthesizedStack
from lib.config import REQUIRED_TAG_KEYS
from policies.taggable import TAGGABLE_TYPES

# Where each encryptable type names its key (dotted path through single-item blocks): the
# first key of the row's ``encryption`` in core.resource_facts, for rows the inventory shows.
KEY_FIELDS: dict[str, str] = {
    t: row.encryption.keys[0].path
    for t, row in RESOURCE_TYPES.items()
    if row.encryption is not None and row.encryption.in_inventory
}

# Data-bearing types that live outside the VPC (reached through VPC endpoints).
REGIONAL_SERVICES = frozenset(select(lambda row: row.regional))
_WINDOWS = select(lambda row: row.deletion_window)
_BACKUPS = select(lambda row: row.backup_retention)


@dataclass(frozen=True)
class InventoryRow:
    address: str
    rtype: str
    construct_path: str
    encryption: str
    retention: str
    placement: str
    tags: str


def _get(body: Any, dotted: str) -> Any:
    value = body
    for part in dotted.split("."):
        if isinstance(value, list):
            value = value[0] if value else None
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _first_ref(value: Any) -> str | None:
    """``<type>.<name>`` of the first AWS resource or data source ``value`` references."""
    refs = refs_in_text(value) if isinstance(value, str) else []
    return next((r.resource_address for r in refs if r.rtype.startswith("aws_")), None)


class _Index:
    """Lookups across resources: construct paths, public subnets, per-bucket settings."""

    def __init__(self, stack: SynthesizedStack):
        self.resources = {r.address: r for r in stack.resources()}
        self.public_subnets = self._public_subnets()

    def label(self, value: Any) -> str:
        ref = _first_ref(value)
        if ref and ref in self.resources:
            return self.resources[ref].construct_path or ref
        return str(value)

    def _public_subnets(self) -> set[str]:
        igw_tables: set[str] = set()
        for r in self.resources.values():
            if r.rtype == "aws_route" and _first_ref(r.body.get("gateway_id", "")):
                table = _first_ref(r.body.get("route_table_id"))
                if table and (_first_ref(r.body["gateway_id"]) or "").startswith(
                    "aws_internet_gateway."
                ):
                    igw_tables.add(table)
        return {
            subnet
            for r in self.resources.values()
            if r.rtype == "aws_route_table_association"
            and _first_ref(r.body.get("route_table_id")) in igw_tables
            and (subnet := _first_ref(r.body.get("subnet_id")))
        }

    def attached(self, rtype: str, bucket: Resource) -> list[Resource]:
        """Sub-resources of ``rtype`` whose ``bucket`` references this bucket."""
        return [
            r
            for r in self.resources.values()
            if r.rtype == rtype and _first_ref(r.body.get("bucket")) == bucket.address
        ]


def _encryption(r: Resource, idx: _Index) -> str:
    if r.rtype == "aws_s3_bucket":
        configs = idx.attached("aws_s3_bucket_server_side_encryption_configuration", r)
        return _encryption(configs[0], idx) if configs else "no default encryption configured"
    if r.rtype == "aws_rds_cluster" and r.body.get("storage_encrypted") is not True:
        return "storage not encrypted"
    field = KEY_FIELDS.get(r.rtype)
    if field is None:
        return "n/a"
    key = _get(r.body, field)
    algorithm = _get(r.body, "rule.apply_server_side_encryption_by_default.sse_algorithm")
    if not key and algorithm == "AES256":
        return "SSE-S3 (AWS-managed keys)"
    return f"KMS CMK {idx.label(key)}" if key else "not set (AWS-managed or none)"


def _retention(r: Resource, idx: _Index) -> str:
    b = r.body
    rules: dict[str, Callable[[], str]] = {
        "aws_cloudwatch_log_group": lambda: f"{b.get('retention_in_days', 'never expires')} days",
        "aws_rds_cluster": lambda: (
            f"backups {b.get('backup_retention_period', _BACKUPS[r.rtype].aws_default)} days"
        ),
        "aws_kinesis_stream": lambda: f"{b.get('retention_period', 24)} hours",
        "aws_sqs_queue": lambda: f"{int(b.get('message_retention_seconds', 345600)) // 86400} days",
        "aws_backup_plan": lambda: f"recovery points {_get(b, 'rule.lifecycle.delete_after')} days",
        "aws_secretsmanager_secret": lambda: _window("recovery", r),
        "aws_kms_key": lambda: _window("deletion", r),
    }
    if r.rtype == "aws_s3_bucket":
        days = [
            _get(rule, "expiration.days")
            for lc in idx.attached("aws_s3_bucket_lifecycle_configuration", r)
            for rule in lc.body.get("rule", [])
        ]
        days = [d for d in days if d]
        return f"objects expire after {min(days)} days" if days else "no expiry"
    return rules[r.rtype]() if r.rtype in rules else ""


def _window(what: str, r: Resource) -> str:
    window = _WINDOWS[r.rtype]
    return f"{what} window {r.body.get(window.attr, window.aws_default)} days"


def _placement(r: Resource, idx: _Index) -> str:
    b = r.body
    subnets: list[Any] = []
    if r.rtype == "aws_ecs_service":
        net = _get(b, "network_configuration") or {}
        subnets = net.get("subnets", []) if isinstance(net, dict) else []
        public_ip = (
            "public IP"
            if (isinstance(net, dict) and net.get("assign_public_ip"))
            else "no public IP"
        )
        return f"{_subnet_kind(subnets, idx)}, {public_ip}"
    if r.rtype == "aws_rds_cluster_instance":
        return "publicly accessible" if b.get("publicly_accessible") else "not publicly accessible"
    if r.rtype == "aws_subnet":
        return "public subnet" if r.address in idx.public_subnets else "private subnet"
    if r.rtype == "aws_rds_cluster":
        group = idx.resources.get(_first_ref(b.get("db_subnet_group_name")) or "")
        return _subnet_kind(group.body.get("subnet_ids", []), idx) if group else "no subnet group"
    if r.rtype in REGIONAL_SERVICES:
        return "regional service, no VPC placement"
    for key in ("subnet_ids", "subnets"):
        if isinstance(b.get(key), list):
            return _subnet_kind(b[key], idx)
    return ""


def _subnet_kind(subnets: list[Any], idx: _Index) -> str:
    refs = [_first_ref(s) for s in subnets]
    if not refs:
        return "no subnets"
    public = [s for s in refs if s in idx.public_subnets]
    return f"{len(public)} public subnet(s)" if public else f"{len(refs)} private subnet(s)"


def _tags(r: Resource, default_tags: dict[str, str]) -> str:
    if r.rtype not in TAGGABLE_TYPES:
        return "not taggable"
    own = r.body.get("tags") if isinstance(r.body.get("tags"), dict) else {}
    merged = {**default_tags, **(own or {})}
    missing = [k for k in REQUIRED_TAG_KEYS if k not in merged]
    extra = sorted(set(own or {}) - set(default_tags))
    base = f"missing {', '.join(missing)}" if missing else "required set (provider default_tags)"
    return f"{base}; also {', '.join(extra)}" if extra else base


def build_inventory(stack: SynthesizedStack) -> tuple[InventoryRow, ...]:
    idx = _Index(stack)
    tags = stack.default_tags
    return tuple(
        InventoryRow(
            r.address,
            r.rtype,
            r.construct_path,
            _encryption(r, idx),
            _retention(r, idx),
            _placement(r, idx),
            _tags(r, tags),
        )
        for r in stack.resources()
    )


def processing_facts(rows: tuple[InventoryRow, ...], region: str) -> tuple[tuple[str, str], ...]:
    """Facts for the record of processing, as this stack deploys them (not as a policy says)."""

    def of(rtype: str, fragment: str = "") -> list[InventoryRow]:
        return [r for r in rows if r.rtype == rtype and fragment in r.construct_path]

    facts = [("Region of every resource", region)]
    facts += [
        (f"Metadata database ({r.construct_path})", f"{r.encryption}; {r.retention}")
        for r in of("aws_rds_cluster")
    ]
    facts += [(f"Backup plan ({r.construct_path})", r.retention) for r in of("aws_backup_plan")]
    facts += [
        (f"Uploaded videos ({r.construct_path})", f"{r.encryption}; {r.retention}")
        for r in of("aws_s3_bucket", "uploads")
    ]
    logs = of("aws_cloudwatch_log_group")
    if logs:
        kept = sorted({r.retention for r in logs})
        facts.append(("Log groups", f"{len(logs)} groups kept {', '.join(kept)}"))
    return tuple(facts)
