"""What every check family gets: read-only clients, the account, the clock and the sampling seed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from compliance.collect.model import Check, Finding, Sampling
from compliance.collect.sampling import METHOD, draw, size_row

Client = Any


@dataclass(frozen=True)
class Context:
    clients: Callable[[str], Client]
    account_id: str
    region: str
    now: datetime
    seed: int
    _cache: dict[str, Client] = field(default_factory=dict, compare=False, repr=False)

    def client(self, service: str) -> Client:
        if service not in self._cache:
            self._cache[service] = self.clients(service)
        return self._cache[service]

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account_id}:{resource}"

    def sample(self, population: Sequence[str], start: datetime) -> Sampling:
        """A seeded random sample of the size the table gives for the population's frequency
        over [start, now]; the whole population is kept so it can be re-drawn offline."""
        ordered = tuple(sorted(population))
        days = (self.now - start).total_seconds() / 86_400
        row = size_row(len(ordered), days)
        chosen = draw(ordered, self.seed, min(row.size, len(ordered)))
        return Sampling(
            len(ordered),
            start,
            self.now,
            chosen,
            self.seed,
            ordered,
            METHOD,
            row.frequency,
            row.size,
        )


def error(check: Check, api_call: str, arn: str, expected: Any, err: Exception) -> Finding:
    """The call failed: evidence that could not be collected counts as not run."""
    return Finding(check, api_call, arn, None, expected, None, f"call failed: {err}")


CALL_ERRORS = (ClientError, BotoCoreError)

# The error codes with which a read call says the named resource does not exist (CloudTrail API
# reference GetTrailStatus: TrailNotFoundException; RDS API reference DescribeDBClusters:
# DBClusterNotFoundFault). A deleted resource is a failed check (drift), not evidence not run.
NOT_FOUND_CODES = frozenset({"TrailNotFoundException", "DBClusterNotFoundFault"})


def is_not_found(err: Exception) -> bool:
    """The account answered that the resource does not exist (as opposed to a failed call)."""
    return (
        isinstance(err, ClientError)
        and err.response.get("Error", {}).get("Code") in NOT_FOUND_CODES
    )


def missing(check: Check, api_call: str, arn: str, expected: Any) -> Finding:
    """The designed resource does not exist in the account: not satisfied, observed absent."""
    return Finding(check, api_call, arn, {"exists": False}, expected, False, "resource not found")
