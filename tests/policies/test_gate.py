"""The gate itself: judging (waivers, unused exceptions, parsing errors), exception-file failures,
the result files (SARIF, JUnit, JSON) and the exit codes of ``python -m policies.gate``."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from compliance.exceptions import ExceptionFileError, ExceptionSet, PolicyException, Risk
from policies import gate
from policies.findings import AddressIndex, CheckovResult, RawFinding, Status
from policies.gen_taggable import taggable_types
from policies.reporting import JSON_FILE, JUNIT_FILE, SARIF_FILE, coverage_line, gate_json, summary
from policies.rules import LOG_RETENTION_DAYS
from policies.scan import RawScan
from policies.taggable import TAGGABLE_TYPES

ROOT = Path("/stack")
FUTURE = dt.date.today() + dt.timedelta(days=365)


def raw(
    check_id: str, address: str, passed: bool, result: CheckovResult | None = None
) -> RawFinding:
    outcome = result or (CheckovResult.PASSED if passed else CheckovResult.FAILED)
    return RawFinding(
        check_id,
        f"Ensure {check_id}",
        outcome,
        address,
        ROOT / "cdk.tf.json",
        (1, 2),
        "",
        None,
        ("why",),
    )


def exception(rule: str, resource: str) -> PolicyException:
    return PolicyException(
        rule,
        resource,
        "a reviewed reason",
        "platform-team",
        FUTURE,
        approved_by="security-officer",
        approved_on=dt.date(2026, 1, 1),
        risk=Risk.LOW,
        compensating_controls=("SFX-CTL-LOG-06",),
    )


def scan_of(*findings: RawFinding, parsing_errors: tuple[str, ...] = ()) -> RawScan:
    return RawScan(ROOT, findings, parsing_errors, (ROOT / "cdk.tf.json",), {})


# ---- judging (no checkov) --------------------------------------------------------------------


def test_matching_exception_waives_only_its_rule_and_resource() -> None:
    exceptions = ExceptionSet((exception("CKV_AWS_338", "aws_cloudwatch_log_group.app_*"),))
    result = gate.judge(
        scan_of(
            raw("CKV_AWS_338", "aws_cloudwatch_log_group.app_1", passed=False),
            raw("CKV_AWS_338", "aws_cloudwatch_log_group.other_1", passed=False),
            raw("CKV_AWS_66", "aws_cloudwatch_log_group.app_1", passed=False),
        ),
        exceptions,
    )
    status = {(f.check_id, f.address): f.status for f in result.findings}
    assert status == {
        ("CKV_AWS_338", "aws_cloudwatch_log_group.app_1"): Status.WAIVED,
        ("CKV_AWS_338", "aws_cloudwatch_log_group.other_1"): Status.FAILED,
        ("CKV_AWS_66", "aws_cloudwatch_log_group.app_1"): Status.FAILED,
    }
    waived = result.waived[0]
    assert waived.exception is not None and waived.exception.owner == "platform-team"
    assert waived.to_json()["exception"]["reason"] == "a reviewed reason"
    assert not result.ok


def test_all_waived_passes_and_passed_results_are_never_waived() -> None:
    exceptions = ExceptionSet((exception("CKV_AWS_139", "aws_rds_cluster.*"),))
    result = gate.judge(
        scan_of(
            raw("CKV_AWS_139", "aws_rds_cluster.db", passed=False),
            raw("CKV_SFX_6", "aws_rds_cluster.db", passed=True),
        ),
        exceptions,
    )
    assert [f.status for f in result.findings] == [Status.WAIVED, Status.PASSED]
    assert result.ok


def test_unused_ckv_exception_is_reported_and_fails_only_when_strict() -> None:
    exceptions = ExceptionSet(
        (
            exception("CKV_AWS_144", "aws_s3_bucket.gone_*"),
            exception("SFX-LOG-RETENTION", "aws_cloudwatch_log_group.*"),
        )
    )
    findings = (raw("CKV_AWS_144", "aws_s3_bucket.kept", passed=True),)
    lenient = gate.judge(scan_of(*findings), exceptions)
    assert [e.rule for e in lenient.unused_exceptions] == ["CKV_AWS_144"]  # aspect rules: not ours
    assert lenient.ok
    assert not gate.judge(scan_of(*findings), exceptions, strict_exceptions=True).ok


def test_builtin_unknown_fails_unless_an_exception_says_why() -> None:
    unknown = CheckovResult.UNKNOWN
    findings = (
        raw("CKV_AWS_70", "aws_s3_bucket.uploads", False, unknown),
        raw("CKV_AWS_70", "aws_s3_bucket.logs", False, unknown),
        raw("CKV_SFX_23", "aws_appautoscaling_target.t", False, unknown),
        raw("CKV_AWS_18", "aws_s3_bucket.uploads", passed=True),
    )
    strict = gate.judge(scan_of(*findings), ExceptionSet(()))
    assert not strict.ok
    assert {(f.check_id, f.address) for f in strict.failed} == {
        ("CKV_AWS_70", "aws_s3_bucket.uploads"),
        ("CKV_AWS_70", "aws_s3_bucket.logs"),
    }
    assert all(f.unknown and "UNKNOWN" in f.details[0] for f in strict.failed)
    # our own checks' UNKNOWN (here an apply-time value) is counted, never judged
    assert strict.custom_unknown == (("CKV_SFX_23", "aws_appautoscaling_target.t"),)
    assert strict.checks_per_resource == {
        "aws_appautoscaling_target.t": 1,
        "aws_s3_bucket.logs": 1,
        "aws_s3_bucket.uploads": 2,
    }
    line = coverage_line(strict)
    assert "4 checks on 3 resources" in line
    assert "UNKNOWN: 2 built-in (0 waived, 2 failing), 1 custom" in line
    assert "UNKNOWN CKV_AWS_70 aws_s3_bucket.logs" in summary(strict)

    waived = gate.judge(scan_of(*findings), ExceptionSet((exception("CKV_AWS_70", "aws_s3_*"),)))
    assert waived.ok
    assert {f.status for f in waived.unknown} == {Status.WAIVED}
    assert "(2 waived, 0 failing)" in coverage_line(waived)
    assert "WAIVED CKV_AWS_70 aws_s3_bucket.logs [UNKNOWN] (owner" in summary(waived)
    assert gate_json(waived)["summary"]["unknown"] == 2


def test_parsing_errors_and_empty_scans_fail() -> None:
    assert not gate.judge(scan_of(parsing_errors=("/stack/cdk.tf.json",)), ExceptionSet(())).ok
    empty = RawScan(ROOT, (), (), (), [])
    assert not gate.judge(empty, ExceptionSet(())).ok


def test_addresses_are_normalised_to_terraform_addresses(tmp_path: Path) -> None:
    stack = tmp_path / "cdk.tf.json"
    stack.write_text(
        json.dumps(
            {
                "resource": {
                    "aws_sqs_queue": {"dlq_1": {}},
                    "aws_sns_topic": {"twin": {}},
                    "aws_sns_topic_policy": {"twin": {}},
                }
            }
        )
    )
    index = AddressIndex.of_file(stack)
    assert index.normalise("resource.dlq_1") == "aws_sqs_queue.dlq_1"
    assert index.normalise("aws_sqs_queue.dlq_1") == "aws_sqs_queue.dlq_1"  # graph checks
    assert index.normalise("provider.aws") == "provider.aws"
    assert index.normalise("resource.twin") == "resource.twin"  # ambiguous: never waivable


# ---- the exceptions file makes the gate fail (before checkov runs) ---------------------------

REVIEWED = {
    "rule": "CKV_AWS_338",
    "resource": "aws_cloudwatch_log_group.*",
    "reason": "kept 90 days by decision",
    "owner": "platform-team",
    "approved_by": "security-officer",
    "approved_on": "2026-01-01",
    "risk": "low",
    "compensating_controls": ["SFX-CTL-LOG-06"],
    "expires": FUTURE.isoformat(),
}
BAD_EXCEPTIONS = {
    "no_reason": {**REVIEWED, "reason": None},
    "short_reason": {**REVIEWED, "reason": "because"},
    "expired": {**REVIEWED, "expires": "2020-01-01"},
    "self_approved": {**REVIEWED, "approved_by": "platform-team"},
    "no_risk": {**REVIEWED, "risk": None},
    # Not a control id at all. A well-formed id missing from the catalog is the report's to
    # refuse (the gate does not parse the catalog): tests/compliance/test_exceptions.py.
    "malformed_compensating_control": {**REVIEWED, "compensating_controls": ["SFX-LOG-99"]},
}


@pytest.mark.parametrize("entry", BAD_EXCEPTIONS.values(), ids=BAD_EXCEPTIONS.keys())
def test_invalid_or_expired_exception_fails_the_gate(
    entry: dict[str, object], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "exceptions.yaml"
    path.write_text(json.dumps({"exceptions": [entry]}))  # JSON is YAML
    stack = tmp_path / "stacks" / "s"
    stack.mkdir(parents=True)
    with pytest.raises(ExceptionFileError):
        gate.run_gate(stack, exceptions_path=path)
    assert gate.main([str(stack), "--exceptions", str(path)]) == 2
    out = capsys.readouterr()
    assert "GATE FAILED" in out.out
    assert "CKV_AWS_338" in out.err


# ---- the real stack through the whole gate (one checkov run) --------------------------------


@pytest.fixture(scope="module")
def real_gate(gate_run: gate.GateResult, gate_results_dir: Path) -> tuple[gate.GateResult, Path]:
    """The session's one gate run over the real stack (tests/conftest.py)."""
    return gate_run, gate_results_dir


