"""core/exceptions.py, the loader itself: the exact error texts a reviewer reads, the defaults it
applies, and the lookups the engines use. Written from the mutants mutmut found surviving in the
loader (scripts/mutation.sh exceptions); the file's reviewed content and the report's catalog
check are tested in tests/compliance/test_exceptions.py."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from core.exceptions import (
    ExceptionEntry,
    ExceptionFileError,
    ExceptionSet,
    PolicyException,
    Risk,
    identity,
    load_exceptions,
    parse_exceptions,
)

TODAY = dt.date(2026, 12, 2)
ENTRY: dict[str, Any] = {
    "rule": "SFX-ENC-01",
    "resource": "aws_s3_bucket.logs_*",
    "reason": "access logs only support SSE-S3",
    "owner": "platform-team",
    "approved_by": "security-officer",
    "approved_on": "2026-12-01",
    "risk": "medium",
    "compensating_controls": ["SFX-CTL-NET-03"],
    "expires": "2027-05-31",
}


def problem(entry: Any, index: int = 0) -> str:
    """The error text for a file whose entry ``index`` is ``entry`` (earlier entries valid)."""
    entries = [ENTRY] * index + [entry]
    with pytest.raises(ExceptionFileError) as refused:
        parse_exceptions({"exceptions": entries}, today=TODAY, source="x.yaml")
    return str(refused.value)


def changed(**changes: Any) -> dict[str, Any]:
    return {k: v for k, v in {**ENTRY, **changes}.items() if v is not None}


@pytest.mark.parametrize(
    ("name", "as_identity"),
    [
        ("Security Officer", "security-officer"),
        ("  security_officer. ", "security-officer"),
        ("-security--officer-", "security-officer"),
        ("SECURITY.OFFICER", "security-officer"),
    ],
)
def test_identity_folds_case_and_separators_and_trims_them(name: str, as_identity: str) -> None:
    assert identity(name) == as_identity


def test_a_valid_entry_is_carried_over_field_by_field() -> None:
    (waiver,) = parse_exceptions({"exceptions": [ENTRY]}, today=TODAY, source="x.yaml").items
    assert waiver == PolicyException(
        rule="SFX-ENC-01",
        resource="aws_s3_bucket.logs_*",
        reason="access logs only support SSE-S3",
        owner="platform-team",
        expires=dt.date(2027, 5, 31),
        approved_by="security-officer",
        approved_on=dt.date(2026, 12, 1),
        risk=Risk.MEDIUM,
        compensating_controls=("SFX-CTL-NET-03",),
    )


@pytest.mark.parametrize(
    ("changes", "text"),
    [
        # a datetime (YAML "2026-12-01 10:00:00") and a number are not dates
        (
            {"approved_on": dt.datetime(2026, 12, 1, 10)},
            "exceptions[0].approved_on (SFX-ENC-01): must be a date",
        ),
        ({"approved_on": 20261201}, "exceptions[0].approved_on (SFX-ENC-01): must be a date"),
        (
            {"risk": "extreme"},
            "exceptions[0].risk (SFX-ENC-01): 'extreme' is not one of low, medium, high",
        ),
        (
            {"compensating_controls": "SFX-CTL-NET-03"},
            "exceptions[0].compensating_controls (SFX-ENC-01): "
            "must be a list of control ids (SFX-CTL-...)",
        ),
        # a missing expiry names the rule only; an invalid one names the resource too
        ({"expires": None}, "exceptions[0].expires (SFX-ENC-01): is required"),
        (
            {"expires": "2026-11-30"},
            "exceptions[0].expires (SFX-ENC-01 on aws_s3_bucket.logs_*): expired on 2026-11-30; "
            "review it and renew or remove it",
        ),
        # an unknown key is reported once, as such
        ({"colour": "red"}, "exceptions[0]: unknown keys ['colour']"),
        # every problem at once, in field order, separated by "; "
        (
            {"reason": "short", "risk": "extreme"},
            "exceptions[0].reason (SFX-ENC-01): must explain the exception in at least 10 "
            "characters; exceptions[0].risk (SFX-ENC-01): 'extreme' is not one of low, medium, "
            "high",
        ),
        (
            {"colour": "red", "reason": "short"},
            "exceptions[0]: unknown keys ['colour']; exceptions[0].reason (SFX-ENC-01): must "
            "explain the exception in at least 10 characters",
        ),
        # a rule that is not text: its own error, and no "(rule)" on the others
        (
            {"rule": ["SFX-ENC-01"], "reason": None},
            "exceptions[0].rule: must be text; exceptions[0].reason: is required",
        ),
    ],
)
def test_each_problem_has_its_exact_text(changes: dict[str, Any], text: str) -> None:
    assert problem(changed(**changes)) == text


def test_an_entry_that_is_not_a_mapping_is_named_by_its_index() -> None:
    assert problem("SFX-ENC-01", index=1) == "exceptions[1]: must be a mapping"


@pytest.mark.parametrize("data", [None, [], {"exceptions": "SFX-ENC-01"}, {"waivers": []}])
def test_a_document_without_a_list_of_exceptions_is_refused_naming_its_source(data: Any) -> None:
    with pytest.raises(ExceptionFileError) as refused:
        parse_exceptions(data, today=TODAY, source="x.yaml")
    assert str(refused.value) == "x.yaml: must be a mapping with a list under 'exceptions'"


def test_a_document_parsed_without_a_source_says_which_document() -> None:
    with pytest.raises(ExceptionFileError) as refused:
        parse_exceptions({}, today=TODAY)
    assert str(refused.value) == "exceptions: must be a mapping with a list under 'exceptions'"


def test_the_set_keeps_its_source() -> None:
    assert parse_exceptions({"exceptions": []}, source="x.yaml").source == "x.yaml"


def test_load_names_the_file_and_judges_expiry_on_the_given_day(tmp_path: Path) -> None:
    path = tmp_path / "waivers.yaml"
    with pytest.raises(ExceptionFileError) as refused:
        load_exceptions(path)
    assert str(refused.value) == "waivers.yaml: exceptions file not found"
    # valid on the given day, expired on any real one: the day passed in is the day judged
    old = changed(approved_on="2019-01-01", expires="2019-12-31")
    path.write_text(yaml.safe_dump({"exceptions": [old]}), encoding="utf-8")
    loaded = load_exceptions(path, today=dt.date(2019, 6, 1))
    assert loaded.source == "waivers.yaml"
    assert [w.expires for w in loaded.items] == [dt.date(2019, 12, 31)]
    with pytest.raises(ExceptionFileError, match="expired on 2019-12-31"):
        load_exceptions(path)


def test_without_a_context_an_entry_is_judged_on_today() -> None:
    """ExceptionEntry validated directly (no loader context): expiry against the real today."""
    entry = changed(expires=(dt.date.today() + dt.timedelta(days=1)).isoformat())
    assert ExceptionEntry.model_validate(entry).to_exception().expires > dt.date.today()
    with pytest.raises(ValidationError, match="expired on"):
        ExceptionEntry.model_validate(changed(expires="2020-01-01", approved_on="2019-01-01"))


def _waiver(rule: str, resource: str) -> PolicyException:
    return PolicyException(
        rule, resource, "a reason of length", "owner", TODAY, "approver", TODAY, Risk.LOW, ()
    )


def test_lookups_match_rule_and_address_glob() -> None:
    logs = _waiver("CKV_AWS_338", "aws_cloudwatch_log_group.compute_*")
    bucket = _waiver("SFX-ENC-01", "aws_s3_bucket.logs")
    waivers = ExceptionSet((logs, bucket))
    assert waivers.find("SFX-ENC-01", "aws_s3_bucket.logs") is bucket
    assert waivers.find("CKV_AWS_338", "aws_cloudwatch_log_group.compute_worker") is logs
    assert waivers.find("CKV_AWS_338", "aws_s3_bucket.logs") is None  # right rule, wrong address
    assert waivers.find("SFX-ENC-01", "aws_cloudwatch_log_group.compute_worker") is None
    assert waivers.find("SFX-ENC-01", "aws_s3_bucket.logs_2") is None  # a glob, not a prefix
    assert waivers.for_rule("CKV_AWS_338") == (logs,)
    assert waivers.for_rule("CKV_AWS_1") == ()
    assert waivers.unused([("SFX-ENC-01", "aws_s3_bucket.logs")]) == [logs]
    assert waivers.unused([("CKV_AWS_338", "aws_cloudwatch_log_group.compute_x")]) == [bucket]
    assert waivers.unused([]) == [logs, bucket]
    assert waivers.unused(iter([("SFX-ENC-01", "aws_s3_bucket.logs")] * 2)) == [logs]
