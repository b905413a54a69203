"""Small, named patches of the emulator (moto server) for operations it lacks or gets wrong.

The rehearsal applies our stack with the real AWS provider against moto. Where moto lacks an
operation the stack needs, a shim here fills exactly that operation, in the emulator process only:
no resource is excluded and our code is never bent to the emulator. Each shim names the moto
version it was written against and the operations it covers, and
``tests/rehearsal/test_shims.py`` asserts that plain moto still lacks each operation: the test fails
the day moto implements one, so its shim is removed and this list only shrinks.

Shims never weaken a check that AWS makes: they add what is missing, modelled on the AWS API
reference's request and response shapes.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

MOTO_VERSION = "5.2.5"


@dataclass(frozen=True)
class Shim:
    name: str
    operations: tuple[str, ...]
    why: str
    apply: Callable[[], None]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "moto_version": MOTO_VERSION,
            "operations": list(self.operations),
            "why": self.why,
        }


# --- AWS Backup selections -------------------------------------------------------------------


def _backup_selections() -> None:
    """CreateBackupSelection / GetBackupSelection / DeleteBackupSelection / ListBackupSelections:
    moto 5.2.5 routes the URLs (``/backup/plans/<id>/selections/``) but has no handlers (500)."""
    from moto.backup.responses import BackupResponse

    store: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = {}

    def _plan_id(self: BackupResponse) -> str:
        return str(self.path.split("/plans/")[1].split("/")[0])

    def _selections(self: BackupResponse) -> dict[str, dict[str, Any]]:
        self.backup_backend.get_backup_plan(backup_plan_id=_plan_id(self), version_id=None)
        return store.setdefault((self.current_account, self.region, _plan_id(self)), {})

    def create_backup_selection(self: BackupResponse) -> str:
        params = json.loads(self.body)
        selection_id = str(uuid.uuid4())
        now = datetime.now(UTC).timestamp()
        _selections(self)[selection_id] = {
            "BackupSelection": params["BackupSelection"],
            "CreationDate": now,
            "CreatorRequestId": params.get("CreatorRequestId"),
        }
        return json.dumps(
            {"SelectionId": selection_id, "BackupPlanId": _plan_id(self), "CreationDate": now}
        )

    def _selection_id(self: BackupResponse) -> str:
        return str(self.path.rstrip("/").split("/selections/")[1])

    def get_backup_selection(self: BackupResponse) -> str | tuple[int, dict[str, str], str]:
        found = _selections(self).get(_selection_id(self))
        if found is None:
            return (
                404,
                {"x-amzn-ErrorType": "ResourceNotFoundException"},
                json.dumps(
                    {"__type": "ResourceNotFoundException", "Message": "selection not found"}
                ),
            )
        return json.dumps(
            {**found, "SelectionId": _selection_id(self), "BackupPlanId": _plan_id(self)}
        )

    def delete_backup_selection(self: BackupResponse) -> str:
        _selections(self).pop(_selection_id(self), None)
        return ""

    def list_backup_selections(self: BackupResponse) -> str:
        members = [
            {
                "SelectionId": sid,
                "SelectionName": item["BackupSelection"]["SelectionName"],
                "BackupPlanId": _plan_id(self),
                "IamRoleArn": item["BackupSelection"]["IamRoleArn"],
                "CreationDate": item["CreationDate"],
            }
            for sid, item in _selections(self).items()
        ]
        return json.dumps({"BackupSelectionsList": members})

    BackupResponse.create_backup_selection = create_backup_selection  # type: ignore[attr-defined]
    BackupResponse.get_backup_selection = get_backup_selection  # type: ignore[attr-defined]
    BackupResponse.delete_backup_selection = delete_backup_selection  # type: ignore[attr-defined]
    BackupResponse.list_backup_selections = list_backup_selections  # type: ignore[attr-defined]


def _backup_recovery_points() -> None:
    """ListRecoveryPointsByBackupVault: moto 5.2.5 has no route for
    ``/backup-vaults/<name>/recovery-points/`` (HTTP 404), and the provider lists recovery points
    before it deletes a vault. The emulator runs no backup job, so a vault holds none: the answer
    is the vault's (empty) list, and a vault that does not exist is still refused."""
    from moto.backup import urls
    from moto.backup.responses import BackupResponse

    urls.url_paths["{0}/backup-vaults/(?P<name>[^/]+)/recovery-points/$"] = BackupResponse.dispatch

    def list_recovery_points_by_backup_vault(self: BackupResponse) -> str:
        name = self.path.split("/backup-vaults/")[1].split("/")[0]
        self.backup_backend.describe_backup_vault(backup_vault_name=name)
        return json.dumps({"RecoveryPoints": []})

    BackupResponse.list_recovery_points_by_backup_vault = (  # type: ignore[attr-defined]
        list_recovery_points_by_backup_vault
    )


