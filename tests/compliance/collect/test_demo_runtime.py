"""The demo's collection step on the session's moto server (the report step is the report's own)."""

from __future__ import annotations

import json
from pathlib import Path

from compliance.collect.model import ItemStatus
from compliance.demo_runtime import simulate_and_collect

from .conftest import MotoEndpoint


def test_the_demo_collects_evidence_labelled_as_a_local_simulation(
    synth_dir: Path, moto_server: MotoEndpoint, tmp_path: Path
) -> None:
    moto_server.reset()
    path, evidence = simulate_and_collect(synth_dir, tmp_path, moto_server.endpoint)
    assert evidence.simulated
    assert json.loads(path.read_text())["endpoint_url"] == moto_server.endpoint
    assert {i.status for i in evidence.items} == {ItemStatus.SATISFIED}
