"""The operating evidence a report carries (``ReportData.runtime``): the collector's file, each
runtime control's decided status and the designed-vs-deployed drift.

Its own module so that ``compliance.reportdata`` (which holds it) and
``compliance.runtime_evidence`` (which builds it and folds it into ``ReportData``) import it one
way, with no cycle between them (issue 15 item 3).
"""

from __future__ import annotations

import dataclasses
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from compliance.assess import ControlStatus
from compliance.collect.model import EvidenceItem, RuntimeEvidence, iso


@dataclass(frozen=True)
class ControlRuntime:
    control_id: str
    status: ControlStatus
    reason: str
    items: tuple[EvidenceItem, ...]


@dataclass(frozen=True)
class DriftRow:
    check_id: str
    control_ids: tuple[str, ...]
    resource_arn: str
    designed: Any
    deployed: Any


@dataclass(frozen=True)
class RuntimeSummary:
    evidence: RuntimeEvidence
    source: Path
    sha256: str
    assessed_at: datetime
    controls: tuple[ControlRuntime, ...]

    @property
    def file_name(self) -> str:
        return self.source.name

    def copy_into(self, out_dir: Path) -> Path:
        target = out_dir / self.file_name
        if target.resolve() != self.source.resolve():
            shutil.copyfile(self.source, target)
        return target

    @property
    def drift(self) -> tuple[DriftRow, ...]:
        return tuple(
            DriftRow(i.check_id, i.control_ids, i.resource_arn, i.expected, i.observed)
            for i in self.evidence.items
            if i.drifted
        )

    def expired(self, item: EvidenceItem) -> bool:
        return item.expires_at <= self.assessed_at

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file_name,
            "sha256": self.sha256,
            "account_id": self.evidence.account_id,
            "region": self.evidence.region,
            "collected_at": iso(self.evidence.collected_at),
            "simulated": self.evidence.simulated,
            "controls": [
                {"id": c.control_id, "status": c.status.value, "reason": c.reason}
                for c in self.controls
            ],
            "drift": [dataclasses.asdict(d) for d in self.drift],
            "items": [i.to_json() for i in self.evidence.items],
        }