# --- Application Auto Scaling tags -----------------------------------------------------------


def _autoscaling_tags() -> None:
    """ListTagsForResource / TagResource / UntagResource on scalable targets: moto 5.2.5 has none
    (500), and provider 5.100 reads the tags of every ``aws_appautoscaling_target``."""
    from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse

    tags: dict[str, dict[str, str]] = {}

    def list_tags_for_resource(self: ApplicationAutoScalingResponse) -> str:
        arn = json.loads(self.body)["ResourceARN"]
        return json.dumps({"Tags": tags.get(arn, {})})

    def tag_resource(self: ApplicationAutoScalingResponse) -> str:
        params = json.loads(self.body)
        tags.setdefault(params["ResourceARN"], {}).update(params.get("Tags") or {})
        return "{}"

    def untag_resource(self: ApplicationAutoScalingResponse) -> str:
        params = json.loads(self.body)
        for key in params.get("TagKeys") or []:
            tags.get(params["ResourceARN"], {}).pop(key, None)
        return "{}"

    # RegisterScalableTarget carries Tags too: keep them, keyed by the target's ARN.
    original = ApplicationAutoScalingResponse.register_scalable_target

    def register_scalable_target(self: ApplicationAutoScalingResponse) -> str:
        answer = original(self)
        given = json.loads(self.body).get("Tags") or {}
        arn = json.loads(answer).get("ScalableTargetARN")
        if arn and given:
            tags.setdefault(arn, {}).update(given)
        return answer

    cls = ApplicationAutoScalingResponse
    cls.list_tags_for_resource = list_tags_for_resource  # type: ignore[attr-defined]
    cls.tag_resource = tag_resource  # type: ignore[attr-defined]
    cls.untag_resource = untag_resource  # type: ignore[attr-defined]
    cls.register_scalable_target = register_scalable_target  # type: ignore[method-assign]


# --- CloudTrail DeleteTrail by ARN -----------------------------------------------------------


def _cloudtrail_delete_by_arn() -> None:
    """DeleteTrail with the trail's ARN: moto 5.2.5 deletes by name only and silently keeps the
    trail for an ARN (the provider deletes by ARN), so destroy left the trail behind."""
    from moto.cloudtrail.models import CloudTrailBackend

    original = CloudTrailBackend.delete_trail

    def delete_trail(self: CloudTrailBackend, name: str) -> None:
        for trail_name, trail in list(self.trails.items()):
            if trail.arn == name:
                name = trail_name
        original(self, name)

    CloudTrailBackend.delete_trail = delete_trail  # type: ignore[method-assign]


# --- Secrets Manager managed rotation --------------------------------------------------------


def _managed_rotation_cancel() -> None:
    """CancelRotateSecret on a secret with managed rotation (no Lambda): moto 5.2.5 refuses it.
    AWS accepts it for secrets RDS manages (``manage_master_user_password``): provider PR
    hashicorp/terraform-provider-aws#49659 cancels rotation of RDS master secrets this way, and
    the API reference names no Lambda requirement for CancelRotateSecret."""
    from moto.secretsmanager.models import SecretsManagerBackend

    original = SecretsManagerBackend.cancel_rotate_secret

    def cancel_rotate_secret(self: SecretsManagerBackend, secret_id: str) -> str:
        secret = self.secrets[secret_id] if self._is_valid_identifier(secret_id) else None
        managed = secret is not None and not getattr(secret, "rotation_lambda_arn", None)
        if managed and getattr(secret, "auto_rotate_after_days", None):
            secret.rotation_enabled = False  # type: ignore[union-attr]
            return str(secret.to_short_dict())  # type: ignore[union-attr]
        return str(original(self, secret_id))

    SecretsManagerBackend.cancel_rotate_secret = cancel_rotate_secret  # type: ignore[method-assign]


