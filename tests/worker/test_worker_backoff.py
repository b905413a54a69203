"""Property tests for the capped, full-jitter exponential backoff."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from streamflix_worker.backoff import backoff_ceiling_ms, backoff_delay_ms

attempts = st.integers(min_value=1, max_value=10_000)
bases = st.integers(min_value=1, max_value=10_000)
draws = st.floats(min_value=0.0, max_value=1.0, exclude_max=True)


@given(attempts, bases, st.integers(min_value=0, max_value=10**7), draws)
def test_delay_within_zero_and_capped_ceiling(
    attempt: int, base: int, extra: int, draw: float
) -> None:
    cap = base + extra
    delay = backoff_delay_ms(attempt, base, cap, draw)
    ceiling = backoff_ceiling_ms(attempt, base, cap)
    assert 0 <= delay < ceiling <= cap


@given(attempts, bases, st.integers(min_value=0, max_value=10**7))
def test_ceiling_grows_then_saturates(attempt: int, base: int, extra: int) -> None:
    cap = base + extra
    now, after = backoff_ceiling_ms(attempt, base, cap), backoff_ceiling_ms(attempt + 1, base, cap)
    assert now <= after <= cap
    assert after == min(cap, 2 * now) or now == cap


@given(attempts, bases, draws, draws)
def test_delay_is_monotonic_in_the_draw(attempt: int, base: int, a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert backoff_delay_ms(attempt, base, base * 100, low) <= backoff_delay_ms(
        attempt, base, base * 100, high
    )


def test_first_attempt_ceiling_is_the_base() -> None:
    assert backoff_ceiling_ms(1, 200, 20_000) == 200
    assert backoff_ceiling_ms(4, 200, 20_000) == 1600
    assert backoff_ceiling_ms(100, 200, 20_000) == 20_000


@pytest.mark.parametrize(
    ("attempt", "base", "cap", "draw"),
    [(0, 1, 1, 0.5), (1, 0, 1, 0.5), (1, 10, 5, 0.5), (1, 1, 1, 1.0), (1, 1, 1, -0.1)],
)
def test_bad_inputs_are_rejected(attempt: int, base: int, cap: int, draw: float) -> None:
    with pytest.raises(ValueError):
        backoff_delay_ms(attempt, base, cap, draw)
