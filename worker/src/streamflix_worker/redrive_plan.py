"""What ``redrive`` does with one dead letter: move it back with a marker, or keep it and why.

Pure (no AWS calls) so every rule is unit-tested; ``redrive.py`` does the SQS/Kinesis I/O.
A letter is redrivable only when the worker can run it again unchanged: it names a video, its
payload is complete (not truncated, its SHA-256 and length match when the letter carries them)
and parses as a request. ``invalid_request`` letters never are: the producer must send a
corrected request.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from pydantic import ValidationError

from streamflix_worker.schema import InvalidRequestError, RedriveMarker, parse_request

# Fixed forever: redrive_id = uuid5(this, SQS MessageId). Changing it would give a letter
# redriven before and after the change two ids, so the worker would process it twice.
REDRIVE_NAMESPACE = UUID("3cb66c94-9cb8-4dcf-b5ac-c408e3e0bce2")
TRUNCATED = "+truncated"  # deadletter.encode_payload's mark on a payload cut to fit SQS


def redrive_id(message_id: str) -> UUID:
    """Same SQS message → same id (a retried redrive runs once); two letters → two ids."""
    return uuid5(REDRIVE_NAMESPACE, message_id)


@dataclass(frozen=True)
class Move:
    """Put ``record`` on the stream (partition key ``video_id``), then delete the letter."""

    video_id: str
    error_kind: str
    redrive_id: UUID
    record: bytes
    previous_redrive_id: UUID | None = None  # the marker this letter's request already had


@dataclass(frozen=True)
class Keep:
    """Leave the letter in the DLQ; ``reason`` tells the operator why."""

    video_id: str | None
    error_kind: str | None
    reason: str


class _NotRedrivableError(ValueError):
    pass


def plan(message_id: str, body: str, video_ids: frozenset[UUID], now: datetime) -> Move | Keep:
    """Decide for one DLQ message; ``video_ids`` (if any) restricts the redrive to those videos."""
    try:
        letter = json.loads(body)
    except ValueError:
        return Keep(None, None, "unparseable letter: body is not JSON")
    if not isinstance(letter, dict):
        return Keep(None, None, "unparseable letter: body is not a JSON object")
    kind, video = letter.get("error_kind"), letter.get("video_id")
    error_kind = kind if isinstance(kind, str) else None
    video_id = video if isinstance(video, str) and video else None
    try:
        return _move(message_id, letter, error_kind, video_id, video_ids, now)
    except _NotRedrivableError as refusal:
        return Keep(video_id, error_kind, str(refusal))


def _move(
    message_id: str,
    letter: dict[str, Any],
    error_kind: str | None,
    video_id: str | None,
    video_ids: frozenset[UUID],
    now: datetime,
) -> Move:
    if error_kind is None:
        raise _NotRedrivableError("unparseable letter: no error_kind")
    if error_kind == "invalid_request":
        raise _NotRedrivableError(
            "invalid_request: the request itself is invalid; the producer must send a corrected one"
        )
    if video_id is None:
        raise _NotRedrivableError("letter has no video_id")
    if video_ids and _uuid(video_id) not in video_ids:
        raise _NotRedrivableError("filtered out by --video-id")
    data = _payload(letter)
    try:
        request = parse_request(data)
    except InvalidRequestError as error:
        raise _NotRedrivableError(f"payload is not a valid request: {error.reason}") from None
    if request.video_id != _uuid(video_id):
        raise _NotRedrivableError("the payload's video_id differs from the letter's")
    marker = _marker(message_id, error_kind, now)
    fields = json.loads(data)  # the producer's values as sent, not the model's normalised ones
    fields["redrive"] = marker.model_dump(mode="json")  # replaces an earlier redrive's marker
    record = json.dumps(fields).encode()
    try:
        parse_request(record)  # the worker must accept what we put back
    except InvalidRequestError as error:
        raise _NotRedrivableError(f"request with the marker is refused: {error.reason}") from None
    previous = request.redrive.redrive_id if request.redrive else None
    return Move(video_id, error_kind, marker.redrive_id, record, previous)


def with_correction(step: Move, stored: dict[str, Any]) -> Move:
    """The same redrive (same marker) carrying a producer's correction instead of the letter's
    request: ``stored`` is the correction as the worker recorded it (``store._stored_request``)."""
    marker = json.loads(step.record)["redrive"]
    request = {
        "schema_version": stored["schema_version"],
        "video_id": stored["video_id"],
        "source": {"bucket": stored["source_bucket"], "key": stored["source_key"]},
        "title": stored["title"],
        "creator_id": stored["creator_id"],
        "uploaded_at": stored["uploaded_at"],
        "content": {
            "origin_country": stored["origin_country"],
            "european_work": stored["european_work"],
            "rights_reference": stored["rights_reference"],
            "age_rating": stored["age_rating"],
        },
        "redrive": marker,
    }
    record = json.dumps(request).encode()
    parsed = parse_request(record)  # InvalidRequestError: the caller keeps the letter
    if str(parsed.video_id) != step.video_id:
        raise InvalidRequestError("the correction's video_id differs from the letter's")
    return replace(step, record=record)


def _marker(message_id: str, error_kind: str, now: datetime) -> RedriveMarker:
    """Validated from its JSON form, as the worker will read it (the schema is strict)."""
    try:
        return RedriveMarker.model_validate(
            {
                "redrive_id": str(redrive_id(message_id)),
                "dead_letter_id": message_id,
                "error_kind": error_kind,
                "requested_at": now.isoformat(),
            }
        )
    except ValidationError as error:
        raise _NotRedrivableError(f"no valid redrive marker for this letter: {error}") from None


def _uuid(value: str) -> UUID | None:
    try:
        return UUID(value)
    except ValueError:
        return None


def _payload(letter: dict[str, Any]) -> bytes:
    """The original record bytes, or why they cannot be trusted to be complete."""
    payload, encoding = letter.get("payload"), letter.get("payload_encoding")
    if not isinstance(payload, str) or not isinstance(encoding, str):
        raise _NotRedrivableError("unparseable letter: no payload or payload_encoding")
    if encoding.endswith(TRUNCATED):
        raise _NotRedrivableError(
            "payload truncated in the letter: re-submit the original request from its producer"
        )
    try:
        if encoding == "utf-8":
            data = payload.encode("utf-8")
        elif encoding == "base64":
            data = base64.b64decode(payload, validate=True)
        else:
            raise _NotRedrivableError(f"unknown payload_encoding {encoding!r}")
    except (UnicodeEncodeError, binascii.Error):
        raise _NotRedrivableError(f"payload does not decode as {encoding}") from None
    digest, length = letter.get("payload_sha256"), letter.get("payload_bytes")
    if digest is not None and hashlib.sha256(data).hexdigest() != str(digest).lower():
        raise _NotRedrivableError("payload does not match payload_sha256")
    if length is not None and length != len(data):
        raise _NotRedrivableError(f"payload has {len(data)} bytes, the letter says {length}")
    return data