# --- S3 logging permission check ------------------------------------------------------------


def _s3_logging_check_string_principal() -> None:
    """PutBucketLogging: moto 5.2.5's check of the target bucket policy calls ``.get`` on every
    statement's Principal and crashes (HTTP 500) on ``"Principal": "*"``, which our TLS-only deny
    statements use (the IAM reference allows the string form). The check itself is kept: only the
    statements it cannot read (string principals, never the logging service's grant) are hidden
    from it."""
    from types import SimpleNamespace

    from moto.s3.models import FakeBucket

    original = FakeBucket._log_permissions_enabled_policy

    def check(target_bucket: FakeBucket, target_prefix: str | None) -> bool:
        policy = target_bucket.policy
        if policy:
            document = json.loads(policy.decode())
            statements = document.get("Statement", [])
            document["Statement"] = [
                stmt
                for stmt in (statements if isinstance(statements, list) else [statements])
                if isinstance(stmt.get("Principal"), dict)
            ]
            policy = json.dumps(document).encode()
        view = SimpleNamespace(
            policy=policy, partition=target_bucket.partition, name=target_bucket.name
        )
        return bool(original(view, target_prefix))  # type: ignore[arg-type]

    FakeBucket._log_permissions_enabled_policy = staticmethod(check)  # type: ignore[method-assign]


# --- S3 bucket-policy conditions on transport ------------------------------------------------

# Condition keys whose value is known for every request the rehearsal's emulator receives: it
# serves HTTPS only, with TLS 1.2 or later (ssl's default context), so aws:SecureTransport is
# "true" and s3:TlsVersion >= 1.2.
_TLS_CONDITION_KEYS = {"aws:securetransport", "s3:tlsversion"}


def _tls_deny_matches(statement: dict[str, Any]) -> bool:
    """Whether a Deny on transport (our TLS-only statements) matches an HTTPS, TLS>=1.2 request."""
    for operator, keys in (statement.get("Condition") or {}).items():
        for key, value in keys.items():
            wanted = value if isinstance(value, list) else [value]
            if key.lower() == "aws:securetransport" and operator == "Bool":
                if "true" not in [str(v).lower() for v in wanted]:
                    return False  # denies plain HTTP only: never this emulator's requests
            elif key.lower() == "s3:tlsversion" and operator == "NumericLessThan":
                if all(float(v) <= 1.2 for v in wanted):
                    return False  # denies TLS below 1.2 only
            else:
                return True
    return True


def _s3_policy_transport_conditions() -> None:
    """Object requests against a bucket policy: moto 5.2.5 evaluates statements without their
    conditions, so our TLS-only Deny statements (``aws:SecureTransport`` false, ``s3:TlsVersion``
    below 1.2) deny every object request, HTTPS included (HTTP 403). The emulator serves only
    HTTPS with TLS 1.2+, so those two conditions are decided here, and only they: any other
    conditional statement is still applied unconditionally, as moto does."""
    from moto.s3.models import FakeBucket

    original = FakeBucket.get_permission

    def get_permission(self: FakeBucket, action: str, resource: str) -> Any:
        policy = self.policy
        if policy is None:
            return original(self, action, resource)
        document = json.loads(policy.decode())
        statements = document.get("Statement", [])
        statements = statements if isinstance(statements, list) else [statements]
        kept = [
            stmt
            for stmt in statements
            if not (
                stmt.get("Effect") == "Deny"
                and stmt.get("Condition")
                and {k.lower() for keys in stmt["Condition"].values() for k in keys}
                <= _TLS_CONDITION_KEYS
                and not _tls_deny_matches(stmt)
            )
        ]
        self.policy = json.dumps({**document, "Statement": kept}).encode()
        try:
            return original(self, action, resource)
        finally:
            self.policy = policy

    FakeBucket.get_permission = get_permission  # type: ignore[method-assign]


