"""Helpers shared by the worker's service tests: one isolated stack per test, real servers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from streamflix_devtools.standins import WORKER_LOGIN, Stack, StandIns, sample_request
from streamflix_worker.app import build_context
from streamflix_worker.config import WorkerConfig, load_config
from streamflix_worker.processor import JobProcessor
from streamflix_worker.supervisor import Supervisor

REPO = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def wait_until(
    check: Callable[[], T], timeout: float = 30, interval: float = 0.2, what: str = ""
) -> T:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or check}")
        time.sleep(interval)


class Harness:
    """One stack (database, stream, bucket, queues, topic, secret) and ways to drive it."""

    def __init__(self, standins: StandIns, stack: Stack) -> None:
        self.standins = standins
        self.stack = stack
        self.kinesis = stack.client("kinesis")
        self.s3 = stack.client("s3")
        self.sqs = stack.client("sqs")
        self.secrets = stack.client("secretsmanager")
        self.processes: list[subprocess.Popen[bytes]] = []

    # --- setup --------------------------------------------------------------------------
    def migrate(self) -> list[int]:
        return self.standins.migrate(self.stack)

    def connect(self, as_worker: bool) -> Any:
        """A psycopg connection as the worker's own login, or as the master (owner) user."""
        import psycopg

        pg = self.standins.postgres
        user, password = (
            (WORKER_LOGIN, self.stack.worker_password)
            if as_worker
            else ("streamflix_app", self.current_password())
        )
        return psycopg.connect(
            f"host={pg.socket_dir} port={pg.port} dbname={self.stack.db_name} "
            f"user={user} password={password}",
            autocommit=True,
        )

    def current_password(self) -> str:
        secret = self.secrets.get_secret_value(SecretId=self.stack.secret_arn)
        return str(json.loads(secret["SecretString"])["password"])

    def config(self, worker_id: str, **overrides: str) -> WorkerConfig:
        return load_config(self.stack.env | {"WORKER_ID": worker_id} | overrides)

    # --- input ---------------------------------------------------------------------------
    def upload(self, key: str, data: bytes) -> None:
        self.s3.put_object(Bucket=self.stack.bucket, Key=key, Body=data)

    def put(self, payload: dict[str, Any] | bytes, hash_key: int | None = None) -> str:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        args: dict[str, Any] = {
            "StreamName": self.stack.stream_name,
            "Data": data,
            "PartitionKey": "p",
        }
        if hash_key is not None:
            args["ExplicitHashKey"] = str(hash_key)
        return str(self.kinesis.put_record(**args)["SequenceNumber"])

    def put_jobs(self, key: str, count: int, spread: bool = True) -> list[str]:
        """``count`` valid jobs for ``key``, spread evenly over the hash-key space."""
        ids = []
        for i in range(count):
            request = sample_request(self.stack.bucket, key, title=f"clip {i}")
            hash_key = (i * (2**128 - 1)) // max(count, 1) if spread else None
            self.put(request, hash_key)
            ids.append(request["video_id"])
        return ids

    # --- observation ---------------------------------------------------------------------
    def query(self, sql: str) -> list[tuple[Any, ...]]:
        return self.standins.postgres.superuser(sql, self.stack.db_name)

    def statuses(self) -> dict[str, str]:
        return {str(r[0]): str(r[1]) for r in self.query("SELECT video_id, status FROM videos")}

    def count_status(self, status: str) -> int:
        return int(self.query(f"SELECT count(*) FROM videos WHERE status = '{status}'")[0][0])

    def history_counts(self) -> dict[str, list[str]]:
        rows = self.query(
            "SELECT video_id, to_status FROM video_status_history ORDER BY video_id, id"
        )
        out: dict[str, list[str]] = {}
        for video_id, status in rows:
            out.setdefault(str(video_id), []).append(str(status))
        return out

    def drain_queue(self, url: str, expect: int, timeout: float = 20) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while len(messages) < expect and time.monotonic() < deadline:
            got = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            for message in got.get("Messages", []):
                messages.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return messages

    def shard_ids(self) -> list[str]:
        shards = self.kinesis.list_shards(StreamName=self.stack.stream_name)["Shards"]
        return [s["ShardId"] for s in shards]

    def checkpoints(self) -> dict[str, tuple[str | None, bool]]:
        rows = self.query("SELECT shard_id, sequence_number::text, finished FROM shard_checkpoints")
        return {str(r[0]): (r[1], bool(r[2])) for r in rows}

    def lease_owners(self) -> dict[str, str | None]:
        rows = self.query("SELECT shard_id, owner FROM shard_leases WHERE expires_at > now()")
        return {str(r[0]): r[1] for r in rows}

    # --- workers -------------------------------------------------------------------------
    @contextmanager
    def worker(
        self, worker_id: str = "w-thread", processor: JobProcessor | None = None, **env: str
    ) -> Iterator[Supervisor]:
        """An in-process worker on a thread; stopped (drained) on exit."""
        config = self.config(worker_id, **env)
        supervisor = Supervisor(build_context(config, processor))
        stop = threading.Event()
        thread = threading.Thread(target=supervisor.run, args=(stop,), daemon=True)
        thread.start()
        try:
            yield supervisor
        finally:
            stop.set()
            thread.join(config.drain_timeout_seconds + 10)
            assert not thread.is_alive(), "worker did not drain in time"

    def spawn(
        self,
        worker_id: str,
        entry: tuple[str, ...] = ("-m", "streamflix_worker", "run"),
        **env: str,
    ) -> subprocess.Popen[bytes]:
        """A worker as a real process (for SIGKILL/SIGTERM); ``entry`` are python's arguments."""
        full_env = os.environ | self.stack.env | {"WORKER_ID": worker_id} | env
        full_env["PYTHONPATH"] = str(REPO / "worker" / "src")
        log = (self.standins.root / f"{worker_id}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, *entry],
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )
        self.processes.append(process)
        return process

    @contextmanager
    def process(self, worker_id: str, **env: str) -> Iterator[subprocess.Popen[bytes]]:
        """A real worker process (``spawn``), drained with SIGTERM on exit: it must exit 0."""
        process = self.spawn(worker_id, **env)
        try:
            yield process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            code = process.wait(60)
        assert code == 0, f"worker {worker_id} exited with {code}"

    def close(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait(10)


__all__ = ["Harness", "replace", "wait_until"]
