"""Dead-letter stage: a record that will never be processed goes to the DLQ (and, when an
operator must act, to the alerts topic), counted and logged, once the lease is known valid."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from streamflix_worker.contract import Metric
from streamflix_worker.deadletter import DeadLetter, encode_payload
from streamflix_worker.shard_state import ShardState


class DeadLetterer:
    """Sends one shard's dead letters."""

    def __init__(self, state: ShardState) -> None:
        self._state = state

    def send(
        self,
        record: dict[str, Any],
        reason: str,
        kind: str,
        attempts: int,
        video_id: UUID | None = None,
        alert: bool = False,
        sqlstate: str | None = None,
    ) -> None:
        s = self._state
        payload, encoding = encode_payload(record["Data"])
        letter = DeadLetter(
            reason=reason,
            error_kind=kind,
            attempts=attempts,
            stream_name=s.cfg.stream_name,
            shard_id=s.shard_id,
            sequence_number=record["SequenceNumber"],
            worker_id=s.cfg.worker_id,
            payload=payload,
            payload_encoding=encoding,
            video_id=str(video_id) if video_id else None,
            sqlstate=sqlstate,
        )
        s.check_lease()
        s.aws(lambda: s.ctx.sink.send(letter))
        s.ctx.telemetry.count(Metric.JOBS_DEAD_LETTERED)
        if alert:
            s.aws(lambda: s.ctx.sink.alert(letter))
        s.log.warning(
            "record dead-lettered",
            extra={
                "reason": reason,
                "kind": kind,
                "video_id": letter.video_id,
                "sequence_number": letter.sequence_number,
            },
        )
