"""The gate's verdict on one stack: judged findings plus what could not be scanned.

Its own module so that data flows one way: ``scan`` -> ``gate`` (judges) -> ``reporting``
(writes files); ``reporting`` and ``gate`` both import this, neither imports the other.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from core.exceptions import PolicyException
from policies.findings import Finding, Status


@dataclass(frozen=True)
class GateResult:
    stack: str
    synth_dir: Path
    findings: tuple[Finding, ...]
    parsing_errors: tuple[str, ...]
    unused_exceptions: tuple[PolicyException, ...]
    no_files: bool = False
    strict_exceptions: bool = False
    # (check id, address) of our own checks that returned UNKNOWN (apply-time values or a
    # setting they cannot interpret, docs/gate.md): counted, not judged.
    custom_unknown: tuple[tuple[str, str], ...] = ()

    @property
    def failed(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.status is Status.FAILED)

    @property
    def waived(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.status is Status.WAIVED)

    @property
    def passed(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.status is Status.PASSED)

    @property
    def unknown(self) -> tuple[Finding, ...]:
        """Built-in checks that could not judge a resource (failed or waived)."""
        return tuple(f for f in self.findings if f.unknown)

    @property
    def checks_per_resource(self) -> dict[str, int]:
        """How many checks reported on each resource (UNKNOWN results included)."""
        counts = Counter(f.address for f in self.findings)
        counts.update(address for _, address in self.custom_unknown)
        return dict(sorted(counts.items()))

    @property
    def ok(self) -> bool:
        return not (
            self.failed
            or self.parsing_errors
            or self.no_files
            or (self.strict_exceptions and self.unused_exceptions)
        )
