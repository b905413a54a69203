"""The processing-request schema: valid requests parse, anything else has a clear reason."""

from __future__ import annotations

import json
from datetime import UTC

import pytest
from streamflix_devtools.standins import sample_request
from streamflix_worker.schema import InvalidRequestError, parse_request


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
    ids=lambda v: v if isinstance(v, str) else "payload",  # stable: sample ids are random uuids
)
def test_invalid_requests_have_a_reason(payload: bytes, reason: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        parse_request(payload)
    assert reason in caught.value.reason


def _content(**overrides: object) -> dict[str, object]:
    return sample_request("b-u", "k")["content"] | overrides


def _marker(**overrides: object) -> dict[str, object]:
    """A redrive marker as ``python -m streamflix_worker redrive`` sets it."""
    marker: dict[str, object] = {
        "redrive_id": "0b5f2a5e-6a7c-4d8e-9f00-112233445566",
        "dead_letter_id": "msg-1",
        "error_kind": "permanent",
        "requested_at": "2026-12-02T20:00:00.123456+00:00",
    }
    return marker | overrides


def test_a_redrive_marker_parses() -> None:
    request = parse_request(_bytes(sample_request("b-u", "k", redrive=_marker())))
    assert request.redrive is not None and request.redrive.dead_letter_id == "msg-1"


def _raw(payload: dict[str, object], field: str, raw_value: str) -> bytes:
    """``payload`` as JSON with one field's value spelled exactly as ``raw_value``."""
    marker = "@@raw@@"
    text = json.dumps(payload | {field: marker})
    return text.replace(json.dumps(marker), raw_value).encode()


# Each value is accepted by pydantic's lax mode; the schema is strict and names the field.
LOOSE_INPUTS = [
    ({"content": _content(european_work="yes")}, "content.european_work"),
    ({"content": _content(european_work="true")}, "content.european_work"),
    ({"content": _content(european_work=1)}, "content.european_work"),
    ({"content": _content(european_work=0.0)}, "content.european_work"),
    ({"content": _content(european_work="on")}, "content.european_work"),
    ({"uploaded_at": 1_764_158_400}, "uploaded_at"),
    ({"uploaded_at": 1_764_158_400.5}, "uploaded_at"),
    ({"uploaded_at": "1764158400"}, "uploaded_at"),
    ({"uploaded_at": "2026-11-26 12:00:00+00:00"}, "uploaded_at"),
    ({"uploaded_at": "2026-11-26_12:00:00Z"}, "uploaded_at"),
    ({"schema_version": True}, "schema_version"),
    ({"schema_version": 1.0}, "schema_version"),
    ({"schema_version": "1"}, "schema_version"),
    ({"video_id": "6f1c1f0e3c524a3a9d0e0b1a2c3d4e5f"}, "video_id"),
    ({"video_id": "{6f1c1f0e-3c52-4a3a-9d0e-0b1a2c3d4e5f}"}, "video_id"),
    ({"video_id": "urn:uuid:6f1c1f0e-3c52-4a3a-9d0e-0b1a2c3d4e5f"}, "video_id"),
    ({"redrive": _marker(requested_at=1_764_158_400)}, "redrive.requested_at"),
    ({"redrive": _marker(redrive_id="6f1c1f0e3c524a3a9d0e0b1a2c3d4e5f")}, "redrive.redrive_id"),
    ({"title": 42}, "title"),
    ({"creator_id": 42}, "creator_id"),
]


@pytest.mark.parametrize(("overrides", "field"), LOOSE_INPUTS, ids=lambda v: repr(v)[:60])
def test_loose_values_are_refused_naming_the_field(
    overrides: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        parse_request(_bytes(sample_request("b-u", "k", **overrides)))
    assert f"{field}: " in caught.value.reason


def test_a_schema_version_given_as_true_is_not_a_supported_version() -> None:
    """``Literal[1]`` alone accepts ``true`` and ``1.0`` (1 == True == 1.0 in Python)."""
    with pytest.raises(InvalidRequestError) as caught:
        parse_request(_raw(sample_request("b-u", "k"), "schema_version", "true"))
    assert (
        caught.value.reason == "schema violation: schema_version: Input should be a valid integer"
    )


# Values the schema used to accept but PostgreSQL refuses (or cannot give back to Python).
UNSTORABLE = [
    ({"title": "clip\x00one"}, "title: must not contain U+0000"),
    ({"content": _content(rights_reference="LIC\x00")}, "content.rights_reference: must not"),
    ({"source": {"bucket": "b-u", "key": "a\x00b"}}, "source.key: must not contain U+0000"),
    ({"uploaded_at": "2026-11-26T12:00:00+23:00"}, "uploaded_at: UTC offset must be between"),
    ({"uploaded_at": "2026-11-26T12:00:00-16:00"}, "uploaded_at: UTC offset must be between"),
    ({"uploaded_at": "2026-11-26T12:00:00+14:01"}, "uploaded_at: UTC offset must be between"),
    ({"uploaded_at": "0001-01-01T00:00:00+05:00"}, "uploaded_at: must be from 2000-01-01"),
    ({"uploaded_at": "9999-12-31T23:59:59-11:00"}, "uploaded_at: must be from 2000-01-01"),
    ({"uploaded_at": "1999-12-31T23:59:59Z"}, "uploaded_at: must be from 2000-01-01"),
    ({"uploaded_at": "2100-01-01T00:00:00Z"}, "uploaded_at: must be from 2000-01-01"),
    ({"uploaded_at": "2026-02-30T12:00:00Z"}, "uploaded_at: must be an RFC 3339"),
    ({"source": {"bucket": "b-u", "key": "é" * 513}}, "source.key: must be at most 1024 bytes"),
    ({"redrive": _marker(dead_letter_id="m\x00")}, "redrive.dead_letter_id: must not contain"),
]


@pytest.mark.parametrize(("overrides", "reason"), UNSTORABLE, ids=lambda v: repr(v)[:60])
def test_values_postgresql_refuses_are_refused_by_the_schema(
    overrides: dict[str, object], reason: str
) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        parse_request(_bytes(sample_request("b-u", "k", **overrides)))
    assert reason in caught.value.reason


@pytest.mark.parametrize(
    ("field", "nested", "where"),
    [("title", False, "title"), ("key", True, "source.key"), ("creator_id", False, "creator_id")],
)
def test_a_lone_surrogate_is_refused_naming_its_field(field: str, nested: bool, where: str) -> None:
    request = sample_request("b-u", "k")
    if nested:
        text = json.dumps(request | {"source": {"bucket": "b-u", "key": "@@raw@@"}})
        data = text.replace('"@@raw@@"', '"v/\\ud800.mp4"').encode()
    else:
        data = _raw(request, field, '"a\\udc00b"')
    with pytest.raises(InvalidRequestError) as caught:
        parse_request(data)
    assert caught.value.reason.startswith(f"schema violation: {where}: must be Unicode text")


@pytest.mark.parametrize(
    "uploaded_at",
    [
        "2026-11-26T12:00:00Z",
        "2026-11-26T13:00:00+01:00",
        "2026-11-26T00:00:00-12:00",
        "2026-11-26T23:59:59.123456+14:00",
        "2026-11-26T12:00:00.123456789Z",
        "2000-01-01T00:00:00Z",
    ],
)
def test_rfc3339_upload_times_in_range_are_accepted(uploaded_at: str) -> None:
    request = parse_request(_bytes(sample_request("b-u", "k", uploaded_at=uploaded_at)))
    assert request.uploaded_at.tzinfo is not None


def test_a_surrogate_pair_and_a_key_of_1024_utf8_bytes_are_accepted() -> None:
    key = "€" * 341 + "a"  # 3 * 341 + 1 = 1024 bytes
    request = parse_request(
        _bytes(sample_request("b-u", key, title="\U0001f600 clip", video_id=None))
    )
    assert request.title == "\U0001f600 clip"
    assert request.source.key == key


# --- issue 23 item 3 ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("uploaded_at", "utc"),
    [
        ("2026-11-26t12:00:00z", "2026-11-26T12:00:00+00:00"),  # RFC 3339 5.6: case-insensitive
        ("2026-11-26t13:00:00+01:00", "2026-11-26T12:00:00+00:00"),
        ("2016-12-31T23:59:60Z", "2017-01-01T00:00:00+00:00"),  # a real leap second, normalised
        ("2016-12-31T23:59:60.5Z", "2017-01-01T00:00:00.500000+00:00"),
    ],
)
def test_valid_rfc3339_forms_are_accepted(uploaded_at: str, utc: str) -> None:
    request = parse_request(_bytes(sample_request("b-u", "k", uploaded_at=uploaded_at)))
    assert request.uploaded_at.astimezone(UTC).isoformat() == utc


@pytest.mark.parametrize(
    ("title", "rule"),
    [
        ("\u200b", "must contain a visible character"),
        (" \u200b\u2060\ufeff ", "must contain a visible character"),
        ("cl\x07ip", "must not contain control characters"),
        ("clip\x1b[31m", "must not contain control characters"),
        ("cl\x85ip", "must not contain control characters"),  # C1 NEL
        ("cl\x9fip", "must not contain control characters"),
    ],
)
def test_invisible_or_control_character_titles_are_refused(title: str, rule: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        parse_request(_bytes(sample_request("b-u", "k", title=title)))
    assert caught.value.reason == f"schema violation: title: {rule}" + (
        " (not only spaces or invisible characters such as U+200B)"
        if "visible" in rule
        else " (U+0000-U+001F, U+007F-U+009F)"
    )
    content = _content(rights_reference=title)
    with pytest.raises(InvalidRequestError, match=r"content\.rights_reference"):
        parse_request(_bytes(sample_request("b-u", "k", content=content)))


def test_titles_with_visible_text_beside_format_characters_are_accepted() -> None:
    for title in ("Ein\u00a0Film", "\u200bclip", "\u0645\u0631\u062d\u0628\u0627", "\U0001f600"):
        assert parse_request(_bytes(sample_request("b-u", "k", title=title))).title == title


@pytest.mark.parametrize(
    ("original", "with_duplicate", "key"),
    [
        ('"title": "Sample clip"', '"title": "first", "title": "Sample clip"', "title"),
        ('"european_work": true', '"european_work": false, "european_work": true', "european_work"),
    ],
)
def test_a_json_object_with_a_duplicated_key_is_refused(
    original: str, with_duplicate: str, key: str
) -> None:
    """Parsers disagree on which value of a repeated key wins (pydantic: the last)."""
    text = json.dumps(sample_request("b-u", "k"))
    assert original in text
    with pytest.raises(InvalidRequestError) as caught:
        parse_request(text.replace(original, with_duplicate).encode())
    assert caught.value.reason == (
        f"schema violation: duplicate key '{key}' in a JSON object "
        "(ambiguous: which value counts is undefined)"
    )
