"""The processing-request schema carried by each Kinesis record (pydantic v2, strict).

A record that is not JSON or breaks the schema can never succeed, so parsing turns it into an
``InvalidRequestError`` with a human-readable reason that goes to the DLQ; it is never retried.

The models are strict: no loose coercion (``"yes"`` or ``1`` is not a boolean, a number is not
a timestamp, ``true`` is not a schema version). Pydantic's strict mode still reads UUIDs and
datetimes from JSON strings (docs.pydantic.dev, concepts/conversion_table), so those fields
also pin the string's format. Anything PostgreSQL would refuse that a schema can see is refused
here, naming the field and the rule, so that it reaches the DLQ as an invalid request instead of
failing the batch's database write; measured on PostgreSQL 16.2 (the stand-in server):

- text and jsonb cannot hold U+0000 (``unsupported Unicode escape sequence``) nor a lone UTF-16
  surrogate (``invalid input syntax for type json``); pydantic's JSON parser already rejects a
  lone ``\\ud800`` escape, ``_lone_surrogate_path`` names the field it was in;
- timestamptz input accepts UTC offsets up to +/-15:59:59 only (``time zone displacement out of
  range`` from 16:00 on), and years that Python cannot read back (before 1 or after 9999 once
  converted to UTC). The schema's range for an upload time is narrower than both.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    ValidationError,
)
from pydantic_core import PydanticCustomError

SUPPORTED_SCHEMA_VERSIONS = (1,)
# An upload time is a moment of this platform's life: [2000-01-01, 2100-01-01) UTC, with a real
# UTC offset (-12:00 to +14:00, whole minutes). Both lie well inside what PostgreSQL and Python
# can hold, so every accepted value is stored and read back unchanged.
UPLOADED_AT_MIN = datetime(2000, 1, 1, tzinfo=UTC)
UPLOADED_AT_MAX = datetime(2100, 1, 1, tzinfo=UTC)
MIN_UTC_OFFSET = timedelta(hours=-12)
MAX_UTC_OFFSET = timedelta(hours=14)
S3_KEY_MAX_BYTES = 1024  # S3 object keys are at most 1,024 bytes of UTF-8 (S3 user guide)

# RFC 3339 date-time with an explicit offset; fractions beyond microseconds are cut by the
# parser (PostgreSQL's precision), so up to 9 digits (nanosecond producers) are accepted.
# RFC 3339 section 5.6: "T" and "Z" may be lower case; the seconds may be 60 (a leap second).
_RFC3339 = re.compile(
    r"^(\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:)(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$"
)
LEAP_SECOND = "60"
# Control characters (C0, DEL, C1): never part of a title or reference, and invisible in logs.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_UUID_TEXT = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


def _storable_text(value: str) -> str:
    """PostgreSQL text/jsonb refuses NUL and lone surrogates: refuse them here instead."""
    if "\x00" in value:
        raise PydanticCustomError(
            "text_nul", "must not contain U+0000 (NUL): PostgreSQL text cannot store it"
        )
    if value.isascii():  # the common case: no surrogate possible, skip the encode
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError(
            "text_surrogate",
            "must be Unicode text: a lone UTF-16 surrogate cannot be stored by PostgreSQL",
        ) from None
    return value


def _at_most_s3_key_bytes(value: str) -> str:
    if len(value.encode("utf-8")) > S3_KEY_MAX_BYTES:
        raise PydanticCustomError(
            "s3_key_too_long",
            "must be at most {limit} bytes in UTF-8 (the S3 key limit)",
            {"limit": S3_KEY_MAX_BYTES},
        )
    return value


def _rfc3339_text(value: Any) -> datetime:
    """Only an RFC 3339 string with an offset: no unix times, dates, spaces or ``_``.

    Parsed here (a before-validator hands the inner strict validator Python input, which would
    refuse a string); ``fromisoformat`` cuts fractions beyond microseconds.
    """
    match = _RFC3339.match(value) if isinstance(value, str) else None
    if match:
        head, seconds, fraction, offset = match.groups()
        leap = seconds == LEAP_SECOND
        text = f"{head}{'59' if leap else seconds}{fraction or ''}{offset}".upper()
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            pass  # a well-formed string naming no real moment, such as February 30
        else:
            # a leap second is normalised to the next second (as PostgreSQL does), not refused
            return moment + timedelta(seconds=1) if leap else moment
    raise PydanticCustomError(
        "rfc3339",
        "must be an RFC 3339 date-time string with a UTC offset naming a real moment, "
        "such as 2026-11-26T12:00:00Z or 2026-11-26T13:00:00+01:00",
    )


def _upload_time(value: datetime) -> datetime:
    offset = value.utcoffset()
    if offset is None or not MIN_UTC_OFFSET <= offset <= MAX_UTC_OFFSET:
        raise PydanticCustomError(
            "utc_offset",
            "UTC offset must be between -12:00 and +14:00, got {offset}",
            {"offset": value.isoformat()[-6:]},  # RFC 3339 strings give whole-minute offsets
        )
    if not UPLOADED_AT_MIN <= value < UPLOADED_AT_MAX:
        raise PydanticCustomError(
            "upload_time_range",
            "must be from 2000-01-01T00:00:00Z and before 2100-01-01T00:00:00Z",
        )
    return value


def _canonical_uuid(value: Any) -> UUID:
    """Only the 8-4-4-4-12 form: no braces, ``urn:uuid:`` prefix or bare 32 hex digits."""
    if not isinstance(value, str) or not _UUID_TEXT.match(value):
        raise PydanticCustomError(
            "uuid_text", "must be a UUID string in 8-4-4-4-12 hexadecimal form"
        )
    return UUID(value)


def _supported_version(value: int) -> int:
    if value not in SUPPORTED_SCHEMA_VERSIONS:
        raise PydanticCustomError(
            "unsupported_schema_version",
            "unsupported schema_version (supported: {supported})",
            {"supported": str(SUPPORTED_SCHEMA_VERSIONS)},
        )
    return value


def _visible_text(value: str) -> str:
    """A title or reference is text a person reads: no control characters (C0, DEL, C1), and
    at least one visible character (not only spaces, zero-width or other format characters)."""
    if _CONTROL.search(value):
        raise PydanticCustomError(
            "text_control", "must not contain control characters (U+0000-U+001F, U+007F-U+009F)"
        )
    if value.isascii():
        return value  # stripped and non-empty: a visible ASCII character is there
    if not any(unicodedata.category(c)[0] not in "ZC" for c in value):
        raise PydanticCustomError(
            "text_invisible",
            "must contain a visible character (not only spaces or invisible characters "
            "such as U+200B)",
        )
    return value


Storable = AfterValidator(_storable_text)
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Text = Annotated[
    str,
    StringConstraints(min_length=1, max_length=500, strip_whitespace=True),
    Storable,
    AfterValidator(_visible_text),
]
Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")]
Timestamp = Annotated[AwareDatetime, BeforeValidator(_rfc3339_text)]
UploadTime = Annotated[Timestamp, AfterValidator(_upload_time)]
UuidText = Annotated[UUID, BeforeValidator(_canonical_uuid)]
SchemaVersion = Annotated[StrictInt, AfterValidator(_supported_version)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class S3Location(_Strict):
    """Where the uploaded file lies; the bucket must be the uploads bucket."""

    bucket: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    key: Annotated[
        str, StringConstraints(min_length=1), Storable, AfterValidator(_at_most_s3_key_bytes)
    ]


class ContentTracking(_Strict):
    """Per-title data the media laws ask for (AVMSD European works, DSM rights, ratings)."""

    origin_country: Country = Field(description="ISO 3166-1 alpha-2 country of origin")
    european_work: StrictBool = Field(description="AVMSD Art. 13 European work")
    rights_reference: Text = Field(description="licence or rights-holder reference")
    age_rating: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9+-]{1,16}$")]


class RedriveMarker(_Strict):
    """Set by ``python -m streamflix_worker redrive``: re-process this FAILED video once."""

    redrive_id: UuidText
    dead_letter_id: Annotated[str, StringConstraints(min_length=1, max_length=128), Storable]
    error_kind: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,32}$")]
    requested_at: Timestamp


class ProcessingRequest(_Strict):
    """Schema version 1 of a processing request."""

    schema_version: SchemaVersion
    video_id: UuidText
    source: S3Location
    title: Text
    creator_id: Identifier
    uploaded_at: UploadTime
    content: ContentTracking
    redrive: RedriveMarker | None = None


class InvalidRequestError(ValueError):
    """The record can never be processed; ``reason`` says why (it goes to the DLQ)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors(include_url=False)[:5]:
        where = ".".join(str(p) for p in item["loc"]) or "<record>"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


