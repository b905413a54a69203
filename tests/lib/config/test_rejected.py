"""Every knob, given an invalid value, is refused with an error naming exactly that knob, the
value and the allowed range; unknown variables and regions outside the Union are refused."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.config import EU_REGIONS, KNOBS, KNOBS_BY_ENV, ConfigError, load_config
from tests.lib.config.aws_limits import EU_MEMBER_REGIONS
from tests.lib.config.invalid_values import INVALID
from tests.lib.config.strategies import accepted_envs


def test_every_knob_has_invalid_values_under_test() -> None:
    assert set(INVALID) == set(KNOBS_BY_ENV)


@pytest.mark.parametrize("env_name", [k.env for k in KNOBS])
def test_every_rejected_value_names_exactly_its_knob_the_value_and_the_range(
    env_name: str,
) -> None:
    knob = KNOBS_BY_ENV[env_name]

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(env=accepted_envs(), bad=INVALID[env_name])
    def check(env: dict[str, str], bad: str) -> None:
        with pytest.raises(ConfigError) as caught:
            load_config({**env, env_name: bad})
        err = caught.value
        assert err.knobs == (env_name,)
        violation = err.violations[0]
        assert violation.value == bad
        assert violation.rule.endswith(f"allowed: {knob.allowed}")
        assert f"{env_name}={bad!r}: " in str(err)

    check()


def test_all_bad_knobs_are_reported_together() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config({"STREAMFLIX_DB_MIN_ACU": "0.3", "STREAMFLIX_WORKER_CPU": "3000"})
    assert set(caught.value.knobs) == {"STREAMFLIX_DB_MIN_ACU", "STREAMFLIX_WORKER_CPU"}


@settings(deadline=None)
@given(name=st.from_regex(r"\ASTREAMFLIX_[A-Z_]{1,30}\Z").filter(lambda n: n not in KNOBS_BY_ENV))
def test_an_unknown_streamflix_variable_is_refused(name: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config({name: "1"})
    assert caught.value.knobs == (name,)
    assert "is not a known knob" in str(caught.value)


def test_a_typo_gets_a_suggestion() -> None:
    with pytest.raises(ConfigError, match="did you mean STREAMFLIX_DB_MAX_ACU"):
        load_config({"STREAMFLIX_DB_MAX_ACUS": "8"})


@settings(deadline=None)
@given(region=st.text(max_size=20).filter(lambda r: r.strip().lower() not in EU_MEMBER_REGIONS))
def test_a_region_outside_the_eu_is_refused(region: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config({"STREAMFLIX_REGION": region})
    assert caught.value.knobs == ("STREAMFLIX_REGION",)


@pytest.mark.parametrize("region", sorted(EU_REGIONS - set(EU_MEMBER_REGIONS)))
def test_european_regions_outside_the_union_are_refused(region: str) -> None:
    with pytest.raises(ConfigError, match=f"STREAMFLIX_REGION='{region}'"):
        load_config({"STREAMFLIX_REGION": region})
