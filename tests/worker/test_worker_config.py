"""Configuration from the environment: defaults, and errors that name the variable."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamflix_worker.config import DEFAULT_SSLROOTCERT, ConfigError, load_config, required
from streamflix_worker.contract import METRICS_NAMESPACE

BASE = {
    "STREAM_NAME": "jobs-dev",
    "UPLOADS_BUCKET": "uploads-dev",
    "DB_SECRET_ARN": "arn:aws:secretsmanager:eu-central-1:123456789012:secret:db",
    "DB_HOST": "db.internal",
    "DB_NAME": "streamflix",
    "DLQ_URL": "https://sqs.eu-central-1.amazonaws.com/123456789012/dlq-dev",
    "ALERT_TOPIC_ARN": "arn:aws:sns:eu-central-1:123456789012:alerts-dev",
    "ENVIRONMENT": "dev",
    "AWS_REGION": "eu-central-1",
}


def test_defaults_match_the_contract() -> None:
    config = load_config(BASE)
    assert config.db.port == 5432
    assert config.db.sslmode == "verify-full"
    assert config.db.sslrootcert == DEFAULT_SSLROOTCERT
    assert config.metrics_namespace == "StreamFlix/Worker"
    assert config.scratch_dir == Path("/scratch")
    assert config.lease_ttl_seconds == 30
    assert config.drain_timeout_seconds == 90
    assert config.retry.max_attempts >= 1
    assert config.worker_id  # hostname-pid


def test_values_are_read() -> None:
    config = load_config(
        BASE
        | {
            "DB_PORT": "6543",
            "DB_SSLMODE": "disable",
            "RETRY_MAX_ATTEMPTS": "7",
            "RETRY_BASE_BACKOFF_MS": "100",
            "RETRY_MAX_BACKOFF_MS": "900",
            "WORKER_ID": "w1",
            "LEASE_TTL_SECONDS": "10",
        }
    )
    assert (config.db.port, config.db.sslmode, config.worker_id) == (6543, "disable", "w1")
    assert (config.retry.max_attempts, config.retry.base_backoff_ms) == (7, 100)
    assert config.lease_renew_interval_s == pytest.approx(10 / 3)


def test_config_is_frozen() -> None:
    config = load_config(BASE)
    with pytest.raises(AttributeError):
        config.stream_name = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("overrides", "variable", "rule"),
    [
        ({"STREAM_NAME": ""}, "STREAM_NAME", "required"),
        ({"DB_PORT": "abc"}, "DB_PORT", "integer"),
        ({"DB_PORT": "70000"}, "DB_PORT", "between 1 and 65535"),
        ({"DB_SSLMODE": "sometimes"}, "DB_SSLMODE", "one of"),
        ({"RETRY_MAX_ATTEMPTS": "0"}, "RETRY_MAX_ATTEMPTS", "between"),
        (
            {"RETRY_MAX_BACKOFF_MS": "10", "RETRY_BASE_BACKOFF_MS": "100"},
            "RETRY_MAX_BACKOFF_MS",
            ">=",
        ),
        ({"ENVIRONMENT": "Prod_1"}, "ENVIRONMENT", "lowercase"),
        ({"DRAIN_TIMEOUT_SECONDS": "120"}, "DRAIN_TIMEOUT_SECONDS", "between 1 and 115"),
    ],
)
def test_bad_values_name_variable_and_rule(
    overrides: dict[str, str], variable: str, rule: str
) -> None:
    env = BASE | overrides
    with pytest.raises(ConfigError) as caught:
        load_config(env)
    assert caught.value.variable == variable
    assert rule in str(caught.value)
    assert str(caught.value).startswith(variable)


def test_missing_required_variable() -> None:
    env = {k: v for k, v in BASE.items() if k != "DLQ_URL"}
    with pytest.raises(ConfigError, match="DLQ_URL: is required"):
        load_config(env)


def test_required_is_public_strips_and_names_the_variable() -> None:
    """``redrive`` reads its variables with the same rule as ``run`` (one public helper)."""
    assert required({"DLQ_URL": "  https://q  "}, "DLQ_URL") == "https://q"
    for env in ({}, {"DLQ_URL": "   "}):
        with pytest.raises(ConfigError, match="DLQ_URL: is required") as caught:
            required(env, "DLQ_URL")
        assert caught.value.variable == "DLQ_URL"


def test_the_given_mapping_is_read_never_the_process_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """pydantic-settings reads os.environ by default; the worker's model reads only the mapping
    ``load_config`` is given (os.environ when none), so a test or the redrive command never
    picks up a stray variable."""
    monkeypatch.setenv("DLQ_URL", "https://sqs.eu-central-1.amazonaws.com/1/from-process")
    with pytest.raises(ConfigError, match="DLQ_URL: is required"):
        load_config({k: v for k, v in BASE.items() if k != "DLQ_URL"})


def test_blank_optional_values_mean_the_default_and_values_are_stripped() -> None:
    config = load_config(
        BASE | {"DB_PORT": " ", "WORKER_BATCH_SIZE": "", "STREAM_NAME": "  jobs-dev  "}
    )
    assert (config.db.port, config.batch_size, config.stream_name) == (5432, 1000, "jobs-dev")
    assert config.metrics_namespace == METRICS_NAMESPACE


def test_the_first_broken_variable_is_named_even_among_several() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(BASE | {"DB_PORT": "x", "RETRY_MAX_ATTEMPTS": "0"})
    assert caught.value.variable in {"DB_PORT", "RETRY_MAX_ATTEMPTS"}
    assert caught.value.rule.startswith("must be")