# --- VPC flow logs with a destination ARN ----------------------------------------------------


def _flow_log_destination_arn() -> None:
    """CreateFlowLogs with a CloudWatch Logs destination ARN (what aws_flow_log sends): moto
    5.2.5 resolves only LogGroupName and reports the log FAILED ("Access error") for a group that
    exists. The group name is taken from the ARN, as AWS does; a missing group still fails."""
    from moto.ec2.models.flow_logs import FlowLogsBackend

    original = FlowLogsBackend.create_flow_logs

    def create_flow_logs(self: FlowLogsBackend, *args: Any, **kwargs: Any) -> Any:
        names = (
            "resource_type",
            "resource_ids",
            "traffic_type",
            "deliver_logs_permission_arn",
            "log_destination_type",
            "log_destination",
            "log_group_name",
            "log_format",
            "max_aggregation_interval",
        )
        call = dict(zip(names, args, strict=False)) | kwargs
        destination = str(call.get("log_destination") or "")
        if (
            call.get("log_destination_type") == "cloud-watch-logs"
            and not call.get("log_group_name")
            and ":log-group:" in destination
        ):
            call["log_group_name"] = destination.split(":log-group:", 1)[1].split(":", 1)[0]
        return original(self, **call)

    FlowLogsBackend.create_flow_logs = create_flow_logs  # type: ignore[method-assign]


# --- S3 bucket emptying and Object Lock on a bucket with objects -----------------------------


def _s3_delete_marker_dispose() -> None:
    """DeleteObjects on a bucket whose versioning is suspended (destroy suspends it before
    ``force_destroy`` empties the bucket): moto 5.2.5 then removes the whole key and calls
    ``dispose()`` on every version, and FakeDeleteMarker has none (AttributeError, HTTP 500). A
    delete marker holds no data: there is nothing to dispose of."""
    from moto.s3.models import FakeDeleteMarker

    if not hasattr(FakeDeleteMarker, "dispose"):
        FakeDeleteMarker.dispose = lambda self, garbage=False: None  # type: ignore[attr-defined]


def _s3_object_lock_on_bucket_with_objects() -> None:
    """PutObjectLockConfiguration on a bucket that already has Object Lock and objects: moto 5.2.5
    refuses any such call unless the bucket is empty ("Bucket needs to be empty"); AWS lets the
    default retention of a lock-enabled bucket change at any time (S3 API reference,
    PutObjectLockConfiguration). Terraform's destroy of the lock configuration makes that call
    on the evidence bucket, which holds evidence. Enabling Object Lock on a bucket that lacks it
    keeps moto's check."""
    from moto.s3.models import S3Backend

    original = S3Backend.put_object_lock_configuration

    def put_object_lock_configuration(
        self: S3Backend,
        bucket_name: str,
        lock_enabled: bool,
        mode: str | None = None,
        days: int | None = None,
        years: int | None = None,
    ) -> None:
        bucket = self.get_bucket(bucket_name)
        if not bucket.object_lock_enabled or bucket.keys.item_size() == 0:
            original(self, bucket_name, lock_enabled, mode, days, years)
            return
        bucket.default_lock_mode = mode
        bucket.default_lock_days = days
        bucket.default_lock_years = years

    S3Backend.put_object_lock_configuration = put_object_lock_configuration  # type: ignore[method-assign]


# --- one request at a time -------------------------------------------------------------------


# --- EC2 idempotency (ClientToken) ------------------------------------------------------------

EC2_API_VERSION = "2016-11-15"  # the Version every EC2 query-protocol request carries


