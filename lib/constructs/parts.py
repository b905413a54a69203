"""The constructs a stack is built from, as one value handed on to what reads them (outputs).

It lives beside the constructs, not in lib/stack.py, so that readers depend on the parts and the
stack depends on the readers: data flows one way, with no import cycle back to the stack.
"""

from __future__ import annotations

from dataclasses import dataclass

from lib.constructs.audit import Audit
from lib.constructs.compute import Compute
from lib.constructs.dashboard import Dashboard
from lib.constructs.database import Database
from lib.constructs.encryption import EncryptionKeys
from lib.constructs.evidence_signing import EvidenceSigningKey
from lib.constructs.failure_handling import FailureHandling
from lib.constructs.firewall import Firewall
from lib.constructs.ingestion import Ingestion
from lib.constructs.network import Network
from lib.constructs.registry import Registry


@dataclass(frozen=True)
class StackParts:
    keys: EncryptionKeys
    network: Network
    firewall: Firewall
    ingestion: Ingestion
    database: Database
    registry: Registry
    failures: FailureHandling
    compute: Compute
    audit: Audit
    dashboard: Dashboard
    evidence_signing: EvidenceSigningKey
