"""Demo: local stand-ins, sample jobs with generated clips, two workers, a status table.

    PYTHONPATH=worker/src:worker/devtools .venv/bin/python -m streamflix_devtools.demo [--jobs 8]

Development only (needs the dev venv and node_modules); nothing here touches AWS.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from streamflix_devtools.standins import Stack, StandIns, make_clip, sample_request

SRC = Path(__file__).resolve().parents[2] / "src"  # the worker package the demo runs
CLIPS = (("1.0", "160x120"), ("2.0", "320x240"), ("3.0", "640x360"))


def _submit(standins: StandIns, stack: Stack, jobs: int) -> int:
    s3, kinesis = stack.client("s3"), stack.client("kinesis")
    for index, (seconds, size) in enumerate(CLIPS):
        clip = make_clip(standins.root / f"clip{index}.mp4", float(seconds), size)
        s3.put_object(Bucket=stack.bucket, Key=f"uploads/clip{index}.mp4", Body=clip.read_bytes())
    s3.put_object(Bucket=stack.bucket, Key="uploads/poison.mp4", Body=b"not a video" * 100)
    payloads: list[bytes] = []
    for i in range(jobs):
        key = f"uploads/clip{i % len(CLIPS)}.mp4"
        request = sample_request(
            stack.bucket,
            key,
            title=f"Demo video {i + 1}",
            content={
                "origin_country": ["DE", "FR", "US"][i % 3],
                "european_work": i % 3 != 2,
                "rights_reference": f"LIC-{1000 + i}",
                "age_rating": ["0", "12", "16"][i % 3],
            },
        )
        payloads.append(json.dumps(request).encode())
    payloads.append(
        json.dumps(
            sample_request(stack.bucket, "uploads/poison.mp4", title="Poison upload")
        ).encode()
    )
    payloads.append(b'{"schema_version": 1, "title": "missing fields"}')
    kinesis.put_records(
        StreamName=stack.stream_name,
        Records=[{"Data": p, "PartitionKey": str(i)} for i, p in enumerate(payloads)],
    )
    return jobs + 1  # the invalid record never becomes a video


def _spawn(stack: Stack, standins: StandIns, worker_id: str) -> subprocess.Popen[bytes]:
    env = os.environ | stack.env | {"WORKER_ID": worker_id, "PYTHONPATH": str(SRC)}
    log = (standins.root / f"{worker_id}.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "streamflix_worker", "run"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _table(standins: StandIns, stack: Stack) -> list[tuple[object, ...]]:
    return standins.postgres.superuser(
        """
        SELECT v.title, v.status, v.duration_seconds, v.file_size_bytes,
               left(v.fingerprint_sha256, 12), v.probe->>'video_codec',
               (v.probe->>'width') || 'x' || (v.probe->>'height'), v.origin_country,
               v.european_work, h.worker_id, left(coalesce(v.failure_reason, ''), 40)
        FROM videos v
        JOIN video_status_history h ON h.video_id = v.video_id
             AND h.to_status IN ('COMPLETED', 'FAILED')
        ORDER BY v.title
        """,
        stack.db_name,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description="StreamFlix worker demo on local stand-ins")
    parser.add_argument("--jobs", type=int, default=8)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanup below
    print("starting stand-ins (PostgreSQL, kinesis-mock, moto)...", flush=True)
    standins = StandIns()
    workers: list[subprocess.Popen[bytes]] = []
    try:
        stack = standins.new_stack(shards=4, name="demo")
        pg = standins.postgres
        print(f"migrations applied: {standins.migrate(stack)}")
        workers = [_spawn(stack, standins, f"worker-{n}") for n in ("a", "b")]
        print("started worker-a and worker-b; waiting until they share the 4 shards...")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            owners = pg.superuser(
                "SELECT owner, count(*) FROM shard_leases WHERE expires_at > now() GROUP BY owner",
                stack.db_name,
            )
            if sorted(int(n) for _, n in owners) == [2, 2]:
                break
            time.sleep(0.3)
        print("leases:", {str(o): int(n) for o, n in owners})
        expected = _submit(standins, stack, args.jobs)
        print(f"submitted {args.jobs} jobs + 1 poison upload + 1 schema-invalid record")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            done = pg.superuser(
                "SELECT count(*) FROM videos WHERE status IN ('COMPLETED', 'FAILED')",
                stack.db_name,
            )[0][0]
            if done >= expected:
                break
            time.sleep(0.5)
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        codes = [w.wait(100) for w in workers]
        header = (
            "title",
            "status",
            "secs",
            "bytes",
            "sha256",
            "codec",
            "size",
            "origin",
            "EU work",
            "worker",
            "failure",
        )
        rows = [header, *_table(standins, stack)]
        widths = [max(len(str(r[i])) for r in rows) for i in range(len(header))]
        print()
        for row in rows:
            print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
        sqs = stack.client("sqs")
        letters = sqs.receive_message(QueueUrl=stack.dlq_url, MaxNumberOfMessages=10).get(
            "Messages", []
        )
        print(f"\ndead-letter queue: {len(letters)} message(s)")
        for message in letters:
            body = json.loads(message["Body"])
            print(
                f"  - {body['error_kind']} (by {body['worker_id']}, seq …{body['sequence_number'][-6:]}): {body['reason'][:70]}"
            )
        print(f"\nworkers exited with {codes} after SIGTERM; logs in {standins.root}/worker-*.log")
        if os.environ.get("DEMO_KEEP_LOGS"):
            for log in sorted(standins.root.glob("worker-*.log")):
                print(log.read_text()[-20000:])
        print("(the stand-ins and logs are removed now)")
        return 0
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
        standins.stop()


if __name__ == "__main__":
    sys.exit(main())
