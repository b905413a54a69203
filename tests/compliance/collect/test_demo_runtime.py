"""The demo's collection step on the session's moto server (the report step is the report's own)."""

from __future__ import annotations

import json
from pathlib import Path

from compliance.collect.model import ItemStatus
from core.attest import load_trust_policy, verify_file
from core.attest.engine import subject_of
from core.binding import bind
from simulation.demo import simulate_and_collect

from .conftest import MotoEndpoint


def test_the_demo_collects_evidence_labelled_as_a_local_simulation(
    synth_dir: Path, moto_server: MotoEndpoint, tmp_path: Path
) -> None:
    moto_server.reset()
    path, evidence = simulate_and_collect(synth_dir, tmp_path, moto_server.endpoint)
    assert evidence.simulated
    assert json.loads(path.read_text())["endpoint_url"] == moto_server.endpoint
    assert {i.status for i in evidence.items} == {ItemStatus.SATISFIED}
    # the simulation is a signed fact: the envelope beside the file names the endpoint
    verified = verify_file(
        path, "collector", load_trust_policy(), stack=subject_of(bind(synth_dir))
    )
    assert verified.predicate["simulated"] is True
    assert verified.predicate["endpoint_url"] == moto_server.endpoint
    assert json.loads(path.read_text())["stack_sha256"] == bind(synth_dir).sha256
