"""Pack behaviour: fixes land in the JSON, exceptions waive, unused exceptions fail, warnings do
not fail, re-application is idempotent, and a violation stops synthesis writing anything."""

from __future__ import annotations

import json
from pathlib import Path

import cdktf
import jsii
import pytest
from cdktf import App, Aspects, IAspect, TerraformStack
from constructs import IConstruct

from lib.aspects import Status, apply_compliance_aspects
from lib.aspects.facts import ResourceFacts, StackFacts
from lib.aspects.model import Finding, Level, Rule, fail
from lib.aspects.pack import AspectRun, CompliancePack
from tests.lib.aspects.kit import CONFIG, NO_EXCEPTIONS, REQUIRED_TAGS, Kit, exceptions


def test_missing_retention_is_set_to_90_in_the_output() -> None:
    kit = Kit()
    kit.log_group(retention_in_days=None)
    result = kit.check()
    assert result.resource("aws_cloudwatch_log_group", "logs")["retention_in_days"] == 90


def test_missing_default_tags_are_added_to_the_provider() -> None:
    kit = Kit(default_tags={"Project": "streamflix"})
    result = kit.check()
    assert result.json["provider"]["aws"][0]["default_tags"] == [{"tags": REQUIRED_TAGS}]


def test_ecs_service_fix_propagates_tags() -> None:
    kit = Kit()
    kit.ecs(propagate_tags=None, enable_ecs_managed_tags=None)
    body = kit.check().resource("aws_ecs_service", "svc")
    assert (body["propagate_tags"], body["enable_ecs_managed_tags"]) == ("SERVICE", True)


def test_applying_twice_and_synthesizing_twice_changes_nothing() -> None:
    kit = Kit()
    kit.log_group(retention_in_days=None)
    kit.log_group("bad", retention_in_days=7)
    run = apply_compliance_aspects(kit.stack, CONFIG, NO_EXCEPTIONS)
    assert apply_compliance_aspects(kit.stack, CONFIG, NO_EXCEPTIONS) is run
    first_json, first_records = cdktf.Testing.synth(kit.stack), run.records
    second_json, second_records = cdktf.Testing.synth(kit.stack), run.records
    assert first_json == second_json
    assert first_records == second_records
    assert {r.status for r in second_records if r.rule == "SFX-LOG-01"} == {
        Status.FIXED,
        Status.NON_COMPLIANT,
    }
    errors = [
        m for n in kit.stack.node.find_all() for m in n.node.metadata if m.type == "@cdktf/error"
    ]
    assert len(errors) == 1  # not duplicated by the second pass


def test_exception_waives_a_violation_with_its_reason() -> None:
    kit = Kit()
    kit.log_group(retention_in_days=30)
    result = kit.check(
        exceptions(
            {
                "rule": "SFX-LOG-01",
                "resource": "aws_cloudwatch_log_group.*",
                "reason": "legacy group kept for a migration",
            }
        )
    )
    [record] = result.records("SFX-LOG-01")
    assert record.status is Status.WAIVED
    assert record.exception_reason == "legacy group kept for a migration"
    assert result.errors == []


def test_waived_fixable_violation_is_not_fixed() -> None:
    kit = Kit()
    kit.log_group(retention_in_days=None)
    result = kit.check(
        exceptions({"rule": "SFX-LOG-01", "resource": "aws_cloudwatch_log_group.logs"})
    )
    assert result.records("SFX-LOG-01")[0].status is Status.WAIVED
    assert "retention_in_days" not in result.resource("aws_cloudwatch_log_group", "logs")


def test_exception_for_another_resource_does_not_waive() -> None:
    kit = Kit()
    kit.log_group(retention_in_days=30)
    result = kit.check(
        exceptions({"rule": "SFX-LOG-01", "resource": "aws_cloudwatch_log_group.x*"})
    )
    assert result.records("SFX-LOG-01")[0].status is Status.NON_COMPLIANT
    assert any(e.startswith("[SFX-LOG-01]") for e in result.errors)


@pytest.mark.parametrize(
    ("entry", "why"),
    [
        ({"rule": "SFX-LOG-01", "resource": "aws_cloudwatch_log_group.*"}, "found no violation"),
        ({"rule": "SFX-LOG-99", "resource": "*"}, "no aspect rule is called SFX-LOG-99"),
    ],
)
def test_unused_exception_is_an_error(entry: dict[str, str], why: str) -> None:
    kit = Kit()
    kit.log_group()
    result = kit.check(exceptions(entry))
    [error] = result.errors
    assert error.startswith("[SFX-EXCEPTIONS] unused exception")
    assert why in error and entry["rule"] in error
    assert [exc.rule for exc, _ in result.run.unused] == [entry["rule"]]


def test_checkov_exceptions_are_left_to_the_gate() -> None:
    kit = Kit()
    kit.log_group()
    result = kit.check(
        exceptions({"rule": "CKV_AWS_338", "resource": "aws_cloudwatch_log_group.*"})
    )
    assert result.errors == []
    assert result.run.unused == []


def _always_warns(resource: ResourceFacts, _stack: StackFacts) -> Finding:
    return fail("something to look at")


