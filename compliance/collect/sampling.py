"""Sampling an auditor can re-perform: a documented size table, a named method, a stored seed.

The population of occurrences over the period (e.g. AWS Backup jobs of the last 7 days) is
stored whole, sorted; the sample is ``sorted(random.Random(seed).sample(population, n))`` with
``n`` from ``SAMPLE_SIZES``: the control's frequency is the population's occurrences per day
over the period, and its row gives the size (every occurrence when the population is smaller).
Anyone can re-draw it from the stored file alone, without calling AWS (``redraw``).

Source of the sizes: the AICPA Audit Guide *Audit Sampling* (2019), table of sample sizes for
tests of controls over small populations of periodic controls (quarterly 2, monthly 2-5,
semi-monthly 3-8, weekly 5-15, daily 20-40) and the 25-60 commonly used for controls that
operate several times a day; we take the **upper bound** of each range, because the evidence is
machine-collected (a larger sample costs nothing) and no prior-period reliance is assumed.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

METHOD = "random.Random(seed).sample(sorted(population), n); sample sorted"
TABLE_SOURCE = (
    "AICPA Audit Guide 'Audit Sampling' (2019), tests of controls, small populations of "
    "periodic controls; upper bound of each range"
)


@dataclass(frozen=True)
class SizeRow:
    """Controls operating at least ``min_per_year`` times a year are sampled ``size`` times."""

    frequency: str
    min_per_year: float
    size: int


# Highest frequency first; the first row the population's yearly rate reaches applies. Daily
# starts at 250 a year (business days), weekly at 50, as the guide's population sizes do.
SAMPLE_SIZES: tuple[SizeRow, ...] = (
    SizeRow("multiple times a day", 730, 60),
    SizeRow("daily", 250, 40),
    SizeRow("weekly", 50, 15),
    SizeRow("semi-monthly", 24, 8),
    SizeRow("monthly", 12, 5),
    SizeRow("quarterly", 4, 2),
    SizeRow("annual or less often", 0, 1),
)
DAYS_PER_YEAR = 365


def size_row(population: int, period_days: float) -> SizeRow:
    """The table row for ``population`` occurrences over ``period_days`` days."""
    if period_days <= 0:
        raise ValueError(f"period_days={period_days}: the period must be longer than 0 days")
    per_year = population * DAYS_PER_YEAR / period_days
    return next(r for r in SAMPLE_SIZES if per_year >= r.min_per_year)


def sample_size(population: int, period_days: float) -> int:
    """The table's size for the frequency, or the whole population when it is smaller."""
    return min(size_row(population, period_days).size, population)


def draw(population: Sequence[str], seed: int, n: int) -> tuple[str, ...]:
    """The sample: ``n`` of the sorted population with ``random.Random(seed)``, sorted."""
    ordered = sorted(population)
    return tuple(sorted(random.Random(seed).sample(ordered, n)))
