"""Every accepted configuration holds values inside the AWS limits and yields valid names for
every service; the worker accepts every retry policy the stack accepts."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from lib.config import KNOBS, StackConfig, load_config
from lib.naming import COMPONENTS, Namer
from tests.lib.config.aws_limits import aws_limit_breaches
from tests.lib.config.strategies import accepted_envs
from tests.lib.test_naming import AWS_ACCEPTS


# deadline=None throughout: timing is not under test, and on a loaded machine one example can
# stall past hypothesis' 200 ms default.
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(env=accepted_envs())
def test_every_accepted_configuration_is_within_aws_limits_and_names_are_valid(
    env: dict[str, str],
) -> None:
    cfg = load_config(env)
    assert aws_limit_breaches(cfg) == []
    for knob in KNOBS:  # the config holds what the environment said, nothing else
        expected = knob.parse(env[knob.env]) if knob.env in env else knob.default
        assert knob.value_in(cfg) == expected, knob.env
    namer = Namer(cfg.environment_suffix)
    assert all(AWS_ACCEPTS[s](namer.name(c)) for c, s in COMPONENTS.items())


def test_defaults_alone_are_accepted_and_within_limits() -> None:
    cfg = load_config({})
    assert cfg == StackConfig()
    assert aws_limit_breaches(cfg) == []
    assert cfg.region == "eu-central-1" and cfg.environment_suffix == "dev"


@settings(max_examples=50, deadline=None)
@given(env=accepted_envs())
def test_the_worker_accepts_every_retry_policy_the_stack_accepts(env: dict[str, str]) -> None:
    """The stack passes its retry knobs to the worker; the worker's own rules must agree."""
    from streamflix_worker.config import load_config as load_worker_config

    retry = load_config(env).retry
    worker_env = {
        "RETRY_MAX_ATTEMPTS": str(retry.max_attempts),
        "RETRY_BASE_BACKOFF_MS": str(retry.base_backoff_ms),
        "RETRY_MAX_BACKOFF_MS": str(retry.max_backoff_ms),
        "DB_SECRET_ARN": "arn:aws:secretsmanager:eu-central-1:123456789012:secret:x",
        "DB_HOST": "db.internal",
        "DB_NAME": "streamflix",
        "STREAM_NAME": "s",
        "UPLOADS_BUCKET": "b",
        "DLQ_URL": "https://sqs.eu-central-1.amazonaws.com/123456789012/q",
        "ALERT_TOPIC_ARN": "arn:aws:sns:eu-central-1:123456789012:t",
        "ENVIRONMENT": "dev",
        "AWS_REGION": "eu-central-1",
    }
    worker = load_worker_config(worker_env).retry
    assert (worker.max_attempts, worker.base_backoff_ms, worker.max_backoff_ms) == (
        retry.max_attempts,
        retry.base_backoff_ms,
        retry.max_backoff_ms,
    )


# ---------------------------------------------------------------------------------------------
# Rejected values: for every knob, values that break its own rule
# ---------------------------------------------------------------------------------------------
