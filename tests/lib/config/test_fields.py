"""The knobs are pydantic-settings fields (lib/config/base.py, settings.py, lib/config_fields.py);
pydantic's own wording and tolerances stay inside, and reading them loads no cdktf code."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest
from pydantic import ValidationError
from pydantic_settings import BaseSettings

from lib import config_fields
from lib.config import (
    KNOBS,
    KNOBS_BY_ENV,
    ConfigError,
    DatabaseConfig,
    Section,
    StackConfig,
    WorkerConfig,
    knobs_of,
    load_config,
)
from tests.conftest import PROJECT_ROOT
from tests.lib.config.invalid_values import INVALID


def test_float_knobs_refuse_non_finite_values() -> None:
    for raw in ("nan", "inf", "1e400"):
        with pytest.raises(ConfigError, match="STREAMFLIX_BURST_HEADROOM"):
            load_config({"STREAMFLIX_BURST_HEADROOM": raw})
    assert math.isclose(
        load_config({"STREAMFLIX_BURST_HEADROOM": "1.5"}).stream.burst_headroom, 1.5
    )


def test_every_knob_is_one_pydantic_field_named_by_its_variable() -> None:
    assert issubclass(StackConfig, BaseSettings)
    for spec in KNOBS:
        model = StackConfig if not spec.section else type(getattr(StackConfig(), spec.section))
        field = model.model_fields[spec.attr]
        assert field.validation_alias == spec.env and field.description, spec.env
        assert field.default == spec.default == spec.value_in(StackConfig()), spec.env
    assert len(KNOBS) == len(KNOBS_BY_ENV) == len(set(INVALID))


def test_a_knob_declared_as_one_field_gets_its_type_range_doc_and_checks() -> None:
    """The recipe for a new knob: one annotated field; docs, errors and hints follow from it."""

    class Demo(Section):
        limit: config_fields.Integer = config_fields.knob(
            "STREAMFLIX_DEMO_LIMIT", 3, ge=1, le=9, unit="things"
        )
        """How many things at most."""

    (spec,) = knobs_of(Demo, "demo")
    assert (spec.env, spec.type_name, spec.allowed, spec.doc, spec.default) == (
        "STREAMFLIX_DEMO_LIMIT",
        "integer",
        "1 to 9 things",
        "How many things at most.",
        3,
    )
    assert spec.parse(" 7 ") == 7
    with pytest.raises(ValidationError):
        spec.parse("10")


def test_the_sections_refuse_bad_python_values_too() -> None:
    with pytest.raises(ValidationError, match="is not one of the choices"):
        WorkerConfig(cpu=3000)
    with pytest.raises(ValidationError, match=r"is not a multiple of 0\.5"):
        DatabaseConfig(min_acu=0.3)
    assert WorkerConfig(min_tasks=5).min_tasks == 5  # rules between knobs: load_config only


def test_the_configuration_never_reads_the_process_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """pydantic-settings reads os.environ by default; ours reads only load_config's mapping."""
    monkeypatch.setenv("ENVIRONMENT_SUFFIX", "zz")
    monkeypatch.setenv("STREAMFLIX_DB_MAX_ACU", "8")
    assert StackConfig().environment_suffix == "dev"
    assert load_config({}).database.max_acu == 4
    assert load_config({"STREAMFLIX_DB_MAX_ACU": "16"}).database.max_acu == 16
    assert StackConfig().database.max_acu == 4  # the mapping does not outlive the call


def test_errors_carry_no_pydantic_wording_location_or_traceback() -> None:
    env = dict.fromkeys(KNOBS_BY_ENV, "#")
    with pytest.raises(ConfigError) as caught:
        load_config(env)
    err = caught.value
    assert err.knobs == tuple(KNOBS_BY_ENV)  # every knob, once, in declaration order
    text = str(err)
    for leak in ("Input should", "pydantic", "validation error", "type=", "input_value"):
        assert leak not in text
    assert err.__cause__ is None and err.__context__ is None


@pytest.mark.parametrize(
    ("name", "raw", "words"),
    [
        ("STREAMFLIX_DB_MIN_ACU", "1.0000000001", "is not a multiple of 0.5"),  # multiple_of: 1e-9
        ("STREAMFLIX_WORKER_MIN_TASKS", "1_000", "is not a whole number"),  # int("1_000") works
        ("STREAMFLIX_WORKER_CPU", "1024.0", "is not a whole number"),  # pydantic takes "1.0"
        ("STREAMFLIX_WORKER_MAX_TASKS", "\u0663", "is not a whole number"),  # Arabic-Indic 3
        ("STREAMFLIX_BURST_HEADROOM", "nan", "is not a decimal number"),
        ("STREAMFLIX_BURST_HEADROOM", "1_5", "is not a decimal number"),
        ("STREAMFLIX_BURST_HEADROOM", "1e400", "is not a finite number"),
        ("STREAMFLIX_ECS_EXEC", "t", "is not a boolean"),  # pydantic's bool takes t/f/y/n
    ],
)
def test_pydantic_tolerances_do_not_leak_into_the_knobs(name: str, raw: str, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config({name: raw})
    assert caught.value.knobs == (name,)
    assert f"{name}={raw!r}: {words}; allowed: " in str(caught.value)


def test_reading_the_configuration_loads_no_cdktf_code() -> None:
    probe = (
        "import sys, lib.config; lib.config.load_config({}); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'cdktf', 'cdktf_cdktf_provider_aws', 'constructs', 'jsii'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "[]"
