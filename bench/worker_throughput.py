"""Worker throughput: batched consumer vs a naive one-record-per-commit consumer.

One worker, one shard, end to end against the real local stand-ins (kinesis-mock, PostgreSQL,
moto): GetRecords -> schema validation -> claim (RECEIVED -> PROCESSING) -> "processing" ->
final status + checkpoint. Media work is stubbed with the probe of one small real clip, so the
numbers measure the consumer and its database writes, not FFmpeg.

Usage: .venv/bin/python bench/worker_throughput.py [--records 20000] [--naive-records 2000]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "worker" / "src"))

from streamflix_worker.app import build_context
from streamflix_worker.config import load_config
from streamflix_worker.consumer import ShardConsumer
from streamflix_worker.media import MediaInfo, probe_file
from streamflix_worker.schema import ProcessingRequest
from streamflix_worker.standins import Stack, StandIns, make_clip, sample_request
from streamflix_worker.supervisor import Supervisor


class FixedClipProcessor:
    """Stands in for S3 + probing: always the facts of one small, really probed clip."""

    def __init__(self, clip: Path) -> None:
        data = clip.read_bytes()
        self._info = MediaInfo(len(data), hashlib.sha256(data).hexdigest(), probe_file(clip))

    def process(self, request: ProcessingRequest) -> MediaInfo:
        return self._info


RECORDING = {"seconds": 0.0}


class TimedConsumer(ShardConsumer):
    """Adds up the time spent recording batches (validation, claim, jobs, commit), i.e.
    everything except waiting for the kinesis-mock stand-in."""

    def _handle_batch(self, records: list[dict[str, Any]], shard_end: bool) -> bool:
        started = time.perf_counter()
        try:
            return super()._handle_batch(records, shard_end)
        finally:
            RECORDING["seconds"] += time.perf_counter() - started


class NaiveConsumer(TimedConsumer):
    """The baseline: every record gets its own claim and its own status+checkpoint commit."""

    def _handle_batch(self, records: list[dict[str, Any]], shard_end: bool) -> bool:
        if not records:
            return super()._handle_batch([], shard_end)
        for index, record in enumerate(records):
            last = index == len(records) - 1
            if not super()._handle_batch([record], shard_end and last):
                return False
        return True


def _fill(standins: StandIns, stack: Stack, count: int) -> str:
    kinesis = stack.client("kinesis")
    last = ""
    for start in range(0, count, 500):
        entries = [
            {
                "Data": json.dumps(
                    sample_request(stack.bucket, "bench.mp4", title=f"b{i}")
                ).encode(),
                "PartitionKey": str(i),
            }
            for i in range(start, min(count, start + 500))
        ]
        response = kinesis.put_records(StreamName=stack.stream_name, Records=entries)
        assert response.get("FailedRecordCount", 0) == 0
        last = response["Records"][-1]["SequenceNumber"]
    return last


def _helper_cpu(standins: StandIns) -> float:
    """CPU seconds used so far by PostgreSQL (all backends) and kinesis-mock."""
    total = 0.0
    node = psutil.Process(standins.kinesis.process.pid)
    postmaster = psutil.Process(standins.postgres._pg.get_pid() or 0)
    for proc in [node, postmaster, *postmaster.children(recursive=True)]:
        try:
            times = proc.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def run(standins: StandIns, clip: Path, records: int, naive: bool) -> dict[str, float]:
    stack = standins.new_stack(shards=1)
    standins.migrate(stack)
    last = _fill(standins, stack, records)
    config = load_config(stack.env | {"WORKER_ID": "bench", "WORKER_IDLE_POLL_MS": "200"})
    supervisor = Supervisor(
        build_context(config, FixedClipProcessor(clip)),
        NaiveConsumer if naive else TimedConsumer,
    )
    stop = threading.Event()
    me = psutil.Process()
    RECORDING["seconds"] = 0.0
    cpu0, helpers0, t0 = me.cpu_times(), _helper_cpu(standins), time.perf_counter()
    thread = threading.Thread(target=supervisor.run, args=(stop,), daemon=True)
    thread.start()
    query = f"SELECT sequence_number::text FROM shard_checkpoints WHERE sequence_number = {last}"
    while not standins.postgres.superuser(query, stack.db_name):
        time.sleep(0.05)
    elapsed = time.perf_counter() - t0
    recording = RECORDING["seconds"]
    cpu1, helpers1 = me.cpu_times(), _helper_cpu(standins)
    stop.set()
    thread.join(60)
    done = standins.postgres.superuser(
        "SELECT count(*) FROM videos WHERE status = 'COMPLETED'", stack.db_name
    )[0][0]
    assert done == records, f"{done} of {records} completed"
    worker_cpu = (cpu1.user + cpu1.system) - (cpu0.user + cpu0.system)
    return {
        "records": records,
        "seconds": elapsed,
        "rps": records / elapsed,
        "rps_recording": records / recording,
        "worker_cpu_per_1k": worker_cpu / records * 1000,
        "helpers_cpu_per_1k": (helpers1 - helpers0) / records * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--naive-records", type=int, default=1_000)
    args = parser.parse_args()
    import logging

    logging.disable(logging.WARNING)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the stand-ins are stopped
    with tempfile.TemporaryDirectory() as tmp:
        clip = make_clip(Path(tmp) / "bench.mp4", seconds=1.0)
        standins = StandIns()
        try:
            batched = run(standins, clip, args.records, naive=False)
            naive = run(standins, clip, args.naive_records, naive=True)
        finally:
            standins.stop()
    lines = [
        "",
        "| consumer | records | seconds | records/s end to end | records/s while recording"
        " (excl. waiting for kinesis-mock) | worker CPU s / 1k records | records/s per worker"
        " vCPU | PostgreSQL + kinesis-mock CPU s / 1k |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in (
        ("batched (1 txn per GetRecords batch)", batched),
        ("naive (1 txn per record)", naive),
    ):
        lines.append(
            f"| {name} | {r['records']:.0f} | {r['seconds']:.2f} | {r['rps']:.0f} |"
            f" {r['rps_recording']:.0f} | {r['worker_cpu_per_1k']:.3f} |"
            f" {1000 / r['worker_cpu_per_1k']:.0f} | {r['helpers_cpu_per_1k']:.3f} |"
        )
    lines.append("")
    lines.append(
        f"batched / naive: {batched['rps'] / naive['rps']:.1f}x records/s end to end, "
        f"{naive['worker_cpu_per_1k'] / batched['worker_cpu_per_1k']:.1f}x less worker CPU per"
        " record"
    )
    print("\n".join(lines), file=sys.stderr)


if __name__ == "__main__":
    main()
