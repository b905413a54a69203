"""Decode the JSON-string documents of a parsed Terraform JSON file so checkov can judge them.

cdktf writes IAM/SQS/SNS/KMS policies, ``assume_role_policy``, ``redrive_policy`` and ECS
``container_definitions`` as JSON *strings*. Checkov's ``terraform_json`` framework keeps them as
strings, so the built-in checks that parse them (IAM CKV_AWS_286-290/355, SQS 168, SNS 169/385,
ECS 334/335, ...) return UNKNOWN, which checkov drops from every output (measured on our stack:
41 built-in UNKNOWN results before this module).

Why not scan a decoded copy of ``cdk.tf.json``: checkov's ``terraform_json`` parser ``hclify``s
every nested object (each value becomes a one-element list), so a decoded policy reaches the
checks as ``{"Action": [["s3:GetObject"]]}`` and cloudsplaining crashes on it (measured). In HCL,
``jsonencode({...})`` reaches the checks as the plain object, so that is the shape we produce:
``{"policy": ["<json>"]}`` becomes ``{"policy": [<object>]}`` after checkov has parsed the file,
at any depth of the resource (``inline_policy { policy = ... }``). Line numbers are untouched.
"""

from __future__ import annotations

import json
from typing import Any

LINE_KEYS = frozenset({"__startline__", "__endline__"})


def as_document(text: Any) -> dict[str, Any] | list[Any] | None:
    """The object or array a JSON string holds; None for anything else (plain strings,
    ``${jsonencode(var.x)}`` expressions, numbers)."""
    if not isinstance(text, str):
        return None
    stripped = text.strip()
    if not stripped or stripped[0] not in "[{":
        return None
    try:
        value = json.loads(stripped)
    except ValueError:
        return None
    return value if isinstance(value, (dict, list)) else None


def decode_conf(conf: Any) -> int:
    """Decode, in place, every ``[<json string>]`` attribute of a checkov-parsed configuration
    (checkov wraps attribute values in one-element lists). Returns how many were decoded."""
    count = 0
    if isinstance(conf, dict):
        for key, value in conf.items():
            if key in LINE_KEYS or key == "//":
                continue
            document = (
                as_document(value[0]) if isinstance(value, list) and len(value) == 1 else None
            )
            if document is not None:
                conf[key] = [document]
                count += 1
            else:
                count += decode_conf(value)
    elif isinstance(conf, list):
        count += sum(decode_conf(item) for item in conf)
    return count


DECODED_BLOCKS = ("resource", "data", "provider")


def decode_definition(definition: dict[str, Any]) -> int:
    """Decode the documents of one parsed file (checkov's ``prepare_definition`` output):
    ``{"resource": [{type: {name: conf}}], "provider": [{name: conf}], ...}``."""
    return sum(decode_conf(definition.get(block)) for block in DECODED_BLOCKS)
