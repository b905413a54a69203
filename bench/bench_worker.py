"""A real worker process for the benchmark: production code, media work stubbed.

Run as ``python bench/bench_worker.py`` with the worker's usual environment plus:

- ``BENCH_CLIP``: a real clip; every job returns its (really probed) facts, like
  tests/worker/faulty_worker.py patches ``S3MediaProcessor.process``;
- ``BENCH_MARK``: a file that receives ``<wall time> <process CPU s>`` when the first shard
  consumer starts, so the benchmark can leave interpreter start-up and imports out;
- ``BENCH_GO`` (optional): a file path; after its imports the worker writes ``<BENCH_GO>.ready-
  <WORKER_ID>`` and waits until ``BENCH_GO`` exists, so that the workers of a case start
  together and no worker's interpreter start-up burns CPU inside another's measured span;
- ``BENCH_CONSUMER=naive`` (optional): the naive consumer, one claim and one commit per record;
- ``BENCH_PROFILE_DIR`` (optional): cProfile every consumer and prefetch thread (and the
  supervisor) and write one ``.prof`` file per thread there when it ends.
"""

from __future__ import annotations

import atexit
import cProfile
import hashlib
import os
import sys
import threading
import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import streamflix_worker.supervisor as supervisor_module
from streamflix_worker.__main__ import main
from streamflix_worker.consumer import ShardConsumer
from streamflix_worker.media import MediaInfo, probe_file
from streamflix_worker.processor import S3MediaProcessor
from streamflix_worker.schema import ProcessingRequest

F = TypeVar("F", bound=Callable[..., Any])


class FixedClipProcessor:
    """Stands in for S3 + probing: always the facts of one small, really probed clip."""

    def __init__(self, clip: Path) -> None:
        data = clip.read_bytes()
        self.info = MediaInfo(len(data), hashlib.sha256(data).hexdigest(), probe_file(clip))

    def process(self, request: ProcessingRequest) -> MediaInfo:
        return self.info


class NaiveConsumer(ShardConsumer):
    """The baseline: every record gets its own claim and its own status+checkpoint commit."""

    def _handle_batch(self, records: list[dict[str, Any]], shard_end: bool) -> bool:
        if not records:
            return super()._handle_batch([], shard_end)
        for index, record in enumerate(records):
            last = index == len(records) - 1
            if not super()._handle_batch([record], shard_end and last):
                return False
        return True


_marked = threading.Lock()


def _mark_first_consumer() -> None:
    """Write wall time and process CPU once, when the first consumer starts.

    CPU from ``os.times()``: the kernel's per-process user+system ticks, the same source as the
    psutil reading the benchmark subtracts it from (/proc/<pid>/stat). ``time.process_time()``
    is a nanosecond clock, while /proc counts whole ticks: on a short case the end reading could
    come out below the start (seen in CI: worker CPU -0.0003 s)."""
    if _marked.acquire(blocking=False):
        cpu = os.times()
        Path(os.environ["BENCH_MARK"]).write_text(f"{time.time()} {cpu.user + cpu.system}")


_local = threading.local()
_profiles: list[cProfile.Profile] = []


def _profiled(function: F) -> F:
    """Count ``function``'s time in its thread's profile (one cProfile per thread)."""

    @wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        profile = getattr(_local, "profile", None)
        if profile is None:
            # thread CPU clock: time spent waiting on sockets or locks is not CPU and not counted
            profile = _local.profile = cProfile.Profile(time.thread_time)
            _local.depth = 0
            _profiles.append(profile)
        _local.depth += 1
        if _local.depth == 1:
            profile.enable()
        try:
            return function(*args, **kwargs)
        finally:
            _local.depth -= 1
            if _local.depth == 0:
                profile.disable()

    return run  # type: ignore[return-value]


def _dump_profiles(out_dir: Path) -> None:
    for index, profile in enumerate(_profiles):
        profile.dump_stats(out_dir / f"thread-{index}.prof")


def install() -> None:
    """Patch the worker for the benchmark according to the BENCH_* environment."""
    fixed = FixedClipProcessor(Path(os.environ["BENCH_CLIP"]))
    S3MediaProcessor.process = lambda self, request: fixed.info  # type: ignore[method-assign,assignment]
    base: type[ShardConsumer] = (
        NaiveConsumer if os.environ.get("BENCH_CONSUMER") == "naive" else ShardConsumer
    )
    profile_dir = os.environ.get("BENCH_PROFILE_DIR")

    class BenchConsumer(base):  # type: ignore[valid-type,misc]
        def run(self) -> None:
            _mark_first_consumer()
            super().run()

    if profile_dir:
        BenchConsumer.run = _profiled(BenchConsumer.run)  # type: ignore[method-assign]
        # GetRecords is prefetched on a pool thread: profile that call there too.
        BenchConsumer._fetch = _profiled(BenchConsumer._fetch)  # type: ignore[method-assign]
        atexit.register(_dump_profiles, Path(profile_dir))

    class BenchSupervisor(supervisor_module.Supervisor):
        def __init__(self, ctx: Any, consumer_class: type[ShardConsumer] = BenchConsumer) -> None:
            super().__init__(ctx, consumer_class)

    supervisor_module.Supervisor = BenchSupervisor  # type: ignore[misc]


GO_POLL_S = 0.005


def wait_for_go() -> None:
    """Say this process is imported and ready, then wait for the benchmark's start signal."""
    go = os.environ.get("BENCH_GO")
    if not go:
        return
    Path(f"{go}.ready-{os.environ['WORKER_ID']}").write_text("ready")
    while not Path(go).exists():
        time.sleep(GO_POLL_S)


if __name__ == "__main__":
    install()
    wait_for_go()
    sys.exit(main(["run"]))
