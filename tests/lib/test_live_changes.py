"""Issue 20 change safety: every knob says what changing it does to a live environment, and the
values the rehearsal plans are valid configurations that really change something."""

from __future__ import annotations

import pytest

from lib.config import KNOBS_BY_ENV, load_config
from lib.live_changes import (
    LIVE_CHANGES,
    LIVE_CHANGES_BY_KNOB,
    Effect,
    allowed_replacements,
    rehearsal_groups,
)


def test_every_knob_is_classified_exactly_once() -> None:
    assert len(LIVE_CHANGES) == len(LIVE_CHANGES_BY_KNOB)
    assert set(LIVE_CHANGES_BY_KNOB) == set(KNOBS_BY_ENV)


def test_a_knob_not_changeable_live_says_why() -> None:
    fixed = [c for c in LIVE_CHANGES if c.effect is Effect.NEW_ENVIRONMENT]
    assert fixed and all(len(c.note) > 20 and c.rehearse_with is None for c in fixed)


def test_every_live_knob_is_rehearsed_in_a_group() -> None:
    live = [c for c in LIVE_CHANGES if c.effect is not Effect.NEW_ENVIRONMENT]
    assert all(c.rehearse_with is not None and c.group for c in live)
    grouped = {knob for group in rehearsal_groups().values() for knob in group}
    assert grouped == {c.knob for c in live}


@pytest.mark.parametrize("group", sorted(rehearsal_groups()))
def test_each_group_is_a_valid_change_of_the_defaults(group: str) -> None:
    values = rehearsal_groups()[group]
    base = {"ENVIRONMENT_SUFFIX": "ci", "STREAMFLIX_ALARM_EMAILS": "oncall@example.com"}
    changed = load_config({**base, **values})
    default = load_config(base)
    for knob in values:
        spec = KNOBS_BY_ENV[knob]
        assert spec.value_in(changed) != spec.value_in(default), f"{knob} changes nothing"


def test_only_announced_replacements_are_allowed() -> None:
    assert allowed_replacements({"STREAMFLIX_DB_MIN_ACU": "1"}) == {}