def _sdk_attempt(environ: dict[str, Any]) -> int:
    """The SDK's attempt number of this request (header ``amz-sdk-request: [ttl=..; ]attempt=N[;
    max=M]``, sent by the AWS SDKs for Go v2 and botocore); 1 when absent."""
    import re

    found = re.search(r"attempt=(\d+)", str(environ.get("HTTP_AMZ_SDK_REQUEST", "")))
    return int(found.group(1)) if found else 1


# --- answers the emulator's server lost -------------------------------------------------------

MAX_REPLAY_BYTES = 1 << 20  # answers kept for a replay: ours are small (no large object reads)


def _lost_answer_replay() -> None:
    """A retry of an SDK invocation (same ``amz-sdk-invocation-id``, attempt > 1) whose earlier
    attempt moto already answered gets that answer again instead of running the request twice.
    Measured on 2026-12-07 (TF_LOG=DEBUG and this module's retry log): under load the provider's
    SDK retries requests about 0.1 s after sending them although moto ran them and answered 200,
    so the answer was lost between werkzeug's development server and the client (cause not
    established). Run twice, a create fails "already exists" (InvalidGroup.Duplicate,
    DBInstanceAlreadyExists, NetworkAclEntryAlreadyExists) or leaves a second resource. On AWS
    the first answer reaches the client; replaying it is that. Answers of 500 and above are not
    replayed: the SDK retries those on purpose, and the request runs again as it would on AWS."""
    import sys

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    answers: dict[str, tuple[str, list[tuple[str, str]], bytes]] = {}
    original = DomainDispatcherApplication.__call__

    def call(self: DomainDispatcherApplication, environ: dict[str, Any], start: Any) -> Any:
        invocation = str(environ.get("HTTP_AMZ_SDK_INVOCATION_ID", ""))
        if not invocation:
            return original(self, environ, start)
        if invocation in answers and _sdk_attempt(environ) > 1:
            status, headers, body = answers[invocation]
            print(
                f"emulator: replayed the answer to invocation {invocation} ({status})",
                file=sys.stderr,
                flush=True,
            )
            start(status, headers)
            return [body]
        seen: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            seen["status"], seen["headers"] = status, headers
            return start(status, headers, *exc)

        body = b"".join(original(self, environ, capture))
        status = str(seen.get("status", "500"))
        if int(status[:3]) < 500 and len(body) <= MAX_REPLAY_BYTES:
            answers[invocation] = (status, seen["headers"], body)
        return [body]

    DomainDispatcherApplication.__call__ = call  # type: ignore[method-assign,assignment]


def _ec2_client_token_idempotency() -> None:
    """An EC2 request repeated with the same ClientToken gets the first answer, as on AWS ("Ensuring
    idempotency in Amazon EC2 API requests", EC2 API reference); moto 5.2.5 stores the token and
    runs the request again. The provider sends a token on creates such as CreateVpcEndpoint and the
    SDK repeats it on a retry, so a retried create left a second endpoint behind after destroy
    (seen in CI on 2026-12-07: "left behind after destroy: vpc endpoint
    streamflix-endpoint-securityhub-ci (available)" after Terraform destroyed the one it made).
    Every retried request (header ``amz-sdk-request: attempt=N``, N > 1) is also written to the
    emulator's log, so a retry is seen, not guessed. Applied before serial-requests, which
    therefore wraps it: a repeat waits for the first answer instead of racing it."""
    import io
    import sys
    from urllib.parse import parse_qs

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    answers: dict[tuple[str, str], tuple[str, list[tuple[str, str]], bytes]] = {}
    original = DomainDispatcherApplication.__call__

    def form(environ: dict[str, Any]) -> dict[str, list[str]]:
        """The request's form parameters; the body is put back for the application."""
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if not length or "x-www-form-urlencoded" not in environ.get("CONTENT_TYPE", ""):
            return {}
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)
        return parse_qs(body.decode("utf-8", "replace"))

    def call(self: DomainDispatcherApplication, environ: dict[str, Any], start: Any) -> Any:
        params = form(environ)
        action = (params.get("Action") or [""])[0]
        if _sdk_attempt(environ) > 1:
            what = action or environ.get("HTTP_X_AMZ_TARGET") or environ.get("PATH_INFO")
            attempt = environ.get("HTTP_AMZ_SDK_REQUEST")
            print(f"emulator: retried request {what}: {attempt}", file=sys.stderr, flush=True)
        token = (params.get("ClientToken") or [""])[0]
        if not token or (params.get("Version") or [""])[0] != EC2_API_VERSION:
            return original(self, environ, start)
        if (action, token) in answers:
            status, headers, body = answers[(action, token)]
            start(status, headers)
            return [body]
        seen: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            seen["status"], seen["headers"] = status, headers
            return start(status, headers, *exc)

        body = b"".join(original(self, environ, capture))
        if str(seen.get("status", "")).startswith("200"):
            answers[(action, token)] = (seen["status"], seen["headers"], body)
        return [body]

    DomainDispatcherApplication.__call__ = call  # type: ignore[method-assign,assignment]


