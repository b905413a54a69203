"""One moto server for every collector test, and the simulated account named from the session's
synthesized stack (tests/conftest.py synth_dir: no extra synth)."""

from __future__ import annotations

import dataclasses
import os
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import botocore.loaders
import botocore.session
import pytest
from streamflix_devtools.standins import FAKE_AWS_ENV, Moto

from compliance.collect.design import Design, read_design
from compliance.collect.model import RuntimeEvidence
from compliance.collect.run import Target, collect, write_evidence
from simulation.account import SimulatedAccount

# botocore signs CloudWatch as "monitoring"; its IAM actions are "cloudwatch:*".
IAM_PREFIX = {"monitoring": "cloudwatch"}
# Operations whose IAM action is not named like the operation (Service Authorization Reference).
IAM_ACTION = {"s3:GetPublicAccessBlock": "s3:GetAccountPublicAccessBlock"}  # S3 Control


def record_calls(session: Any) -> list[str]:
    """Every API call clients of ``session`` make, as IAM actions (``service:Operation``).

    ``before-parameter-build`` fires for every call before any stub can answer it."""
    calls: list[str] = []

    def hook(model: Any, **_: Any) -> None:
        prefix = model.service_model.signing_name
        action = f"{IAM_PREFIX.get(prefix, prefix)}:{model.name}"
        if model.service_model.service_name == "s3control":
            action = IAM_ACTION.get(action, action)
        calls.append(action)

    session.events.register("before-parameter-build", hook)
    return calls


@dataclass(frozen=True)
class MotoEndpoint:
    endpoint: str

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=10).close()


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoEndpoint]:
    for key, value in FAKE_AWS_ENV.items():
        os.environ.setdefault(key, value)
    server = Moto()
    try:
        yield MotoEndpoint(server.endpoint)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def design(synth_dir: Path) -> Design:
    """The design the collector checks an account against. Operating evidence is about a running
    environment: the default synth is a new environment's first stage (no image yet, autoscaling
    pinned at 0 tasks, issue 20), so the workers' minimum is taken as the published one (>= 1)."""
    designed = read_design(synth_dir)
    return dataclasses.replace(designed, min_tasks=max(1, designed.min_tasks))


@pytest.fixture(scope="session")
def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class Run:
    evidence: RuntimeEvidence
    calls: tuple[str, ...]
    path: Path


Collect = Callable[[SimulatedAccount], Run]


@pytest.fixture(scope="session")
def run_collector(
    design: Design,
    moto_server: MotoEndpoint,
    now: datetime,
    tmp_path_factory: pytest.TempPathFactory,
) -> Collect:
    """Collect from a simulated account through a fresh session (moto's gaps, calls recorded)."""

    def run(account: SimulatedAccount) -> Run:
        fresh = session(design.region)
        calls = record_calls(fresh)
        account.gaps.register(fresh)
        target = Target(fresh, design.region, moto_server.endpoint)
        evidence = collect(design, target, now=now, seed=7)
        path = write_evidence(evidence, tmp_path_factory.mktemp("evidence"))
        return Run(evidence, tuple(calls), path)

    return run


_LOADER = botocore.loaders.Loader()  # one model cache for every session of these tests


def session(region: str) -> boto3.Session:
    core = botocore.session.Session()
    core.register_component("data_loader", _LOADER)
    return boto3.Session(botocore_session=core, region_name=region)


def build_account(design: Design, moto_server: MotoEndpoint, now: datetime) -> SimulatedAccount:
    moto_server.reset()
    target = Target(session(design.region), design.region, moto_server.endpoint)
    return SimulatedAccount.build(design, target, now)


@pytest.fixture(scope="session")
def baseline(
    design: Design, moto_server: MotoEndpoint, now: datetime, run_collector: Collect
) -> Run:
    """The collector's run on the account exactly as designed (once per session)."""
    return run_collector(build_account(design, moto_server, now))


@pytest.fixture
def account(
    design: Design, moto_server: MotoEndpoint, now: datetime, baseline: Run
) -> SimulatedAccount:
    """A fresh designed account for one negative case (after the baseline was taken)."""
    del baseline
    return build_account(design, moto_server, now)
