"""Issue 22 item 4: sample sizes follow the documented table; a stored sample can be re-drawn."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from compliance.collect.model import Sampling
from compliance.collect.sampling import METHOD, SAMPLE_SIZES, draw, sample_size, size_row

START = datetime(2026, 9, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("population", "days", "frequency", "size"),
    [
        (4, 365, "quarterly", 2),
        (12, 365, "monthly", 5),
        (24, 365, "semi-monthly", 8),
        (52, 365, "weekly", 15),
        (365, 365, "daily", 40),
        (250, 365, "daily", 40),  # business days
        (2000, 365, "multiple times a day", 60),
        (1, 365, "annual or less often", 1),
    ],
)
def test_the_table_gives_the_documented_size_per_frequency(
    population: int, days: int, frequency: str, size: int
) -> None:
    row = size_row(population, days)
    assert (row.frequency, row.size) == (frequency, size)
    assert sample_size(population, days) == min(size, population)


def test_a_small_population_is_examined_whole() -> None:
    assert sample_size(3, 7) == 3  # 3 backup jobs in a week: weekly row (15), all 3 examined
    assert sample_size(0, 7) == 0


def test_the_table_is_ordered_and_a_bad_period_is_refused() -> None:
    rates = [r.min_per_year for r in SAMPLE_SIZES]
    assert rates == sorted(rates, reverse=True) and rates[-1] == 0
    with pytest.raises(ValueError, match="period_days"):
        size_row(3, 0)


def _stored(population: tuple[str, ...], seed: int) -> Sampling:
    n = sample_size(len(population), 30)
    row = size_row(len(population), 30)
    return Sampling(
        len(population),
        START,
        START + timedelta(days=30),
        draw(population, seed, n),
        seed,
        tuple(sorted(population)),
        METHOD,
        row.frequency,
        row.size,
    )


def test_a_stored_sample_survives_the_json_round_trip_and_redraws() -> None:
    population = tuple(f"job-{i:03d}" for i in range(90))  # 3 a day for 30 days
    s = _stored(population, seed=1234)
    again = Sampling.from_json(s.to_json())
    assert again == s
    assert len(again.sample) == 60 and again.redraw() == again.sample


def test_an_edited_sample_or_population_no_longer_redraws() -> None:
    s = _stored(tuple(f"e{i}" for i in range(50)), seed=9)
    swapped = Sampling.from_json({**s.to_json(), "sample": [*s.sample[:-1], "e-forged"]})
    assert swapped.redraw() != swapped.sample
    short = Sampling.from_json({**s.to_json(), "population": list(s.population_ids[:-1])})
    with pytest.raises(ValueError, match="population_size=50"):
        short.redraw()