def _serial_requests() -> None:
    """Every request handled one at a time: moto 5.2.5's server is threaded but its backends are
    not thread-safe; with Terraform's parallel calls, concurrent AuthorizeSecurityGroupEgress
    calls on one group were seen to fail "InvalidPermission.Duplicate" for rules that exist once.
    AWS serves concurrent calls; this only takes the emulator's own race away."""
    import threading

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    lock = threading.Lock()
    original = DomainDispatcherApplication.__call__

    def call(self: DomainDispatcherApplication, environ: dict[str, Any], start: Any) -> Any:
        with lock:
            return original(self, environ, start)

    DomainDispatcherApplication.__call__ = call  # type: ignore[method-assign,assignment]


# --- EC2 security group rules ----------------------------------------------------------------


def _unknown_rule_id_code() -> None:
    """RevokeSecurityGroupIngress/Egress naming a rule id the group does not hold: AWS answers
    ``InvalidSecurityGroupRuleId.NotFound``, moto 5.2.5 ``InvalidPermission.NotFound``. The
    provider deletes aws_vpc_security_group_{ingress,egress}_rule by id and treats AWS's code (and
    ``InvalidGroup.NotFound``) as "already deleted" (internal/service/ec2, the rule resources'
    Delete); moto's code fails the destroy instead. Seen in CI on 2026-12-07: a destroy's revoke of
    a rule read a moment earlier met moto's code (why the rule was gone by then, inside the
    emulator, is not established; requests are served one at a time, see serial-requests)."""
    from moto.ec2.exceptions import EC2ClientError
    from moto.ec2.models.security_groups import SecurityGroupBackend

    def aws_code(name: str, rules_of: str) -> None:
        original = getattr(SecurityGroupBackend, name)

        def revoke(self: SecurityGroupBackend, group_name_or_id: str, *args: Any, **kw: Any) -> Any:
            ids = kw.get("security_rule_ids")
            group = self.get_security_group_by_name_or_id(group_name_or_id, kw.get("vpc_id"))
            if ids and group is not None:
                held = {rule.id for rule in getattr(group, rules_of)}
                for rule_id in ids:
                    if rule_id not in held:
                        raise EC2ClientError(
                            "InvalidSecurityGroupRuleId.NotFound",
                            f"The security group rule ID '{rule_id}' does not exist",
                        )
            return original(self, group_name_or_id, *args, **kw)

        setattr(SecurityGroupBackend, name, revoke)

    aws_code("revoke_security_group_ingress", "ingress_rules")
    aws_code("revoke_security_group_egress", "egress_rules")


