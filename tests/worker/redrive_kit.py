"""Helpers for the redrive tests: letters in the DLQ, the real CLI, what reached the stream, and
the order of the calls a real client made."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from worker_testkit import REPO, Harness

CLI = (sys.executable, "-m", "streamflix_worker", "redrive")


@dataclass(frozen=True)
class CliResult:
    """One run of the command: exit code, its per-message lines, its summary, stderr."""

    returncode: int
    outcomes: list[dict[str, Any]]
    summary: dict[str, Any]
    stderr: str

    def by_action(self, action: str) -> list[dict[str, Any]]:
        return [o for o in self.outcomes if o["action"] == action]


def cli_env(env: dict[str, str]) -> dict[str, str]:
    return os.environ | env | {"PYTHONPATH": str(REPO / "worker" / "src")}


def run_cli(
    env: dict[str, str], *args: str, entry: tuple[str, ...] = CLI
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*entry, *args], env=cli_env(env), capture_output=True, text=True, timeout=120, cwd=REPO
    )


def redrive(harness: Harness, *args: str, entry: tuple[str, ...] = CLI, **env: str) -> CliResult:
    """``python -m streamflix_worker redrive ARGS`` against this stack's DLQ and stream, logged
    in to the database as the operator."""
    done = run_cli(harness.stack.operator_env | env, *args, entry=entry)
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    summaries = [line for line in lines if line.get("summary")]
    assert len(summaries) <= 1, done.stdout
    return CliResult(
        done.returncode,
        [line for line in lines if not line.get("summary")],
        summaries[0] if summaries else {},
        done.stderr,
    )


def letter_body(
    request: dict[str, Any] | bytes,
    error_kind: str = "retries_exhausted",
    video_id: str | None = None,
    **fields: Any,
) -> str:
    """A DLQ message body as deadletter.DeadLetterSink writes it (fields may be overridden)."""
    data = request if isinstance(request, bytes) else json.dumps(request).encode()
    if video_id is None and isinstance(request, dict):
        video_id = request["video_id"]
    body: dict[str, Any] = {
        "reason": "object not found after 1 attempts",
        "error_kind": error_kind,
        "attempts": 1,
        "stream_name": "jobs-test",
        "shard_id": "shardId-000000000000",
        "sequence_number": "49590000000000000000000000000000000000000000000000000000",
        "worker_id": "w-test",
        "payload": data.decode("utf-8"),
        "payload_encoding": "utf-8",
        "payload_bytes": len(data),
        "payload_sha256": hashlib.sha256(data).hexdigest(),
        "video_id": video_id,
        "failed_at": "2026-12-02T20:00:00+00:00",
    }
    return json.dumps(body | fields)


def send_letter(harness: Harness, body: str) -> str:
    """Put one letter in the stack's DLQ; returns its SQS MessageId."""
    sent = harness.sqs.send_message(QueueUrl=harness.stack.dlq_url, MessageBody=body)
    return str(sent["MessageId"])


def queue_counts(harness: Harness) -> tuple[int, int]:
    """(visible, in flight) messages of the DLQ."""
    attributes = harness.sqs.get_queue_attributes(
        QueueUrl=harness.stack.dlq_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return (
        int(attributes["ApproximateNumberOfMessages"]),
        int(attributes["ApproximateNumberOfMessagesNotVisible"]),
    )


def stream_records(harness: Harness) -> list[dict[str, Any]]:
    """Every record on the stack's stream (all shards, from the start), decoded as JSON."""
    records: list[dict[str, Any]] = []
    for shard_id in harness.shard_ids():
        iterator = harness.kinesis.get_shard_iterator(
            StreamName=harness.stack.stream_name,
            ShardId=shard_id,
            ShardIteratorType="TRIM_HORIZON",
        )["ShardIterator"]
        while iterator:
            got = harness.kinesis.get_records(ShardIterator=iterator, Limit=1000)
            records += [
                json.loads(r["Data"]) | {"_partition_key": r["PartitionKey"]}
                for r in got["Records"]
            ]
            if not got["Records"] and got.get("MillisBehindLatest", 0) == 0:
                break
            iterator = got.get("NextShardIterator")
    return records


def redriven(harness: Harness) -> list[dict[str, Any]]:
    """The stream's records that carry a redrive marker."""
    return [r for r in stream_records(harness) if "redrive" in r]


@dataclass
class CallLog:
    """The SQS/Kinesis calls real clients made, in order, seen through botocore's event hooks.

    A call is logged when it returns (``after-call``), with ``" failed"`` appended to its name
    when AWS answered with an error. A receipt handle is logged as ``<MessageId>#<n>``: the hold
    of the n-th ReceiveMessage that returned that message (a message received twice has two).
    """

    calls: list[tuple[str, str]] = field(default_factory=list)
    holds: dict[str, str] = field(default_factory=dict)  # receipt handle -> "<MessageId>#<n>"
    receipts: Counter[str] = field(default_factory=Counter)

    def attach(self, sqs: Any, kinesis: Any) -> CallLog:
        for client in (sqs, kinesis):
            # after-call does not carry the call's parameters: keep them in its context
            client.meta.events.register("before-parameter-build", _keep_params)
        sqs.meta.events.register("after-call.sqs.ReceiveMessage", self._received)
        sqs.meta.events.register("after-call.sqs.DeleteMessage", self._deleted)
        sqs.meta.events.register("after-call.sqs.ChangeMessageVisibility", self._visibility)
        kinesis.meta.events.register("after-call.kinesis.PutRecord", self._put)
        return self

    def _received(self, parsed: dict[str, Any], **_: Any) -> None:
        for message in parsed.get("Messages", []):
            self.receipts[message["MessageId"]] += 1
            hold = f"{message['MessageId']}#{self.receipts[message['MessageId']]}"
            self.holds[message["ReceiptHandle"]] = hold

    def _deleted(self, **call: Any) -> None:
        self._log("delete", call, self._hold(call))

    def _visibility(self, **call: Any) -> None:
        timeout = call["context"]["params"]["VisibilityTimeout"]
        self._log("release" if timeout == 0 else f"hide {timeout}s", call, self._hold(call))

    def _put(self, **call: Any) -> None:
        self._log("put", call, call["context"]["params"]["PartitionKey"])

    def _hold(self, call: dict[str, Any]) -> str:
        handle = call["context"]["params"]["ReceiptHandle"]
        return self.holds.get(handle, handle)

    def _log(self, name: str, call: dict[str, Any], subject: str) -> None:
        failed = call["http_response"].status_code >= 300
        self.calls.append((f"{name} failed" if failed else name, subject))


def _keep_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    context["params"] = dict(params)


def after_first_receive(sqs: Any, action: Callable[[list[dict[str, Any]]], None]) -> None:
    """Run ``action`` on the messages of ``sqs``'s first ReceiveMessage, when it returns (before
    the caller sees them): what another party does to the queue during a run."""
    done: list[bool] = []

    def hook(parsed: dict[str, Any], **_: Any) -> None:
        if not done:
            done.append(True)
            action(parsed.get("Messages", []))

    sqs.meta.events.register("after-call.sqs.ReceiveMessage", hook)
