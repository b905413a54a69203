"""The processing-request schema carried by each Kinesis record (pydantic v2).

A record that is not JSON or breaks the schema can never succeed, so parsing turns it into an
``InvalidRequestError`` with a human-readable reason that goes to the DLQ; it is never retried.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, ValidationError

SUPPORTED_SCHEMA_VERSIONS = (1,)

Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)]
Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class S3Location(_Strict):
    """Where the uploaded file lies; the bucket must be the uploads bucket."""

    bucket: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    key: Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class ContentTracking(_Strict):
    """Per-title data the media laws ask for (AVMSD European works, DSM rights, ratings)."""

    origin_country: Country = Field(description="ISO 3166-1 alpha-2 country of origin")
    european_work: bool = Field(description="AVMSD Art. 13 European work")
    rights_reference: Text = Field(description="licence or rights-holder reference")
    age_rating: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9+-]{1,16}$")]


class RedriveMarker(_Strict):
    """Set by ``python -m streamflix_worker redrive``: re-process this FAILED video once."""

    redrive_id: UUID
    dead_letter_id: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    error_kind: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,32}$")]
    requested_at: AwareDatetime


class ProcessingRequest(_Strict):
    """Schema version 1 of a processing request."""

    schema_version: Literal[1]
    video_id: UUID
    source: S3Location
    title: Text
    creator_id: Identifier
    uploaded_at: AwareDatetime
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


def parse_request(data: bytes) -> ProcessingRequest:
    """Parse and validate one record's payload, or raise ``InvalidRequestError``."""
    try:
        return ProcessingRequest.model_validate_json(data)
    except ValidationError as error:
        if any(e["type"] == "json_invalid" for e in error.errors()):
            raise InvalidRequestError("not valid JSON") from None
        if any(e["loc"] == ("schema_version",) for e in error.errors()):
            raise InvalidRequestError(
                f"unsupported schema_version (supported: {SUPPORTED_SCHEMA_VERSIONS})"
            ) from None
        raise InvalidRequestError(f"schema violation: {_describe(error)}") from None