def _lone_surrogate_path(data: bytes) -> str | None:
    """Where a lone surrogate escape sits, if that is why the JSON parser refused ``data``.

    Pydantic's parser refuses ``"\\ud800"`` as invalid JSON without naming the field; Python's
    ``json`` accepts it as a lone surrogate, so re-reading with it finds the field's path.
    """
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        return None
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                where = f"{path}.{key}" if path else str(key)
                if isinstance(key, str) and _has_surrogate(key):
                    return where
                stack.append((where, item))
        elif isinstance(value, list):
            stack.extend((f"{path}.{i}" if path else str(i), v) for i, v in enumerate(value))
        elif isinstance(value, str) and _has_surrogate(value):
            return path or "<record>"
    return None


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKeyError(key)
            seen.add(key)
    return document


def _duplicate_key(data: bytes) -> str | None:
    """The first key an object of ``data`` repeats (RFC 8259 leaves their meaning undefined:
    parsers disagree on which value wins, so the record is ambiguous), or None."""
    try:
        json.loads(data, object_pairs_hook=_no_duplicate_keys)
    except _DuplicateKeyError as duplicate:
        return duplicate.key
    except (ValueError, RecursionError):
        return None  # not JSON: pydantic names the error
    return None


def parse_request(data: bytes) -> ProcessingRequest:
    """Parse and validate one record's payload, or raise ``InvalidRequestError``."""
    duplicate = _duplicate_key(data)
    if duplicate is not None:
        raise InvalidRequestError(
            f"schema violation: duplicate key {duplicate[:100]!r} in a JSON object "
            "(ambiguous: which value counts is undefined)"
        )
    try:
        return ProcessingRequest.model_validate_json(data)
    except ValidationError as error:
        errors = error.errors()
        if any(e["type"] == "json_invalid" for e in errors):
            where = _lone_surrogate_path(data)
            if where is not None:
                raise InvalidRequestError(
                    f"schema violation: {where}: must be Unicode text: a lone UTF-16 surrogate "
                    "cannot be stored by PostgreSQL"
                ) from None
            raise InvalidRequestError("not valid JSON") from None
        if any(e["type"] == "unsupported_schema_version" for e in errors):
            raise InvalidRequestError(
                f"unsupported schema_version (supported: {SUPPORTED_SCHEMA_VERSIONS})"
            ) from None
        raise InvalidRequestError(f"schema violation: {_describe(error)}") from None
