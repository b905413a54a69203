"""The in-toto Statement v1 each engine signs: its output file (subject) and what it judged."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from google.protobuf import json_format
from in_toto_attestation.v1.resource_descriptor import ResourceDescriptor
from in_toto_attestation.v1.statement import Statement

# The engines whose output is evidence; trust.yaml names, per engine, who may sign it.
ENGINES = ("aspects", "checkov gate", "pytest", "collector", "report")
PAYLOAD_TYPE = "application/vnd.in-toto+json"  # in-toto's DSSE payload type
PREDICATE_TYPE = "urn:streamflix:evidence:v1"
# The Python distribution whose version names each engine's version in the predicate.
_ENGINE_PACKAGES = {
    "aspects": "cdktf",
    "checkov gate": "checkov",
    "pytest": "pytest",
    "collector": "boto3",
    "report": "in-toto-attestation",
}


@dataclass(frozen=True)
class StackSubject:
    """What the evidence judged: the stack folder, its cdk.tf.json SHA-256 and the commit."""

    stack: str
    sha256: str
    commit: str


def engine_version(engine: str) -> str:
    package = _ENGINE_PACKAGES[engine]
    try:
        return f"{package} {metadata.version(package)}"
    except metadata.PackageNotFoundError:
        return f"{package} unknown"


def build_statement(
    file_name: str,
    file_sha256: str,
    engine: str,
    stack: StackSubject,
    signed_at: dt.datetime,
    extra: dict[str, Any] | None = None,
) -> bytes:
    """The canonical JSON payload (validated by in-toto-attestation's model)."""
    if engine not in ENGINES:
        raise ValueError(f"engine {engine!r}: must be one of {', '.join(ENGINES)}")
    predicate: dict[str, Any] = {
        "engine": engine,
        "engine_version": engine_version(engine),
        "stack": stack.stack,
        "stack_sha256": stack.sha256,
        "commit": stack.commit,
        "signed_at": signed_at.isoformat(),
        **(extra or {}),
    }
    subject = ResourceDescriptor(name=file_name, digest={"sha256": file_sha256})
    statement = Statement([subject.pb], PREDICATE_TYPE, predicate)
    statement.validate()
    document = json_format.MessageToDict(statement.pb, preserving_proto_field_name=False)
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode("utf-8")


def parse_statement(payload: bytes) -> Statement:
    """Parse and validate a payload as an in-toto Statement v1 (ValueError on any defect)."""
    try:
        document = json.loads(payload)
        statement = Statement([], "", {})
        json_format.ParseDict(document, statement.pb)
    except (ValueError, json_format.ParseError) as err:
        raise ValueError(f"payload is not an in-toto Statement: {err}") from None
    statement.validate()
    if statement.pb.predicate_type != PREDICATE_TYPE:
        raise ValueError(f"predicateType {statement.pb.predicate_type!r} is not {PREDICATE_TYPE!r}")
    return statement


def predicate_of(statement: Statement) -> dict[str, Any]:
    predicate: dict[str, Any] = json_format.MessageToDict(statement.pb.predicate)
    return predicate


def subject_digests(statement: Statement) -> list[str]:
    return [s.digest.get("sha256", "") for s in statement.pb.subject]
