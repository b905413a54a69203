"""Reading the knobs: unknown variables, every violation at once, then the rules between knobs."""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from pydantic import ValidationError

from lib.config.alarms import ALARM_RECIPIENT_KNOBS
from lib.config.base import ConfigError, Violation
from lib.config.identity import KNOB_PREFIX
from lib.config.relations import RELATIONS
from lib.config.settings import _ENVIRON, KNOBS_BY_ENV, StackConfig
from lib.config_fields import problem


def _unknown_knobs(environ: Mapping[str, str]) -> list[Violation]:
    """A mistyped ``STREAMFLIX_*`` variable would otherwise be ignored without a word."""
    out = []
    for name in sorted(environ):
        if name.startswith(KNOB_PREFIX) and name not in KNOBS_BY_ENV:
            close = difflib.get_close_matches(name, KNOBS_BY_ENV, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            out.append(Violation(name, environ[name], f"is not a known knob{hint}"))
    return out


def load_config(environ: Mapping[str, str]) -> StackConfig:
    """Read every knob from ``environ`` (unset = default), validate, and build the config."""
    violations = _unknown_knobs(environ)
    token = _ENVIRON.set(environ)
    try:
        cfg = StackConfig()
    except ValidationError as err:  # every bad knob at once, in declaration order
        for error in err.errors(include_url=False):
            env = next(str(part) for part in error["loc"] if part in KNOBS_BY_ENV)
            if env not in {v.knob for v in violations}:  # one line per knob
                violations.append(KNOBS_BY_ENV[env].violation(environ[env], problem(error)))
    finally:
        _ENVIRON.reset(token)
    if violations:
        raise ConfigError(violations)
    cross = [v for v in (r.check(cfg) for r in RELATIONS) if v is not None]
    if cross:
        raise ConfigError(cross)
    return cfg


def config_warnings(cfg: StackConfig) -> list[str]:
    """Accepted but worth saying before synthesis (printed on stderr by main.py)."""
    warnings = []
    if not cfg.alarms.has_recipient:
        warnings.append(
            f"warning: alerts reach no one: {', '.join(ALARM_RECIPIENT_KNOBS)} are all empty, so "
            "the alerts topic has no subscriber (refused when STREAMFLIX_ENVIRONMENT_TIER="
            "production)"
        )
    if not cfg.worker.image_published:
        warnings.append(
            "note: the worker service runs no task (STREAMFLIX_WORKER_IMAGE_PUBLISHED=false, the "
            "default for a new environment): set it to true in the environment file once the "
            "worker image is pushed (docs/deploying.md, the first deploy)"
        )
    return warnings
