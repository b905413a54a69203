"""Session-scoped stand-ins (PostgreSQL, kinesis-mock, moto) and a fresh stack per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from streamflix_worker.standins import StandIns, make_clip
from worker_testkit import Harness


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
