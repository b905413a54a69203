"""Issue 20: each emulator shim fills an operation plain moto lacks, and only that.

``test_plain_moto_still_lacks_*`` runs the operation against an unpatched moto server: the day
moto implements it, that test fails and the shim is removed, so the list only shrinks.
``test_the_shimmed_emulator_*`` runs the same operations against the rehearsal's emulator.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from rehearsal.emulator import Emulator, running_emulator
from rehearsal.shims import MOTO_VERSION, SHIMS

pytestmark = pytest.mark.services
REGION = "eu-central-1"
ROLE = "arn:aws:iam::123456789012:role/backup"


def _clients(endpoint: str, verify: Any) -> Callable[[str], Any]:
    def make(service: str) -> Any:
        return boto3.client(
            service,  # type: ignore[call-overload]
            region_name=REGION,
            endpoint_url=endpoint,
            verify=verify,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )

    return make


@pytest.fixture(scope="module")
def plain() -> Iterator[Callable[[str], Any]]:
    from moto.server import ThreadedMotoServer

    from rehearsal.emulator import free_port

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    yield _clients(f"http://127.0.0.1:{port}", True)
    server.stop()


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    with running_emulator(tmp_path_factory.mktemp("emulator")) as running:
        yield running


@pytest.fixture(scope="module")
def shimmed(emulator: Emulator) -> Callable[[str], Any]:
    return _clients(emulator.endpoint, str(emulator.ca_bundle))


def _backup_selection(client: Callable[[str], Any], name: str) -> Any:
    backup = client("backup")
    plan = backup.create_backup_plan(
        BackupPlan={
            "BackupPlanName": name,
            "Rules": [{"RuleName": "daily", "TargetBackupVaultName": "v"}],
        }
    )
    selection = backup.create_backup_selection(
        BackupPlanId=plan["BackupPlanId"],
        BackupSelection={"SelectionName": "s", "IamRoleArn": ROLE, "Resources": ["*"]},
    )
    return backup, plan["BackupPlanId"], selection["SelectionId"]


def _scalable_target(client: Callable[[str], Any], table: str) -> tuple[Any, str]:
    client("dynamodb").create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
    )
    aas = client("application-autoscaling")
    answer = aas.register_scalable_target(
        ServiceNamespace="dynamodb",
        ResourceId=f"table/{table}",
        ScalableDimension="dynamodb:table:ReadCapacityUnits",
        MinCapacity=1,
        MaxCapacity=2,
        Tags={"Project": "streamflix"},
    )
    return aas, answer["ScalableTargetARN"]


def _logging_target(client: Callable[[str], Any], prefix: str) -> Any:
    s3 = client("s3")
    logs, src = f"{prefix}-logs", f"{prefix}-src"
    for bucket in (logs, src):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {  # the TLS-only deny every bucket of ours carries: a string principal
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{logs}", f"arn:aws:s3:::{logs}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            {
                "Sid": "S3ServerAccessLogDelivery",
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{logs}/*",
            },
        ],
    }
    s3.put_bucket_policy(Bucket=logs, Policy=json.dumps(policy))
    return s3, src, logs


def _trail(client: Callable[[str], Any], name: str) -> tuple[Any, str]:
    s3 = client("s3")
    s3.create_bucket(Bucket=f"{name}-b", CreateBucketConfiguration={"LocationConstraint": REGION})
    ct = client("cloudtrail")
    return ct, ct.create_trail(Name=name, S3BucketName=f"{name}-b")["TrailARN"]


def _managed_secret(client: Callable[[str], Any], name: str) -> Any:
    sm = client("secretsmanager")
    sm.create_secret(Name=name, SecretString="x")
    sm.rotate_secret(
        SecretId=name, RotationRules={"AutomaticallyAfterDays": 30}, RotateImmediately=False
    )
    return sm


def test_every_shim_names_its_operations_and_the_moto_version() -> None:
    from importlib.metadata import version

    assert version("moto") == MOTO_VERSION
    assert all(s.operations and len(s.why) > 20 for s in SHIMS)
    assert len({s.name for s in SHIMS}) == len(SHIMS)


def test_plain_moto_still_lacks_backup_selections(plain: Callable[[str], Any]) -> None:
    with pytest.raises(ClientError, match=r"500|InternalFailure|not been implemented"):
        _backup_selection(plain, "plain-plan")


def test_plain_moto_still_lacks_scalable_target_tags(plain: Callable[[str], Any]) -> None:
    aas, arn = _scalable_target(plain, "plain")
    with pytest.raises(ClientError, match=r"500|InternalFailure|not been implemented"):
        aas.list_tags_for_resource(ResourceARN=arn)


def test_plain_moto_still_crashes_on_a_string_principal(plain: Callable[[str], Any]) -> None:
    s3, src, logs = _logging_target(plain, "plain")
    with pytest.raises(ClientError, match=r"500|InternalError"):
        s3.put_bucket_logging(
            Bucket=src,
            BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": logs, "TargetPrefix": "s/"}},
        )


def test_plain_moto_still_keeps_a_trail_deleted_by_arn(plain: Callable[[str], Any]) -> None:
    ct, arn = _trail(plain, "plain-trail")
    ct.delete_trail(Name=arn)
    # (other tests' trails may share this in-process moto: only ours is asked about)
    assert "plain-trail" in [t["Name"] for t in ct.describe_trails()["trailList"]]


def test_plain_moto_still_refuses_cancelling_managed_rotation(
    plain: Callable[[str], Any],
) -> None:
    sm = _managed_secret(plain, "rds!plain")
    with pytest.raises(ClientError, match="Lambda"):
        sm.cancel_rotate_secret(SecretId="rds!plain")


def _flow_log(client: Callable[[str], Any], group: str) -> str:
    client("logs").create_log_group(logGroupName=group)
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    made = ec2.create_flow_logs(
        ResourceIds=[vpc],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="cloud-watch-logs",
        LogDestination=f"arn:aws:logs:{REGION}:123456789012:log-group:{group}",
        DeliverLogsPermissionArn="arn:aws:iam::123456789012:role/flow",
    )
    (flow,) = ec2.describe_flow_logs(FlowLogIds=made["FlowLogIds"])["FlowLogs"]
    return str(flow["DeliverLogsStatus"])


def test_plain_moto_still_fails_a_flow_log_given_a_destination_arn(
    plain: Callable[[str], Any],
) -> None:
    assert _flow_log(plain, "plain-flow") == "FAILED"


def test_the_shimmed_emulator_delivers_a_flow_log_given_a_destination_arn(
    shimmed: Callable[[str], Any],
) -> None:
    assert _flow_log(shimmed, "shim-flow") == "SUCCESS"


def _tls_only_bucket(client: Callable[[str], Any], name: str, extra: list[Any]) -> Any:
    s3 = client("s3")
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    arns = [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"]
    deny = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": arns}
    statements = [
        {**deny, "Sid": "Tls", "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {**deny, "Sid": "Old", "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}}},
        *extra,
    ]
    s3.put_bucket_policy(
        Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": statements})
    )
    return s3


def test_plain_moto_still_ignores_the_transport_conditions(plain: Callable[[str], Any]) -> None:
    s3 = _tls_only_bucket(plain, "plain-tls", [])
    with pytest.raises(ClientError, match=r"403|Forbidden"):
        s3.put_object(Bucket="plain-tls", Key="k", Body=b"x")


def test_the_shimmed_emulator_decides_only_the_transport_conditions(
    shimmed: Callable[[str], Any],
) -> None:
    s3 = _tls_only_bucket(shimmed, "shim-tls", [])
    s3.put_object(Bucket="shim-tls", Key="k", Body=b"x")  # HTTPS, TLS >= 1.2: allowed
    other = {
        "Sid": "NotOurs",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:PutObject",
        "Resource": "arn:aws:s3:::shim-other/*",
        "Condition": {"StringNotEquals": {"aws:PrincipalAccount": "111122223333"}},
    }
    s3 = _tls_only_bucket(shimmed, "shim-other", [other])
    with pytest.raises(ClientError, match=r"403|Forbidden"):  # still applied as moto does
        s3.put_object(Bucket="shim-other", Key="k", Body=b"x")


def _versioned_with_delete_marker(client: Callable[[str], Any], name: str) -> Any:
    s3 = client("s3")
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=name, Key="k", Body=b"1")
    s3.delete_object(Bucket=name, Key="k")  # a delete marker
    versions = s3.list_object_versions(Bucket=name)
    objects = [
        {"Key": v["Key"], "VersionId": v["VersionId"]}
        for v in versions.get("Versions", []) + versions.get("DeleteMarkers", [])
    ]
    # What destroy does first: aws_s3_bucket_versioning's delete suspends versioning; moto then
    # takes DeleteObjects for an unversioned bucket and disposes every version of the key.
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Suspended"})
    return s3, objects


def test_plain_moto_still_fails_to_delete_a_delete_marker(plain: Callable[[str], Any]) -> None:
    s3, objects = _versioned_with_delete_marker(plain, "plain-markers")
    with pytest.raises(ClientError, match=r"500|InternalError"):
        s3.delete_objects(Bucket="plain-markers", Delete={"Objects": objects})


def test_the_shimmed_emulator_empties_a_bucket_with_a_delete_marker(
    shimmed: Callable[[str], Any],
) -> None:
    s3, objects = _versioned_with_delete_marker(shimmed, "shim-markers")
    s3.delete_objects(Bucket="shim-markers", Delete={"Objects": objects})
    assert "Versions" not in s3.list_object_versions(Bucket="shim-markers")


def _locked_bucket_with_an_object(client: Callable[[str], Any], name: str) -> Any:
    s3 = client("s3")
    s3.create_bucket(
        Bucket=name,
        CreateBucketConfiguration={"LocationConstraint": REGION},
        ObjectLockEnabledForBucket=True,
    )
    s3.put_object(Bucket=name, Key="evidence", Body=b"x", ChecksumAlgorithm="SHA256")
    return s3


def test_plain_moto_still_refuses_lock_changes_on_a_bucket_with_objects(
    plain: Callable[[str], Any],
) -> None:
    s3 = _locked_bucket_with_an_object(plain, "plain-lock")
    with pytest.raises(ClientError, match="Bucket needs to be empty"):
        s3.put_object_lock_configuration(
            Bucket="plain-lock", ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"}
        )


def test_the_shimmed_emulator_changes_the_default_retention_of_a_bucket_with_objects(
    shimmed: Callable[[str], Any],
) -> None:
    s3 = _locked_bucket_with_an_object(shimmed, "shim-lock")
    rule = {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 2}}
    s3.put_object_lock_configuration(
        Bucket="shim-lock", ObjectLockConfiguration={"ObjectLockEnabled": "Enabled", "Rule": rule}
    )
    got = s3.get_object_lock_configuration(Bucket="shim-lock")["ObjectLockConfiguration"]
    assert got["Rule"]["DefaultRetention"]["Days"] == 2


def _vault_points(client: Callable[[str], Any], name: str) -> Any:
    backup = client("backup")
    backup.create_backup_vault(BackupVaultName=name)
    return backup.list_recovery_points_by_backup_vault(BackupVaultName=name)["RecoveryPoints"]


def test_plain_moto_still_lacks_recovery_point_listing(plain: Callable[[str], Any]) -> None:
    with pytest.raises(ClientError):
        _vault_points(plain, "plain-vault")


def test_the_shimmed_emulator_lists_a_vault_s_recovery_points(
    shimmed: Callable[[str], Any],
) -> None:
    assert _vault_points(shimmed, "shim-vault") == []
    with pytest.raises(ClientError, match=r"ResourceNotFound|not found|404"):
        shimmed("backup").list_recovery_points_by_backup_vault(BackupVaultName="no-such-vault")


def test_the_shimmed_emulator_keeps_backup_selections(shimmed: Callable[[str], Any]) -> None:
    backup, plan_id, selection_id = _backup_selection(shimmed, "shim-plan")
    got = backup.get_backup_selection(BackupPlanId=plan_id, SelectionId=selection_id)
    assert got["BackupSelection"]["IamRoleArn"] == ROLE
    listed = backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]
    assert [s["SelectionId"] for s in listed] == [selection_id]
    backup.delete_backup_selection(BackupPlanId=plan_id, SelectionId=selection_id)
    assert backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"] == []


def test_the_shimmed_emulator_tags_scalable_targets(shimmed: Callable[[str], Any]) -> None:
    aas, arn = _scalable_target(shimmed, "shim")
    assert aas.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"Project": "streamflix"}
    aas.tag_resource(ResourceARN=arn, Tags={"Owner": "team"})
    aas.untag_resource(ResourceARN=arn, TagKeys=["Project"])
    assert aas.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"Owner": "team"}


def test_the_shimmed_emulator_still_checks_the_logging_grant(
    shimmed: Callable[[str], Any],
) -> None:
    s3, src, logs = _logging_target(shimmed, "shim")
    status = {"LoggingEnabled": {"TargetBucket": logs, "TargetPrefix": "s/"}}
    s3.put_bucket_logging(Bucket=src, BucketLoggingStatus=status)
    # Without the logging service's grant the check still refuses, as S3 does.
    s3.delete_bucket_policy(Bucket=logs)
    with pytest.raises(ClientError, match="InvalidTargetBucketForLogging"):
        s3.put_bucket_logging(Bucket=src, BucketLoggingStatus=status)


def test_the_shimmed_emulator_deletes_a_trail_by_arn(shimmed: Callable[[str], Any]) -> None:
    ct, arn = _trail(shimmed, "shim-trail")
    ct.delete_trail(Name=arn)
    assert "shim-trail" not in [t["Name"] for t in ct.describe_trails()["trailList"]]


def test_the_shimmed_emulator_cancels_managed_rotation_only(
    shimmed: Callable[[str], Any],
) -> None:
    sm = _managed_secret(shimmed, "rds!shim")
    sm.cancel_rotate_secret(SecretId="rds!shim")
    assert not sm.describe_secret(SecretId="rds!shim").get("RotationEnabled")
    sm.create_secret(Name="plain-secret", SecretString="x")  # never rotated: still refused
    with pytest.raises(ClientError):
        sm.cancel_rotate_secret(SecretId="plain-secret")


def _revoke_unknown_rule(client: Callable[[str], Any], name: str) -> tuple[str, str]:
    """Revoke a rule id the group does not hold (after revoking the real one): the error code."""
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    groups = [
        ec2.create_security_group(GroupName=f"{name}-{n}", Description=n, VpcId=vpc)["GroupId"]
        for n in ("endpoints", "workers")
    ]
    added = ec2.authorize_security_group_ingress(
        GroupId=groups[0],
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "UserIdGroupPairs": [{"GroupId": groups[1]}],
            }
        ],
    )
    rule = added["SecurityGroupRules"][0]["SecurityGroupRuleId"]
    ec2.revoke_security_group_ingress(GroupId=groups[0], SecurityGroupRuleIds=[rule])
    codes = []
    for revoke in (ec2.revoke_security_group_ingress, ec2.revoke_security_group_egress):
        with pytest.raises(ClientError) as refused:
            revoke(GroupId=groups[0], SecurityGroupRuleIds=[rule])
        codes.append(refused.value.response["Error"]["Code"])
    return codes[0], codes[1]


def test_plain_moto_still_answers_an_unknown_rule_id_with_its_own_code(
    plain: Callable[[str], Any],
) -> None:
    assert _revoke_unknown_rule(plain, "plain") == (
        "InvalidPermission.NotFound",
        "InvalidPermission.NotFound",
    )


def test_the_shimmed_emulator_answers_an_unknown_rule_id_as_aws_does(
    shimmed: Callable[[str], Any],
) -> None:
    """The code the provider's destroy takes as "already deleted"; the known rule was revoked."""
    assert _revoke_unknown_rule(shimmed, "shimmed") == (
        "InvalidSecurityGroupRuleId.NotFound",
        "InvalidSecurityGroupRuleId.NotFound",
    )


