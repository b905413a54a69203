"""What every construct needs to know about the stack it lives in."""

from __future__ import annotations

from dataclasses import dataclass

from lib.config import StackConfig
from lib.naming import Namer


@dataclass(frozen=True)
class StackContext:
    config: StackConfig
    namer: Namer
    account_id: str  # a Terraform token, resolved at apply time

    @property
    def region(self) -> str:
        return self.config.region

    @property
    def azs(self) -> tuple[str, str]:
        """Two AZs; every EU region has an 'a' and a 'b' zone."""
        return (f"{self.region}a", f"{self.region}b")

    def arn(self, service: str, resource: str, region: bool = True) -> str:
        return f"arn:aws:{service}:{self.region if region else ''}:{self.account_id}:{resource}"
