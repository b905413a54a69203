"""Capped exponential backoff with full jitter (AWS Architecture Blog, 2015).

A pure function of its inputs so it can be property-tested; callers pass the random draw.
"""

from __future__ import annotations

import random


def backoff_ceiling_ms(attempt: int, base_ms: int, max_ms: int) -> int:
    """Upper bound of the wait after failed attempt ``attempt`` (1-based): min(cap, base*2^(n-1))."""
    if attempt < 1:
        raise ValueError("attempt must be >= 1")
    if base_ms < 1 or max_ms < base_ms:
        raise ValueError("need 1 <= base_ms <= max_ms")
    exponent = min(attempt - 1, 62)  # beyond this the cap always wins; avoids huge ints
    return min(max_ms, base_ms * (1 << exponent))


def backoff_delay_ms(attempt: int, base_ms: int, max_ms: int, draw: float) -> float:
    """Full-jitter delay: ``draw`` in [0, 1) scaled onto [0, ceiling)."""
    if not 0.0 <= draw < 1.0:
        raise ValueError("draw must be in [0, 1)")
    return draw * backoff_ceiling_ms(attempt, base_ms, max_ms)


def jittered_delay_s(attempt: int, base_ms: int, max_ms: int) -> float:
    """The impure convenience wrapper used at run time."""
    return backoff_delay_ms(attempt, base_ms, max_ms, random.random()) / 1000.0
