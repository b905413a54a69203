"""The processing-request schema: valid requests parse, anything else has a clear reason."""

from __future__ import annotations

import json

import pytest
from streamflix_worker.schema import InvalidRequestError, parse_request
from streamflix_worker.standins import sample_request


def _bytes(payload: object) -> bytes:
    return json.dumps(payload).encode()


def test_valid_request_parses() -> None:
    request = parse_request(_bytes(sample_request("uploads-dev", "v/a.mp4")))
    assert request.source.key == "v/a.mp4"
    assert request.content.origin_country == "DE"
    assert request.uploaded_at.tzinfo is not None


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (_bytes(sample_request("b-u", "k", schema_version=2)), "unsupported schema_version"),
        (_bytes({k: v for k, v in sample_request("b-u", "k").items() if k != "title"}), "title"),
        (_bytes(sample_request("b-u", "k", video_id="nope")), "video_id"),
        (_bytes(sample_request("b-u", "k", uploaded_at="2026-01-01T00:00:00")), "uploaded_at"),
        (_bytes(sample_request("b-u", "k", extra=1)), "extra"),
        (
            _bytes(sample_request("b-u", "k", content={"origin_country": "de"})),
            "content.origin_country",
        ),
    ],
)
def test_invalid_requests_have_a_reason(payload: bytes, reason: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        parse_request(payload)
    assert reason in caught.value.reason