def _endpoint_twice_with_one_token(client: Callable[[str], Any], name: str) -> list[str]:
    """CreateVpcEndpoint sent twice with one ClientToken (what an SDK retry sends): the ids
    answered, and the endpoints of that VPC the emulator then lists."""
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    request = {
        "VpcId": vpc,
        "ServiceName": f"com.amazonaws.{REGION}.s3",
        "VpcEndpointType": "Gateway",
        "ClientToken": f"token-{name}",
    }
    answered = [ec2.create_vpc_endpoint(**request)["VpcEndpoint"]["VpcEndpointId"] for _ in "12"]
    listed = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc]}])
    return answered + sorted(e["VpcEndpointId"] for e in listed["VpcEndpoints"])


def test_plain_moto_still_runs_a_repeated_client_token_again(plain: Callable[[str], Any]) -> None:
    first, second, *listed = _endpoint_twice_with_one_token(plain, "plain")
    assert first != second and listed == sorted([first, second])


def test_the_shimmed_emulator_answers_a_repeated_client_token_with_the_first_result(
    shimmed: Callable[[str], Any],
) -> None:
    first, second, *listed = _endpoint_twice_with_one_token(shimmed, "shimmed")
    assert first == second and listed == [first]
    # another token is another request
    assert _endpoint_twice_with_one_token(shimmed, "other")[0] != first


