"""Session-scoped stand-ins (PostgreSQL, kinesis-mock, moto), a fresh stack per test, and a
session-wide recorder of the AWS calls the worker's own clients make (checked against the task
role by ``test_worker_iam_calls.py``, which therefore runs last)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamflix_worker.app
import streamflix_worker.aws
from aws_calls import AwsCallRecorder
from streamflix_devtools.standins import StandIns, make_clip
from worker_testkit import Harness

IAM_CALLS_TEST = "test_worker_iam_calls.py"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the IAM comparison after every other test, so it judges all the calls they made."""
    items.sort(key=lambda item: IAM_CALLS_TEST in item.nodeid)


@pytest.fixture(scope="session", autouse=True)
def aws_calls() -> Iterator[AwsCallRecorder]:
    """Every worker-built client (``make_clients``) records its calls in one session set."""
    recorder = AwsCallRecorder()
    original = streamflix_worker.aws.make_clients

    def recording(region: str) -> streamflix_worker.aws.AwsClients:
        return recorder.attach(original(region))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(streamflix_worker.aws, "make_clients", recording)
        patch.setattr(streamflix_worker.app, "make_clients", recording)
        yield recorder


@pytest.fixture(scope="session")
def standins() -> Iterator[StandIns]:
    servers = StandIns()
    try:
        yield servers
    finally:
        servers.stop()


@pytest.fixture(scope="session")
def clip_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real 1 s H.264/AAC clip."""
    path: Path = tmp_path_factory.mktemp("clips") / "clip.mp4"
    return make_clip(path, seconds=1.0).read_bytes()


@pytest.fixture
def make_harness(standins: StandIns) -> Iterator[Callable[[int], Harness]]:
    """Fresh, migrated stacks with the given number of shards; workers killed afterwards."""
    made: list[Harness] = []

    def make(shards: int = 2) -> Harness:
        kit = Harness(standins, standins.new_stack(shards=shards))
        kit.migrate()
        made.append(kit)
        return kit

    try:
        yield make
    finally:
        for kit in made:
            kit.close()


@pytest.fixture
def harness(make_harness: Callable[[int], Harness]) -> Harness:
    return make_harness(2)
