"""Records the AWS API calls the worker's own clients make, as IAM actions (botocore hooks), and
answers one call with an AWS error (a ``before-call`` short-circuit)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from botocore.awsrequest import AWSResponse
from streamflix_worker.aws import AwsClients

# Operations authorized by an IAM action of another name (S3 API reference, HeadObject,
# "Permissions": HEAD needs s3:GetObject).
ACTION_OF_OPERATION = {"s3:HeadObject": "s3:GetObject"}


def iam_action(model: Any) -> str:
    """The IAM action that authorizes a botocore operation model."""
    service = model.service_model
    prefix = service.signing_name or service.endpoint_prefix
    name = f"{prefix}:{model.name}"
    return ACTION_OF_OPERATION.get(name, name)


@dataclass
class AwsCallRecorder:
    """IAM actions of every call made through clients it is attached to (``before-call``)."""

    calls: set[str] = field(default_factory=set)

    def _record(self, model: Any, **_: Any) -> None:
        self.calls.add(iam_action(model))

    def attach(self, clients: AwsClients) -> AwsClients:
        for f in fields(clients):
            getattr(clients, f.name).meta.events.register("before-call", self._record)
        return clients


def aws_error(url: str, status: int, code: str, message: str) -> tuple[AWSResponse, dict[str, Any]]:
    """What a ``before-call`` handler returns to answer the call with this AWS error instead of
    sending it: botocore takes a non-None (response, parsed) pair as the call's result (the
    mechanism its Stubber uses); no retry runs, the client raises ``ClientError(code)``."""
    return AWSResponse(url, status, {}, None), {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