@pytest.mark.gate
@pytest.mark.synth
def test_real_stack_passes_with_only_documented_exceptions(
    real_gate: tuple[gate.GateResult, Path],
) -> None:
    result, _ = real_gate
    assert result.ok, [(f.check_id, f.address) for f in result.failed]
    waived = {f.check_id for f in result.waived}
    assert {"CKV_AWS_338", "CKV_AWS_139", "CKV_AWS_144", "CKV_AWS_145"} <= waived
    assert all(f.exception and f.exception.owner and f.exception.reason for f in result.waived)


@pytest.mark.gate
@pytest.mark.synth
def test_result_files(real_gate: tuple[gate.GateResult, Path], synth_dir: Path) -> None:
    result, results = real_gate
    sarif = json.loads((results / SARIF_FILE).read_text())
    assert sarif["version"] == "2.1.0"
    sarif_results = sarif["runs"][0]["results"]
    assert len(sarif_results) == len(result.waived) + len(result.failed)
    assert all(r["suppressions"][0]["justification"] for r in sarif_results if r["level"] == "note")
    rule_ids = {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert {"CKV_SFX_1", "CKV_AWS_338"} <= rule_ids

    suite = ET.parse(results / JUNIT_FILE).getroot()
    assert int(suite.get("tests", "0")) == len(result.findings)
    assert int(suite.get("failures", "-1")) == 0
    assert int(suite.get("skipped", "0")) == len(result.waived)

    data = json.loads((results / JSON_FILE).read_text())
    assert data["ok"] is True
    assert {f["status"] for f in data["findings"]} == {"PASSED", "WAIVED"}
    assert data["summary"]["waived"] == len(result.waived)

    # Results are shared (CI artefacts, the auditor report): no machine-specific paths.
    for name in (SARIF_FILE, JUNIT_FILE, JSON_FILE, "checkov-report.json"):
        text = (results / name).read_text()
        assert str(synth_dir) not in text and str(results) not in text, name
        assert "file_abs_path" not in text, name


@pytest.mark.gate
def test_cli_exits_non_zero_on_a_failed_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = tmp_path / "stacks" / "bad"
    stack.mkdir(parents=True)
    (stack / "cdk.tf.json").write_text(
        json.dumps(
            {
                "provider": {"aws": [{"region": "eu-central-1"}]},
                "resource": {
                    "aws_vpc_security_group_ingress_rule": {
                        "ssh": {"security_group_id": "sg", "cidr_ipv4": "0.0.0.0/0"}
                    }
                },
            }
        )
    )
    assert gate.main([str(stack)]) == 1
    out = capsys.readouterr().out
    assert "FAILED CKV_SFX_13 aws_vpc_security_group_ingress_rule.ssh" in out
    assert "GATE FAILED" in out
    assert (tmp_path / "gate-results" / "bad" / SARIF_FILE).is_file()  # default results dir
    assert not list(stack.glob("*.sarif"))  # never inside the scanned folder


@pytest.mark.gate
def test_cli_fails_on_a_builtin_unknown_and_counts_checks_per_resource(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 12 item 14, end to end through checkov: a bucket without an inline policy makes
    the built-in CKV_AWS_70 return UNKNOWN; with no exception that fails the gate, and the
    summary's coverage line counts checks per resource and the UNKNOWN results."""
    stack = tmp_path / "stacks" / "unknown"
    stack.mkdir(parents=True)
    (stack / "cdk.tf.json").write_text(
        json.dumps(
            {
                "provider": {"aws": [{"region": "eu-central-1"}]},
                "resource": {"aws_s3_bucket": {"b": {"bucket": "b"}}},
            }
        )
    )
    no_exceptions = tmp_path / "exceptions.yaml"
    no_exceptions.write_text("exceptions: []\n")
    assert gate.main([str(stack), "--exceptions", str(no_exceptions)]) == 1
    out = capsys.readouterr().out
    assert "UNKNOWN CKV_AWS_70 aws_s3_bucket.b" in out
    data = json.loads((tmp_path / "gate-results" / "unknown" / JSON_FILE).read_text())
    per_resource = data["checks_per_resource"]
    assert set(per_resource) == {"aws_s3_bucket.b", "provider.aws"}
    unknown = data["summary"]["unknown"]
    assert unknown >= 1
    line = next(line for line in out.splitlines() if "per resource" in line)
    assert line.strip().startswith(f"{sum(per_resource.values())} checks on 2 resources")
    assert f"UNKNOWN: {unknown} built-in (0 waived, {unknown} failing)" in line


# ---- shared constants stay in step with the stack --------------------------------------------


@pytest.mark.synth
def test_log_retention_matches_the_stack(synth_dir: Path) -> None:
    from lib.constructs.logs import LOG_RETENTION_DAYS as STACK_DAYS  # cdktf already loaded

    assert LOG_RETENTION_DAYS == STACK_DAYS


def test_taggable_types_are_current() -> None:
    spec = importlib.util.find_spec("cdktf_cdktf_provider_aws")
    assert spec and spec.origin
    _, types = taggable_types(Path(spec.origin).parent)
    assert set(types) == TAGGABLE_TYPES, "run python -m policies.gen_taggable"
    assert {"aws_kinesis_stream", "aws_sqs_queue", "aws_rds_cluster"} <= TAGGABLE_TYPES


def test_cross_resource_checks_fail_closed_without_the_stack_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A run that cannot read the scanned file must not silently drop CKV_SFX_4/8/15/16/17/22/23."""
    from checkov.common.models.enums import CheckResult

    from policies.checks.sfx_004_resource_tags import check

    monkeypatch.setenv("SFX_SCAN_ROOT", str(tmp_path))  # the file is not there
    check.entity_path = "/cdk.tf.json:aws_sqs_queue:jobs"
    check.details = []
    assert check.evaluate({"name": ["q"]}) == CheckResult.FAILED
    assert "cannot read /cdk.tf.json" in check.details[0]


def test_scan_fails_closed_without_the_unknown_hook(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A report from plain checkov (no unknown_checks) must not pass as 'nothing UNKNOWN'."""
    from policies import scan as scan_module

    (tmp_path / "cdk.tf.json").write_text("{}")
    plain = {"check_type": "terraform_json", "results": {"passed_checks": [], "failed_checks": []}}
    monkeypatch.setattr(scan_module, "run_checkov", lambda root, suffix=None, checks=(): plain)
    with pytest.raises(scan_module.ScanError, match="unknown_checks"):
        scan_module.scan(tmp_path)
