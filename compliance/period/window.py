"""The audit period: ``2026-09-01..2026-11-30`` (inclusive UTC days)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta


class PeriodError(ValueError):
    """A period argument that is not ``YYYY-MM-DD..YYYY-MM-DD`` with start <= end."""


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @classmethod
    def parse(cls, text: str) -> Period:
        start, sep, end = text.partition("..")
        try:
            if not sep:
                raise ValueError("no '..'")
            first, last = date.fromisoformat(start), date.fromisoformat(end)
        except ValueError:
            raise PeriodError(
                f"--period {text!r}: expected YYYY-MM-DD..YYYY-MM-DD (inclusive UTC days)"
            ) from None
        if first > last:
            raise PeriodError(f"--period {text!r}: the start is after the end")
        return cls(first, last)

    def days(self) -> Iterator[date]:
        day = self.first
        while day <= self.last:
            yield day
            day += timedelta(days=1)

    @property
    def length(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def start(self) -> datetime:
        return datetime(self.first.year, self.first.month, self.first.day, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """The end of the last day (exclusive bound)."""
        return self.start + timedelta(days=self.length)

    def __str__(self) -> str:
        return f"{self.first.isoformat()}..{self.last.isoformat()}"
