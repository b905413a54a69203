"""Read and decode stage: GetRecords from the shard's checkpoint, each record a request or a
reason it is invalid."""

from __future__ import annotations

import time
from typing import Any

from botocore.exceptions import ClientError

from streamflix_worker import store
from streamflix_worker.schema import InvalidRequestError, ProcessingRequest, parse_request
from streamflix_worker.shard_state import ShardState

MIN_GET_RECORDS_INTERVAL_S = 0.2  # Kinesis allows 5 GetRecords per second per shard

Decoded = tuple[dict[str, Any], ProcessingRequest | InvalidRequestError]


class ShardReader:
    """Kinesis reads of one shard, rate-limited to the per-shard GetRecords quota."""

    def __init__(self, state: ShardState) -> None:
        self._state = state
        self._last_fetch = 0.0

    def read_checkpoint(self) -> store.Checkpoint:
        s = self._state
        return s.session.transaction(
            lambda c: store.read_checkpoint(c, s.cfg.stream_name, s.shard_id)
        )

    def iterator(self, checkpoint: store.Checkpoint) -> str:
        s = self._state
        args: dict[str, Any] = {"StreamName": s.cfg.stream_name, "ShardId": s.shard_id}
        if checkpoint.sequence_number is None:
            args["ShardIteratorType"] = "TRIM_HORIZON"
        else:
            args["ShardIteratorType"] = "AFTER_SEQUENCE_NUMBER"
            args["StartingSequenceNumber"] = checkpoint.sequence_number
        response = s.aws(lambda: s.ctx.kinesis.get_shard_iterator(**args), False)
        return str(response["ShardIterator"])

    def _get_records(self, iterator: str) -> dict[str, Any]:
        kinesis, limit = self._state.ctx.kinesis, self._state.cfg.batch_size
        return dict(
            self._state.aws(lambda: kinesis.get_records(ShardIterator=iterator, Limit=limit), False)
        )

    def fetch(self, iterator: str) -> dict[str, Any] | None:
        """One rate-limited GetRecords; None if the iterator expired (restart from checkpoint)."""
        wait = MIN_GET_RECORDS_INTERVAL_S - (time.monotonic() - self._last_fetch)
        if wait > 0 and self._state.stop.wait(wait):
            return {"Records": [], "NextShardIterator": iterator}
        self._last_fetch = time.monotonic()
        try:
            return self._get_records(iterator)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ExpiredIteratorException":
                raise
            return None


def decode(record: dict[str, Any], uploads_bucket: str) -> ProcessingRequest:
    """The request a record carries; ``InvalidRequestError`` naming the field and the rule."""
    request = parse_request(record["Data"])
    if request.source.bucket != uploads_bucket:
        raise InvalidRequestError(f"source.bucket must be the uploads bucket {uploads_bucket}")
    return request


def decode_batch(
    records: list[dict[str, Any]], uploads_bucket: str, shard_id: str
) -> tuple[list[Decoded], list[store.Job]]:
    """Every record with its request or its invalidity, and the valid ones as jobs to claim."""
    decoded: list[Decoded] = []
    jobs: list[store.Job] = []
    for record in records:
        try:
            request = decode(record, uploads_bucket)
        except InvalidRequestError as invalid:
            decoded.append((record, invalid))
            continue
        decoded.append((record, request))
        jobs.append(store.Job(request, shard_id, record["SequenceNumber"]))
    return decoded, jobs
