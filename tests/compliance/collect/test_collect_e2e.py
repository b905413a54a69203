"""The collector against moto server: the designed account satisfies every check; each negative
case flips exactly its control. The account is named from the session's synthesized stack."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import jsonschema  # type: ignore[import-untyped]
import pytest

from compliance.assess import ControlStatus
from compliance.catalog import Catalog, ControlKind
from compliance.collect.__main__ import main as collect_main
from compliance.collect.checks import ALL_CHECKS, CHECKS_BY_ID, CIS_CHAIN, RUNTIME_CONTROLS
from compliance.collect.design import Design
from compliance.collect.model import ItemStatus, RuntimeEvidence
from compliance.runtime_evidence import SCHEMA_PATH, summarise
from simulation.account import SimulatedAccount

from .conftest import Collect, Run


def statuses(evidence: RuntimeEvidence, at: datetime) -> dict[str, ControlStatus]:
    summary = summarise(evidence, Path("x.json"), "0" * 64, list(RUNTIME_CONTROLS), at)
    return {c.control_id: c.status for c in summary.controls}


def test_every_check_is_satisfied_on_the_designed_account(baseline: Run, design: Design) -> None:
    items = baseline.evidence.items
    bad = [
        (i.check_id, i.resource_arn, i.observed, i.detail)
        for i in items
        if i.status is not ItemStatus.SATISFIED
    ]
    assert bad == []
    assert {i.check_id for i in items} == {c.id for c in ALL_CHECKS}
    per_check = {c.id: [i for i in items if i.check_id == c.id] for c in ALL_CHECKS}
    assert len(per_check["alerts.alarm"]) == len(design.alarms) > 20
    assert {i.resource_arn.rsplit(":", 1)[1] for i in per_check["logs.group"]} == {
        g.name for g in design.log_groups
    }
    assert len(per_check["network.security-group"]) == len(design.security_groups)
    assert baseline.evidence.stack_name == "streamflix-qa1"
    assert baseline.evidence.account_id == "123456789012"


def test_every_runtime_control_of_the_catalog_gets_evidence(catalog: Catalog) -> None:
    runtime = {c.id for c in catalog.controls if c.kind is ControlKind.RUNTIME}
    assert set(RUNTIME_CONTROLS) == runtime


def test_the_evidence_file_follows_its_schema_and_round_trips(baseline: Run) -> None:
    data = json.loads(baseline.path.read_text())
    jsonschema.validate(data, json.loads(SCHEMA_PATH.read_text()))
    assert RuntimeEvidence.from_json(data) == baseline.evidence
    assert data["drift"] == []
    item = data["items"][0]
    assert {
        "check_id",
        "control_ids",
        "api_call",
        "resource_arn",
        "observed",
        "expected",
        "status",
        "collected_at",
        "expires_at",
    } <= set(item)


def test_sampled_populations_can_be_re_performed(baseline: Run, now: datetime) -> None:
    sampled = {i.check_id: i.sampling for i in baseline.evidence.items if i.sampling}
    assert set(sampled) == {"secrets.rotation-events", "database.backup-jobs"}
    jobs = sampled["database.backup-jobs"]
    assert jobs is not None and jobs.population == 3 and jobs.seed == 7
    assert jobs.period_end == now and jobs.period_start == now - timedelta(days=7)
    population = sorted(f"job-{d}" for d in range(3))
    assert list(jobs.population_ids) == population  # the whole population is kept (issue 22)
    redrawn = sorted(random.Random(jobs.seed).sample(population, min(jobs.size, len(population))))
    assert list(jobs.sample) == redrawn
    assert jobs.frequency == "weekly" and jobs.size == 15  # 3 jobs in 7 days: ~156 a year


def test_every_stored_sample_is_redrawn_from_the_file_alone(baseline: Run) -> None:
    """Issue 22 item 4: read the written file (no AWS), re-draw each sample from its stored
    population, method and seed, and get the same sample."""
    stored = RuntimeEvidence.from_json(json.loads(baseline.path.read_text()))
    sampled = [i.sampling for i in stored.items if i.sampling is not None]
    assert sampled
    for sampling in sampled:
        assert len(sampling.population_ids) == sampling.population
        assert sampling.method and sampling.frequency and sampling.size >= 1
        assert sampling.redraw() == sampling.sample


def test_validity_per_check_sets_expiry_and_expired_evidence_counts_as_not_run(
    baseline: Run, now: datetime
) -> None:
    lag = next(i for i in baseline.evidence.items if i.check_id == "workers.lag")
    assert lag.expires_at - lag.collected_at == timedelta(hours=1)
    later = statuses(baseline.evidence, now + timedelta(hours=2))
    assert later["SFX-CTL-OPS-09"] is ControlStatus.NOT_RUN
    assert later["SFX-CTL-OPS-10"] is ControlStatus.SATISFIED  # logs evidence holds a week
    assert set(statuses(baseline.evidence, now).values()) == {ControlStatus.SATISFIED}


def _add_world_ingress(a: SimulatedAccount) -> None:
    group = a.ids[f"sg:{a.design.security_groups[0]}"]
    a.client("ec2").authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            }
        ],
    )


def _lag_above_threshold(a: SimulatedAccount) -> None:
    a.client("cloudwatch").put_metric_data(
        Namespace="AWS/Kinesis",
        MetricData=[
            {
                "MetricName": "GetRecords.IteratorAgeMilliseconds",
                "Dimensions": [{"Name": "StreamName", "Value": a.design.stream_name}],
                "Timestamp": a.now - timedelta(minutes=2),
                "Value": a.design.iterator_age_threshold_ms * 2,
            }
        ],
    )


def _backup_job_failed(a: SimulatedAccount) -> None:
    a.gaps.backup_jobs[0]["State"] = "FAILED"


# Without a subscriber no CIS 4.x chain reaches anyone (compliance/collect/cis_monitoring.py).
EVERY_CIS_CHAIN = frozenset(c.id for c in CIS_CHAIN.values())

# "rotation failed" and "backup job failed" change the answers the simulation supplies for APIs
# moto lacks (cloudtrail:LookupEvents, backup:ListBackupJobs; see simulation/account.py).
# The third element: the check that must fail, or every check that must (one change can break
# several links, e.g. a deleted CIS alarm is also a missing stack alarm).
NEGATIVES: dict[str, tuple[Callable[[SimulatedAccount], None], str, str | frozenset[str]]] = {
    "trail stopped": (SimulatedAccount.stop_trail, "SFX-CTL-OPS-01", "trail.logging"),
    "subscription absent": (
        SimulatedAccount.remove_subscriptions,
        "SFX-CTL-OPS-05",
        frozenset({"alerts.subscription", *EVERY_CIS_CHAIN}),
    ),
    "rotation failed (CloudTrail event)": (
        lambda a: a.add_rotation_event("RotationFailed", a.now - timedelta(days=1)),
        "SFX-CTL-OPS-03",
        "secrets.rotation-events",
    ),
    "retention changed to 30 days": (
        lambda a: a.set_retention(a.design.log_groups[0].name, 30),
        "SFX-CTL-OPS-10",
        "logs.group",
    ),
    "alarm deleted": (
        lambda a: a.delete_alarm(a.design.alarms[0].name),
        "SFX-CTL-OPS-05",
        frozenset({"alerts.alarm", CIS_CHAIN["4.10"].id}),  # alarms[0] is the CIS 4.10 alarm
    ),
    "non-CIS alarm deleted": (
        lambda a: a.delete_alarm(a.design.iterator_age_alarm),
        "SFX-CTL-OPS-05",
        "alerts.alarm",
    ),
    "alarm actions disabled": (
        lambda a: a.disable_alarm_actions(a.design.alarms[-1].name),
        "SFX-CTL-OPS-05",
        "alerts.alarm",
    ),
    "flow log failing": (SimulatedAccount.fail_flow_log, "SFX-CTL-OPS-08", "network.flow-log"),
    "service below minimum": (
        SimulatedAccount.scale_below_minimum,
        "SFX-CTL-OPS-09",
        "workers.running",
    ),
    "consumer lag above the alarm threshold": (
        _lag_above_threshold,
        "SFX-CTL-OPS-09",
        "workers.lag",
    ),
    "security group open to the world": (
        _add_world_ingress,
        "SFX-CTL-OPS-04",
        "network.security-group",
    ),
    "backup job failed": (_backup_job_failed, "SFX-CTL-OPS-02", "database.backup-jobs"),
    "config recorder stopped": (
        lambda a: a.client("config").stop_configuration_recorder(
            ConfigurationRecorderName="default"
        ),
        "SFX-CTL-OPS-06",
        "account.config-recorder",
    ),
    "account S3 Block Public Access removed": (
        lambda a: a.client("s3control").delete_public_access_block(AccountId=a.ids["account"]),
        "SFX-CTL-OPS-11",
        "account.s3-public-access-block",
    ),
    "security hub disabled": (
        lambda a: a.client("securityhub").disable_security_hub(),
        "SFX-CTL-OPS-07",
        "account.security-hub",
    ),
}


@pytest.mark.parametrize("case", sorted(NEGATIVES))
def test_each_negative_case_flips_exactly_its_control(
    case: str, account: SimulatedAccount, run_collector: Collect, baseline: Run, now: datetime
) -> None:
    change, control, check = NEGATIVES[case]
    change(account)
    run = run_collector(account)
    before, after = statuses(baseline.evidence, now), statuses(run.evidence, now)
    flipped = {c for c in before if before[c] != after[c]}
    assert flipped == {control}
    assert after[control] is ControlStatus.NOT_SATISFIED
    failing = {i.check_id for i in run.evidence.items if i.status is not ItemStatus.SATISFIED}
    expected = {check} if isinstance(check, str) else set(check)
    assert failing == expected
    drift = {row["check_id"] for row in run.evidence.to_json()["drift"]}
    assert drift == {c for c in expected if CHECKS_BY_ID[c].drift}


def test_the_cli_refuses_bad_input_naming_the_field(
    synth_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = collect_main(
        ["--stack-dir", str(synth_dir), "--out", str(tmp_path), "--validity", "workers.lag=0"]
    )
    assert code == 2
    assert (
        "--validity 'workers.lag=0': HOURS must be a whole number >= 1" in capsys.readouterr().err
    )
    assert collect_main(["--stack-dir", str(tmp_path), "--out", str(tmp_path)]) == 2
    assert "cdk.tf.json: not found" in capsys.readouterr().err


DELETED: dict[str, tuple[Callable[[SimulatedAccount], None], set[str], set[str]]] = {
    "trail deleted": (
        lambda a: a.client("cloudtrail").delete_trail(Name=a.design.trail_name),
        {"SFX-CTL-OPS-01"},
        {"trail.logging", "trail.delivery", "trail.settings"},
    ),
    "cluster deleted": (
        lambda a: a.client("rds").delete_db_cluster(
            DBClusterIdentifier=a.design.cluster_id, SkipFinalSnapshot=True
        ),
        {"SFX-CTL-OPS-02", "SFX-CTL-OPS-04"},
        {
            "database.backups",
            "database.settings",
            "database.recovery-points",
            "database.backup-jobs",
        },
    ),
}


@pytest.mark.parametrize("case", sorted(DELETED))
def test_a_deleted_resource_fails_its_checks_instead_of_counting_as_not_run(
    case: str, account: SimulatedAccount, run_collector: Collect, now: datetime
) -> None:
    """ "Trail exists" is a check: an account that answers "not found" shows drift, not a gap."""
    change, controls, failed = DELETED[case]
    change(account)
    run = run_collector(account)
    after = statuses(run.evidence, now)
    assert {c for c in controls if after[c] is ControlStatus.NOT_SATISFIED} == controls
    items = [i for i in run.evidence.items if i.check_id in failed]
    assert {i.check_id for i in items} == failed
    assert {i.status for i in items} == {ItemStatus.NOT_SATISFIED}
    assert all(i.observed == {"exists": False} for i in items)
    drift = {row["check_id"] for row in run.evidence.to_json()["drift"]}
    assert {c for c in failed if CHECKS_BY_ID[c].drift} <= drift


def test_the_cli_without_credentials_says_so_and_writes_nothing(
    synth_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The standard credential chain finds nothing: a clear error, not a traceback."""
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    out = tmp_path / "evidence"
    argv = [
        "--stack-dir",
        str(synth_dir),
        "--out",
        str(out),
        "--endpoint-url",
        "http://127.0.0.1:9",
    ]
    assert collect_main(argv) == 2
    err = capsys.readouterr().err
    assert (
        "error: cannot read the account (sts:GetCallerIdentity): Unable to locate credentials"
        in err
    )
    assert not (out / "runtime-evidence.json").exists()
