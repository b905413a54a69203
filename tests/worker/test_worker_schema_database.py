"""Property: whatever request the schema accepts, PostgreSQL stores, and gives back unchanged.

Adversarial JSON requests (NUL, lone surrogates, controls, noncharacters, astral characters,
strings at and past their maximum length, odd UTC offsets, extreme years, wrong JSON types) go
through ``parse_request``; each accepted one is claimed with ``store.claim`` on a real migrated
database (as the worker's own login, in a transaction that is rolled back) and read back.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamflix_worker import store
from streamflix_worker.schema import InvalidRequestError, ProcessingRequest, parse_request
from worker_testkit import Harness

pytestmark = [pytest.mark.services, pytest.mark.timeout(120)]

# Characters PostgreSQL or JSON treat specially, mixed into every generated string.
ODD_CHARS = [
    "\x00", "\ud800", "\udfff", "\x01", "\x1f", "\x7f", "\x85", "\u2028", "\ufeff", "\ufffe",
    "\uffff", "\U0001f600", "\U0010ffff", "\u00a0", " ", "\t", "\n", "\\", '"', "é", "€",
]  # fmt: skip
UNSTORABLE = {chr(0), chr(0xD800), chr(0xDFFF)}
CHARS = st.one_of(st.sampled_from(ODD_CHARS), st.characters(exclude_categories=()))
# Everything but what PostgreSQL cannot store: the accepted side's strings.
STORABLE_CHARS = st.one_of(
    st.sampled_from([c for c in ODD_CHARS if c not in UNSTORABLE]),
    st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
)
WRONG_TYPES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def _strings(
    max_len: int, chars: st.SearchStrategy[str] = CHARS, min_len: int = 0
) -> st.SearchStrategy[str]:
    """Short text, or one character repeated to just below/at/above ``max_len`` (also inside
    blanks that the schema strips)."""
    return st.one_of(
        st.text(chars, min_size=min_len, max_size=24),
        st.builds(lambda c, n: c * n, chars, st.integers(max_len - 1, max_len + 1)),
        st.builds(lambda c, n: f" {c * n} ", chars, st.integers(max_len - 2, max_len)),
    )


@st.composite
def _timestamps(draw: st.DrawFn) -> str:
    """RFC 3339 strings, mostly in the accepted range, also over every year and offset that
    Python can spell (years 1-9999, offsets up to +/-23:59)."""
    year = draw(
        st.one_of(
            st.integers(2000, 2099),
            st.integers(1, 9999),
            st.sampled_from([1, 1999, 2000, 2099, 2100, 9999]),
        )
    )
    moment = datetime(year, 1, 1) + timedelta(seconds=draw(st.integers(0, 365 * 86400 - 1)))
    fraction = draw(st.sampled_from(["", ".5", ".123456", ".123456789"]))
    minutes = draw(st.one_of(st.integers(-12 * 60, 14 * 60), st.integers(-1439, 1439)))
    sign, minutes = ("-" if minutes < 0 else "+"), abs(minutes)
    offset = draw(st.sampled_from(["Z", f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"]))
    clock = f"{moment.year:04d}-{moment:%m-%dT%H:%M:%S}"  # %Y does not pad years below 1000
    return clock + fraction + offset


def _field(valid: st.SearchStrategy[Any], adversarial: st.SearchStrategy[Any]) -> Any:
    """Mostly a plausible value (so that whole requests are often accepted), sometimes an
    adversarial one or a wrong JSON type."""
    return st.integers(0, 19).flatmap(
        lambda n: valid if n < 18 else adversarial if n == 18 else WRONG_TYPES
    )


MARKERS = st.fixed_dictionaries(
    {
        "redrive_id": _field(st.uuids().map(str), st.uuids().map(lambda u: u.hex)),
        "dead_letter_id": _field(_strings(128, STORABLE_CHARS, 1), _strings(128)),
        "error_kind": _field(st.sampled_from(["permanent", "retries_exhausted"]), _strings(32)),
        "requested_at": _field(_timestamps(), st.text(CHARS, max_size=30)),
    }
)
REQUESTS = st.fixed_dictionaries(
    {
        "schema_version": _field(st.just(1), st.sampled_from([0, 2, True, 1.0, "1"])),
        "video_id": _field(
            st.uuids().map(str),
            st.one_of(st.uuids().map(lambda u: str(u).upper()), st.uuids().map(lambda u: u.hex)),
        ),
        "source": st.fixed_dictionaries(
            {
                "bucket": _field(st.just("uploads-dev"), _strings(63)),
                "key": _field(_strings(1024 // 4, STORABLE_CHARS, 1), _strings(1024)),
            }
        ),
        "title": _field(_strings(500, STORABLE_CHARS, 1), _strings(500)),
        "creator_id": _field(
            st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9._:-]{0,127}\Z"), _strings(128)
        ),
        "uploaded_at": _field(_timestamps(), st.text(CHARS, max_size=30)),  # years 1-9999
        "content": st.fixed_dictionaries(
            {
                "origin_country": _field(st.from_regex(r"\A[A-Z]{2}\Z"), _strings(2)),
                "european_work": _field(st.booleans(), st.sampled_from(["yes", "true", 1, 0])),
                "rights_reference": _field(_strings(500, STORABLE_CHARS, 1), _strings(500)),
                "age_rating": _field(st.from_regex(r"\A[A-Za-z0-9+-]{1,16}\Z"), _strings(16)),
            }
        ),
    },
    optional={"redrive": MARKERS},
)


def _encode(request: dict[str, Any], ascii_only: bool) -> bytes:
    """JSON as a producer might send it: escaped ASCII, or raw UTF-8 (lone surrogates then
    become invalid UTF-8 bytes, which a parser must refuse as well)."""
    return json.dumps(request, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


def _stored(conn: Any, request: ProcessingRequest) -> dict[str, Any]:
    columns = list(_parsed(request))
    row = conn.execute(
        f"SELECT {', '.join(columns)} FROM videos WHERE video_id = %s", (request.video_id,)
    ).fetchone()
    assert row is not None, f"{request.video_id} was not stored"
    return dict(zip(columns, row, strict=True))


def _parsed(request: ProcessingRequest) -> dict[str, Any]:
    return {
        "schema_version": request.schema_version,
        "title": request.title,
        "creator_id": request.creator_id,
        "uploaded_at": request.uploaded_at,
        "source_bucket": request.source.bucket,
        "source_key": request.source.key,
        "origin_country": request.content.origin_country,
        "european_work": request.content.european_work,
        "rights_reference": request.content.rights_reference,
        "age_rating": request.content.age_rating,
    }


def test_every_request_the_schema_accepts_is_stored_unchanged(harness: Harness) -> None:
    seen: Counter[str] = Counter()
    conn = harness.connect(as_worker=True)

    @settings(
        max_examples=400,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(request=REQUESTS, ascii_only=st.booleans())
    def check(request: dict[str, Any], ascii_only: bool) -> None:
        try:
            parsed = parse_request(_encode(request, ascii_only))
        except InvalidRequestError:
            seen["refused"] += 1
            return
        seen["accepted"] += 1
        job = store.Job(parsed, "shardId-000000000000", "49000000000000000000000000000001")
        with conn.transaction(force_rollback=True):
            claims = store.claim(conn, [job], "w-property")
            assert claims.refused == {}, claims.refused  # the safety net was not needed
            assert claims.by_sequence == {job.sequence_number: store.Claim("new")}
            stored = _stored(conn, parsed)
            (redrive_id,) = conn.execute(
                "SELECT redrive_id FROM video_status_history "
                "WHERE video_id = %s AND to_status = 'RECEIVED'",
                (parsed.video_id,),
            ).fetchone()
        assert redrive_id == (parsed.redrive.redrive_id if parsed.redrive else None)
        assert stored["uploaded_at"].astimezone(UTC) == parsed.uploaded_at.astimezone(UTC)
        assert stored | {"uploaded_at": None} == _parsed(parsed) | {"uploaded_at": None}

    try:
        check()
    finally:
        conn.close()
    # not vacuous: both sides of the schema were exercised
    assert seen["accepted"] >= 40 and seen["refused"] >= 40, seen