def test_warning_rule_annotates_without_failing() -> None:
    kit = Kit()
    kit.log_group()
    rule = Rule(
        "SFX-TEST-01",
        "Test warning",
        Level.WARNING,
        frozenset({"aws_cloudwatch_log_group"}),
        _always_warns,
    )
    run = AspectRun(NO_EXCEPTIONS, [rule])
    Aspects.of(kit.stack).add(CompliancePack("TEST", [rule], run, REQUIRED_TAGS))
    cdktf.Testing.synth(kit.stack)
    [record] = run.records
    assert (record.status, record.is_violation) == (Status.NON_COMPLIANT, False)
    warnings = [
        m.data
        for n in kit.stack.node.find_all()
        for m in n.node.metadata
        if m.type == "@cdktf/warn"
    ]
    assert warnings == [
        "[SFX-TEST-01] aws_cloudwatch_log_group.logs: something to look at (Test warning)"
    ]


def _boom(resource: ResourceFacts, _stack: StackFacts) -> Finding:
    raise KeyError("surprise")


def test_a_crashing_rule_fails_loudly() -> None:
    kit = Kit()
    kit.log_group()
    rule = Rule(
        "SFX-TEST-02", "Crashes", Level.ERROR, frozenset({"aws_cloudwatch_log_group"}), _boom
    )
    run = AspectRun(NO_EXCEPTIONS, [rule])
    Aspects.of(kit.stack).add(CompliancePack("TEST", [rule], run, REQUIRED_TAGS))
    cdktf.Testing.synth(kit.stack)
    assert "could not evaluate this resource (KeyError" in run.violations[0].message


def test_app_synth_raises_and_writes_no_stack(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    stack = TerraformStack(app, "bad")
    kit = Kit.__new__(Kit)  # reuse the builders on a real App
    kit.region, kit.default_tags, kit.app, kit.stack = (
        "eu-central-1",
        dict(REQUIRED_TAGS),
        app,
        stack,
    )
    from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags

    AwsProvider(
        stack,
        "aws",
        region="eu-central-1",
        default_tags=[AwsProviderDefaultTags(tags=dict(REQUIRED_TAGS))],
    )
    kit.key = kit.kms_key("key")
    kit._network = None
    kit.log_group(retention_in_days=14)
    apply_compliance_aspects(app, CONFIG, NO_EXCEPTIONS)
    with pytest.raises(RuntimeError, match=r"\[SFX-LOG-01\] aws_cloudwatch_log_group\.logs"):
        app.synth()
    assert not list(tmp_path.rglob("cdk.tf.json"))


@jsii.implements(IAspect)
class _Counter:
    def __init__(self) -> None:
        self.stacks = 0

    def visit(self, node: IConstruct) -> None:
        self.stacks += isinstance(node, TerraformStack)


def test_aspects_on_the_app_would_not_run_so_they_go_on_each_stack() -> None:
    """cdktf invokes Aspects from each stack; apply_compliance_aspects(app) must reach them."""
    app = cdktf.Testing.app()
    TerraformStack(app, "one")
    counter = _Counter()
    Aspects.of(app).add(counter)
    cdktf.Testing.synth(app.node.find_child("one"))  # type: ignore[arg-type]
    assert counter.stacks == 0
    kit = Kit()
    kit.log_group(retention_in_days=3)
    run = apply_compliance_aspects(kit.app, CONFIG, NO_EXCEPTIONS)
    cdktf.Testing.synth(kit.stack)
    assert [r.rule for r in run.violations] == ["SFX-LOG-01"]


def test_results_json_has_the_report_contract(tmp_path: Path) -> None:
    kit = Kit()
    kit.log_group(retention_in_days=None)
    result = kit.check()
    path = result.run.write(tmp_path / "aspect-results.json")
    rows = json.loads(path.read_text())
    assert rows and all(
        set(row)
        == {"rule", "title", "resource", "path", "status", "level", "message", "exception_reason"}
        for row in rows
    )
    fixed = [row for row in rows if row["status"] == "FIXED"]
    assert fixed == [
        {
            "rule": "SFX-LOG-01",
            "title": "CloudWatch log groups keep logs exactly 90 days",
            "resource": "aws_cloudwatch_log_group.logs",
            "path": "t/logs",
            "status": "FIXED",
            "level": "error",
            "message": "retention_in_days is not set (logs would never expire); fixed: set "
            "retention_in_days to 90",
            "exception_reason": None,
        }
    ]


def test_multi_stack_app_counts_exceptions_across_stacks() -> None:
    """A waiver used in the first stack is not 'unused' when the last stack is audited."""
    first = Kit()
    first.log_group(retention_in_days=30)
    second_stack = TerraformStack(first.app, "second")
    from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags

    AwsProvider(
        second_stack,
        "aws",
        region="eu-west-1",
        default_tags=[AwsProviderDefaultTags(tags=dict(REQUIRED_TAGS))],
    )
    waiver = exceptions({"rule": "SFX-LOG-01", "resource": "aws_cloudwatch_log_group.logs"})
    run = apply_compliance_aspects(first.app, CONFIG, waiver)
    cdktf.Testing.synth(first.stack)
    cdktf.Testing.synth(second_stack)
    assert [r.status for r in run.records if r.rule == "SFX-LOG-01"] == [Status.WAIVED]
    assert run.unused == []
    assert {r.path.split("/")[0] for r in run.records} == {"t", "second"}


def test_applying_to_a_scope_without_stacks_is_refused() -> None:
    from lib.aspects import ComplianceSetupError

    with pytest.raises(ComplianceSetupError, match="no TerraformStack to check"):
        apply_compliance_aspects(cdktf.Testing.app(), CONFIG, NO_EXCEPTIONS)
