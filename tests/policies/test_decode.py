"""Decoding JSON-string documents in checkov's parsed view (policies/decode.py) and the
container parser that reads both shapes (policies/containers.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from policies.containers import container_definitions
from policies.decode import as_document, decode_conf, decode_definition

POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"]}]}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (json.dumps(POLICY), POLICY),
        (" [1, 2] ", [1, 2]),
        ("plain", None),
        ("${jsonencode(var.policy)}", None),
        ("{not json", None),
        ('"a string"', None),
        ("42", None),
        (42, None),
    ],
)
def test_as_document(text: Any, expected: Any) -> None:
    assert as_document(text) == expected


def test_documents_are_decoded_at_any_depth_and_nothing_else_changes() -> None:
    """checkov wraps attributes in one-element lists; decoded documents stay plain inside."""
    conf: dict[str, Any] = {
        "policy": [json.dumps(POLICY)],
        "name": ["role"],
        "inline_policy": [{"name": ["p"], "policy": [json.dumps(POLICY)]}],
        "tags": {"Doc": json.dumps(POLICY)},  # tag values are data, never documents
        "__startline__": 3,
    }
    definition = {"resource": [{"aws_iam_role": {"r": conf}}], "locals": [{"x": ["{}"]}]}
    assert decode_definition(definition) == 2
    assert conf["policy"] == [POLICY]
    assert conf["inline_policy"][0]["policy"] == [POLICY]
    assert conf["name"] == ["role"]
    assert conf["tags"] == {"Doc": json.dumps(POLICY)}
    assert definition["locals"] == [{"x": ["{}"]}]
    assert decode_conf(conf) == 0  # idempotent


@pytest.mark.parametrize(
    "wrapped",
    [
        [json.dumps([{"name": "worker"}])],  # as cdktf writes it
        [[{"name": "worker"}]],  # decoded: a list of ONE container stays a list
    ],
    ids=["json_string", "decoded"],
)
def test_container_definitions_read_both_shapes(wrapped: list[Any]) -> None:
    assert container_definitions({"container_definitions": wrapped}) == [{"name": "worker"}]
