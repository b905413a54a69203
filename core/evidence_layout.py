"""Where scheduled evidence lives: one fact, imported by the stack and by the task that writes it.

The evidence bucket holds ``runtime-evidence/<yyyy>/<mm>/<dd>/<run-id>.json`` per collection run
(and any file the collector wrote beside it, e.g. a signature envelope, under the same run id),
and ``design/<sha256>.json``: each synthesized stack (cdk.tf.json) deployed, published by the
deploy step, with ``design/current.json`` naming the one in force. No cdktf import here: the
collector image carries this module without the provider.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

EVIDENCE_PREFIX = "runtime-evidence"
DESIGN_PREFIX = "design"
CURRENT_DESIGN_KEY = f"{DESIGN_PREFIX}/current.json"

# The task publishes one datapoint per stored run; the missed-run alarm watches it.
METRIC_NAMESPACE = "StreamFlix/Evidence"
METRIC_STORED = "CollectionsStored"
METRIC_DIMENSION = "Environment"

# The scheduled task's environment (names written once, read by compliance.collect.scheduled).
ENV_BUCKET = "EVIDENCE_BUCKET"
ENV_ENVIRONMENT = "EVIDENCE_ENVIRONMENT"
ENV_SIGNING_KEY = "SFX_EVIDENCE_KMS_KEY"  # read by core.attest.signers

_RUN_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{8}$")


def run_id(when: datetime, nonce: str) -> str:
    """``20261107T051700Z-1a2b3c4d``: sorts by time; the nonce keeps two runs apart."""
    return f"{when.astimezone(UTC):%Y%m%dT%H%M%SZ}-{nonce[:8]}"


def is_run_id(text: str) -> bool:
    return bool(_RUN_ID.match(text))


def day_prefix(when: datetime) -> str:
    """``runtime-evidence/2026/11/07/``: the folder of one UTC day."""
    return f"{EVIDENCE_PREFIX}/{when.astimezone(UTC):%Y/%m/%d}/"


def evidence_key(when: datetime, run: str, file_name: str, main_file: str) -> str:
    """The key of one file a run wrote: the evidence file becomes ``<run-id>.json``; any other
    file keeps its name after the run id (``<run-id>.<name>``), so all of a run sort together."""
    name = f"{run}.json" if file_name == main_file else f"{run}.{file_name}"
    return day_prefix(when) + name


def design_key(sha256: str) -> str:
    return f"{DESIGN_PREFIX}/{sha256}.json"