SHIMS: tuple[Shim, ...] = (
    # Applied in this order, each wrapping the one before: serial-requests' lock wraps both
    # answer shims, so a retry waits for the first attempt's answer instead of racing it.
    Shim(
        "lost-answer-replay",
        ("*",),
        "under load the SDK retries requests whose answer moto's development server sent but "
        "the client never got; moto then runs a create twice. The retry gets the first answer",
        _lost_answer_replay,
    ),
    Shim(
        "ec2-client-token-idempotency",
        ("ec2:*",),
        "moto runs an EC2 request repeated with the same ClientToken again (a retried "
        "CreateVpcEndpoint left a second endpoint); AWS answers it with the first result",
        _ec2_client_token_idempotency,
    ),
    Shim(
        "serial-requests",
        ("*",),
        "moto's backends are not thread-safe under the provider's parallel calls (a security "
        "group rule was refused as a duplicate of itself)",
        _serial_requests,
    ),
    Shim(
        "ec2-unknown-rule-id-code",
        ("ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress"),
        "moto answers a revoke of an unknown rule id with InvalidPermission.NotFound, AWS with "
        "InvalidSecurityGroupRuleId.NotFound, which the provider's destroy takes as already gone",
        _unknown_rule_id_code,
    ),
    Shim(
        "backup-selections",
        (
            "backup:CreateBackupSelection",
            "backup:GetBackupSelection",
            "backup:DeleteBackupSelection",
            "backup:ListBackupSelections",
        ),
        "moto has no handler for backup selections (HTTP 500); aws_backup_selection needs them",
        _backup_selections,
    ),
    Shim(
        "backup-recovery-points",
        ("backup:ListRecoveryPointsByBackupVault",),
        "moto has no route for it (HTTP 404); destroying a backup vault lists its recovery points",
        _backup_recovery_points,
    ),
    Shim(
        "application-autoscaling-tags",
        (
            "application-autoscaling:ListTagsForResource",
            "application-autoscaling:TagResource",
            "application-autoscaling:UntagResource",
        ),
        "moto has no tag operations for scalable targets (HTTP 500); the provider reads them",
        _autoscaling_tags,
    ),
    Shim(
        "s3-logging-check-string-principal",
        ("s3:PutBucketLogging",),
        "moto's target-bucket policy check crashes (HTTP 500) on a statement with "
        '"Principal": "*"',
        _s3_logging_check_string_principal,
    ),
    Shim(
        "s3-policy-transport-conditions",
        ("s3:PutObject", "s3:GetObject", "s3:DeleteObject"),
        "moto applies bucket-policy statements without their conditions, so a TLS-only Deny "
        "refuses HTTPS requests too; the emulator serves only TLS 1.2+, so those two conditions "
        "are decided for it",
        _s3_policy_transport_conditions,
    ),
    Shim(
        "s3-delete-marker-dispose",
        ("s3:DeleteObjects", "s3:DeleteObject"),
        "moto fails (HTTP 500) to delete a key whose versions include a delete marker, so a "
        "versioned bucket with a delete marker cannot be emptied by force_destroy",
        _s3_delete_marker_dispose,
    ),
    Shim(
        "s3-object-lock-on-bucket-with-objects",
        ("s3:PutObjectLockConfiguration",),
        "moto refuses to change a lock-enabled bucket's default retention once it holds objects; "
        "AWS allows it, and destroying aws_s3_bucket_object_lock_configuration does it",
        _s3_object_lock_on_bucket_with_objects,
    ),
    Shim(
        "flow-log-destination-arn",
        ("ec2:CreateFlowLogs",),
        "moto resolves a flow log's group from LogGroupName only and reports one created with a "
        "destination ARN as FAILED to deliver",
        _flow_log_destination_arn,
    ),
    Shim(
        "cloudtrail-delete-by-arn",
        ("cloudtrail:DeleteTrail",),
        "moto ignores DeleteTrail given an ARN (the provider's form), so destroy left the trail",
        _cloudtrail_delete_by_arn,
    ),
    Shim(
        "secrets-managed-rotation-cancel",
        ("secretsmanager:CancelRotateSecret",),
        "moto refuses CancelRotateSecret without a rotation Lambda; AWS accepts it for "
        "RDS-managed secrets (destroy of aws_secretsmanager_secret_rotation calls it)",
        _managed_rotation_cancel,
    ),
)


def apply_all() -> tuple[Shim, ...]:
    """Patch the imported moto in this process (the emulator's) and return what was applied."""
    for shim in SHIMS:
        shim.apply()
    return SHIMS