def test_the_emulator_logs_every_retried_request(emulator: Emulator) -> None:
    """An SDK retry is written to the emulator's log (the duplicate creates were found this way)."""
    ec2 = _clients(emulator.endpoint, str(emulator.ca_bundle))("ec2")

    def retry_header(request: Any, **_: Any) -> None:
        request.headers["amz-sdk-request"] = "ttl=20261207T000000Z; attempt=2; max=3"

    ec2.meta.events.register("before-send.ec2.DescribeVpcs", retry_header)
    ec2.describe_vpcs()
    ec2.describe_security_groups()  # a first attempt: not logged
    log = emulator.log.read_text(encoding="utf-8", errors="replace")
    assert "emulator: retried request DescribeVpcs: ttl=20261207T000000Z; attempt=2; max=3" in log
    assert "retried request DescribeSecurityGroups" not in log


def _create_group_retried(client: Callable[[str], Any], name: str) -> list[str]:
    """CreateSecurityGroup sent as attempt 1, then again as attempt 2 of the same invocation (an
    SDK retry after a lost answer): the group id of each answer, or the error code."""
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    attempt = {"n": 0}

    def same_invocation(request: Any, **_: Any) -> None:
        attempt["n"] += 1
        request.headers["amz-sdk-invocation-id"] = f"invocation-{name}"
        request.headers["amz-sdk-request"] = f"attempt={attempt['n']}; max=3"

    ec2.meta.events.register("before-send.ec2.CreateSecurityGroup", same_invocation)
    answers = []
    for _ in "12":
        try:
            answers.append(
                ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
            )
        except ClientError as refused:
            answers.append(refused.response["Error"]["Code"])
    return answers


def test_plain_moto_still_runs_a_retried_invocation_again(plain: Callable[[str], Any]) -> None:
    first, second = _create_group_retried(plain, "plain-retry")
    assert first.startswith("sg-") and second == "InvalidGroup.Duplicate"


def test_the_shimmed_emulator_answers_a_retried_invocation_with_its_first_answer(
    shimmed: Callable[[str], Any],
) -> None:
    first, second = _create_group_retried(shimmed, "shimmed-retry")
    assert first.startswith("sg-") and second == first
    # a new invocation of the same call is a new request: moto refuses the duplicate as AWS does
    ec2 = shimmed("ec2")
    vpc = ec2.describe_security_groups(GroupIds=[first])["SecurityGroups"][0]["VpcId"]
    with pytest.raises(ClientError, match=r"InvalidGroup\.Duplicate"):
        ec2.create_security_group(GroupName="shimmed-retry", Description="x", VpcId=vpc)
