"""Rules between knobs (lib/config/relations.py): each is caught and reported against the
knob to change."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.config import RELATIONS, ConfigError, load_config
from tests.lib.config.aws_limits import FARGATE_CPUS, fargate_accepts

PROVISIONED_ONE_SHARD = {
    "STREAMFLIX_PEAK_UPLOADS_PER_SECOND": "10",
    "STREAMFLIX_KINESIS_MIN_SHARDS": "1",
}
RELATION_CASES: list[tuple[dict[str, str], str, str]] = [
    (  # issue 22: evidence kept shorter than the period it covers
        {"STREAMFLIX_AUDIT_PERIOD_DAYS": "365", "STREAMFLIX_EVIDENCE_RETENTION_DAYS": "200"},
        "STREAMFLIX_EVIDENCE_RETENTION_DAYS",
        "is below STREAMFLIX_AUDIT_PERIOD_DAYS=365",
    ),
    (  # issue 22: a trail archive the period cannot be re-performed from
        {"STREAMFLIX_AUDIT_PERIOD_DAYS": "365", "STREAMFLIX_TRAIL_ARCHIVE_DAYS": "400"},
        "STREAMFLIX_TRAIL_ARCHIVE_DAYS",
        "is below STREAMFLIX_AUDIT_PERIOD_DAYS + STREAMFLIX_AUDIT_WINDOW_DAYS=485",
    ),
    (
        {"STREAMFLIX_DB_MIN_ACU": "8", "STREAMFLIX_DB_MAX_ACU": "4"},
        "STREAMFLIX_DB_MIN_ACU",
        "is above STREAMFLIX_DB_MAX_ACU=4",
    ),
    (
        {"STREAMFLIX_DB_MIN_ACU": "0", "STREAMFLIX_DB_ENGINE_VERSION": "16.2"},
        "STREAMFLIX_DB_MIN_ACU",
        "STREAMFLIX_DB_ENGINE_VERSION=16.2",
    ),
    (
        {"STREAMFLIX_WORKER_CPU": "256", "STREAMFLIX_WORKER_MEMORY_MIB": "4096"},
        "STREAMFLIX_WORKER_MEMORY_MIB",
        "STREAMFLIX_WORKER_CPU=256 (allowed: 512, 1024, 2048)",
    ),
    (
        {
            "STREAMFLIX_KINESIS_CAPACITY_MODE": "ON_DEMAND",
            "STREAMFLIX_WORKER_MIN_TASKS": "5",
            "STREAMFLIX_WORKER_MAX_TASKS": "4",
        },
        "STREAMFLIX_WORKER_MAX_TASKS",
        "is below STREAMFLIX_WORKER_MIN_TASKS=5",
    ),
    (
        {"STREAMFLIX_KINESIS_CAPACITY_MODE": "ON_DEMAND", "STREAMFLIX_WORKER_MIN_TASKS": "5"},
        "STREAMFLIX_WORKER_MIN_TASKS",
        "exceeds the 4 shard(s) the stream starts with",
    ),
    (
        {**PROVISIONED_ONE_SHARD, "STREAMFLIX_WORKER_MIN_TASKS": "2"},
        "STREAMFLIX_WORKER_MIN_TASKS",
        "exceeds the 1 shard(s)",
    ),
    (
        {**PROVISIONED_ONE_SHARD, "STREAMFLIX_WORKER_MAX_TASKS": "3"},
        "STREAMFLIX_WORKER_MAX_TASKS",
        "exceeds the 1 shard(s)",
    ),
    (
        {"STREAMFLIX_FARGATE_BASE": "2"},
        "STREAMFLIX_FARGATE_BASE",
        "is above STREAMFLIX_WORKER_MIN_TASKS=1",
    ),
    (
        {"STREAMFLIX_FARGATE_WEIGHT": "0", "STREAMFLIX_FARGATE_SPOT_WEIGHT": "0"},
        "STREAMFLIX_FARGATE_SPOT_WEIGHT",
        "and so is STREAMFLIX_FARGATE_WEIGHT",
    ),
    (
        {"STREAMFLIX_RETRY_BASE_BACKOFF_MS": "5000", "STREAMFLIX_RETRY_MAX_BACKOFF_MS": "1000"},
        "STREAMFLIX_RETRY_BASE_BACKOFF_MS",
        "is above STREAMFLIX_RETRY_MAX_BACKOFF_MS=1000",
    ),
    (
        {"STREAMFLIX_PEAK_UPLOADS_PER_SECOND": "100000"},
        "STREAMFLIX_PEAK_UPLOADS_PER_SECOND",
        "exceed the default account quota of 200",
    ),
    (
        {
            "STREAMFLIX_KINESIS_RETENTION_HOURS": "24",
            "STREAMFLIX_ALARM_ITERATOR_AGE_MS": "86400000",
        },
        "STREAMFLIX_ALARM_ITERATOR_AGE_MS",
        "is not below STREAMFLIX_KINESIS_RETENTION_HOURS=24",
    ),
    (
        {"STREAMFLIX_ENVIRONMENT_TIER": "production"},
        "STREAMFLIX_ENVIRONMENT_TIER",
        "STREAMFLIX_ALARM_EMAILS, STREAMFLIX_ALARM_HTTPS_ENDPOINTS, STREAMFLIX_ALARM_TOPIC_ARN "
        "are all empty",
    ),
    (
        {"STREAMFLIX_STATE_BACKEND": "s3"},
        "STREAMFLIX_STATE_BUCKET",
        "is empty, but STREAMFLIX_STATE_BACKEND is s3",
    ),
    (
        {"STREAMFLIX_STATE_BUCKET": "acme-state"},
        "STREAMFLIX_STATE_BUCKET",
        "is set, but STREAMFLIX_STATE_BACKEND is local",
    ),
    (
        {"STREAMFLIX_STATE_KEY_PREFIX": "team/x"},
        "STREAMFLIX_STATE_KEY_PREFIX",
        "is set, but STREAMFLIX_STATE_BACKEND is local",
    ),
    (
        {"STREAMFLIX_STATE_REGION": "eu-west-1"},
        "STREAMFLIX_STATE_REGION",
        "is set, but STREAMFLIX_STATE_BACKEND is local",
    ),
    (
        {"STREAMFLIX_STATE_LOCK_TABLE": "tf-locks"},
        "STREAMFLIX_STATE_LOCK_TABLE",
        "is set, but STREAMFLIX_STATE_BACKEND is local",
    ),
]


@pytest.mark.parametrize(("env", "knob", "words"), RELATION_CASES)
def test_a_broken_rule_between_knobs_names_the_knob_to_change(
    env: dict[str, str], knob: str, words: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(env)
    assert caught.value.knobs == (knob,)
    assert words in str(caught.value)


def test_every_rule_between_knobs_has_a_case_that_breaks_it() -> None:
    broken: set[str] = set()
    for env, _knob, _words in RELATION_CASES:
        with pytest.raises(ConfigError) as caught:
            load_config(env)
        broken |= {v.rule.split("; rule: ")[-1] for v in caught.value.violations}
    assert {r.rule for r in RELATIONS} <= broken


@settings(deadline=None)
@given(min_half=st.integers(0, 512), max_half=st.integers(2, 512))
def test_acu_order_is_enforced_over_the_whole_range(min_half: int, max_half: int) -> None:
    env = {"STREAMFLIX_DB_MIN_ACU": str(min_half / 2), "STREAMFLIX_DB_MAX_ACU": str(max_half / 2)}
    if min_half <= max_half:
        cfg = load_config(env)
        assert (cfg.database.min_acu, cfg.database.max_acu) == (min_half / 2, max_half / 2)
    else:
        with pytest.raises(ConfigError) as caught:
            load_config(env)
        assert caught.value.knobs == ("STREAMFLIX_DB_MIN_ACU",)


@settings(deadline=None)
@given(cpu=st.sampled_from(FARGATE_CPUS), memory=st.integers(512, 122_880))
def test_fargate_memory_is_checked_against_the_cpu(cpu: int, memory: int) -> None:
    env = {
        "STREAMFLIX_WORKER_CPU": str(cpu),
        "STREAMFLIX_WORKER_MEMORY_MIB": str(memory),
    }
    if fargate_accepts(cpu, memory):
        assert load_config(env).worker.memory_mib == memory
    else:
        with pytest.raises(ConfigError) as caught:
            load_config(env)
        assert caught.value.knobs == ("STREAMFLIX_WORKER_MEMORY_MIB",)
