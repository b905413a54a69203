"""A real worker process with faults injected from the environment (test-only entry point).

Not collected by pytest. Every fault is opt-in; everything else is the production code:

* ``POISON_VIDEO_ID``: processing that video SIGKILLs the process, as a decoder segfault would.
* ``SLOW_VIDEO_ID``: processing that video never ends (prints ``slow job started`` first), as a
  very long upload would, so a shutdown lands while it is in flight.
* ``THROTTLE_GET_RECORDS_AFTER=N``: after N GetRecords calls, Kinesis answers every further one
  with ProvisionedThroughputExceededException (a botocore ``before-call`` short-circuit, the
  mechanism botocore's Stubber uses).
* ``FAIL_LIST_SHARDS_AFTER=N``: after N ListShards calls, each one takes
  ``LIST_SHARDS_DELAY_S`` (default 2) and then fails with LimitExceededException, as a slow,
  throttled ListShards under load does.
* ``DENY_SEND_MESSAGE=N``: the first N SQS SendMessage calls (dead letters) are answered with
  403 AccessDenied, a non-transient error that crashes the consumer thread (not the process).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from typing import Any

import streamflix_worker.app
from aws_calls import aws_error
from botocore.awsrequest import AWSResponse
from streamflix_worker.__main__ import main
from streamflix_worker.aws import AwsClients, make_clients
from streamflix_worker.processor import S3MediaProcessor
from streamflix_worker.schema import ProcessingRequest

_process = S3MediaProcessor.process


def _faulty_process(self: S3MediaProcessor, request: ProcessingRequest):  # type: ignore[no-untyped-def]
    video_id = str(request.video_id)
    if video_id == os.environ.get("POISON_VIDEO_ID"):
        os.kill(os.getpid(), signal.SIGKILL)
    if video_id == os.environ.get("SLOW_VIDEO_ID"):
        print("slow job started", flush=True)
        threading.Event().wait()
    return _process(self, request)


def _throttling_clients(region: str) -> AwsClients:
    clients = make_clients(region)
    allowed = int(os.environ["THROTTLE_GET_RECORDS_AFTER"])
    calls = {"n": 0}

    def throttle(**_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        calls["n"] += 1
        if calls["n"] <= allowed:
            return None
        return aws_error(
            "http://kinesis", 400, "ProvisionedThroughputExceededException", "Rate exceeded"
        )

    clients.kinesis.meta.events.register("before-call.kinesis.GetRecords", throttle)
    return clients


def _denying_clients(region: str) -> AwsClients:
    clients = make_clients(region)
    denied = int(os.environ["DENY_SEND_MESSAGE"])
    calls = {"n": 0}

    def deny(**_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        calls["n"] += 1
        if calls["n"] > denied:
            return None
        print(f"SendMessage denied ({calls['n']})", flush=True)
        return aws_error("http://sqs", 403, "AccessDenied", "not authorized to sqs:SendMessage")

    clients.sqs.meta.events.register("before-call.sqs.SendMessage", deny)
    return clients


def _slow_list_shards_clients(region: str) -> AwsClients:
    clients = make_clients(region)
    allowed = int(os.environ["FAIL_LIST_SHARDS_AFTER"])
    delay = float(os.environ.get("LIST_SHARDS_DELAY_S", "2"))
    calls = {"n": 0}

    def slow_then_fail(**_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        calls["n"] += 1
        if calls["n"] <= allowed:
            return None
        time.sleep(delay)
        return aws_error("http://kinesis", 400, "LimitExceededException", "Rate exceeded")

    clients.kinesis.meta.events.register("before-call.kinesis.ListShards", slow_then_fail)
    return clients


S3MediaProcessor.process = _faulty_process  # type: ignore[method-assign]
if "THROTTLE_GET_RECORDS_AFTER" in os.environ:
    streamflix_worker.app.make_clients = _throttling_clients  # type: ignore[assignment]
if "FAIL_LIST_SHARDS_AFTER" in os.environ:
    streamflix_worker.app.make_clients = _slow_list_shards_clients  # type: ignore[assignment]
if "DENY_SEND_MESSAGE" in os.environ:
    streamflix_worker.app.make_clients = _denying_clients  # type: ignore[assignment]

if __name__ == "__main__":
    sys.exit(main(["run"]))
