"""core.references: the one parser of Terraform references, on the shapes cdktf writes and on
the ones an escape hatch or a hand edit can produce."""

from __future__ import annotations

import pytest

from core.references import (
    Ref,
    first_ref,
    interpolations,
    leading_ref,
    refs_in,
    refs_in_text,
    whole_ref,
    without_interpolations,
)

KEY = Ref(False, "aws_kms_key", "k", "arn")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${aws_kms_key.k.arn}", [KEY]),
        ("${ aws_kms_key.k.arn }", [KEY]),
        ("${aws_kms_key.k}", [Ref(False, "aws_kms_key", "k", None)]),
        (
            "${data.aws_iam_policy_document.p.json}",
            [Ref(True, "aws_iam_policy_document", "p", "json")],
        ),
        (
            "${module.network.private_subnet_ids}",
            [Ref(False, "module", "network", "private_subnet_ids")],
        ),
        # an index after the attribute, and a count index before it
        (
            "${aws_rds_cluster.c.master_user_secret[0].secret_arn}",
            [Ref(False, "aws_rds_cluster", "c", "master_user_secret")],
        ),
        ("${aws_subnet.s[1].id}", [Ref(False, "aws_subnet", "s", "id")]),
        ("${aws_x.y.z[0]}", [Ref(False, "aws_x", "y", "z")]),
        # functions: the arguments are searched, the function name is not a reference
        ("${jsonencode(aws_sqs_queue.q.arn)}", [Ref(False, "aws_sqs_queue", "q", "arn")]),
        ("${element(aws_subnet.a.*.id, 0)}", [Ref(False, "aws_subnet", "a", None)]),
        (
            '${format("%s/*", aws_s3_bucket.b.arn)}',
            [Ref(False, "aws_s3_bucket", "b", "arn")],
        ),
        # nested: an interpolation inside a quoted argument, in order of appearance
        (
            '${replace(aws_x.y.name, "a.b", "${aws_z.w.id}")}',
            [Ref(False, "aws_x", "y", "name"), Ref(False, "aws_z", "w", "id")],
        ),
        # several in one template, variables and locals are not resources
        (
            "arn:${aws_x.y.id}/${var.name}/${local.tag}/${each.key}/${count.index}",
            [Ref(False, "aws_x", "y", "id")],
        ),
        # literals: an escaped $${, a quoted dotted string, a number, an unterminated ${
        ("$${aws_x.y.z}", []),
        ('${lookup(var.m, "aws_x.y")}', []),
        ("${1.5 + 2}", []),
        ("${aws_x.y.z", []),
        ("no interpolation: aws_x.y.z", []),
    ],
)
def test_references_in_one_string(text: str, expected: list[Ref]) -> None:
    assert refs_in_text(text) == expected


def test_references_are_found_in_blocks_lists_and_policy_strings() -> None:
    body = {
        "kms_key_id": "${aws_kms_key.k.arn}",
        "rule": [{"apply": {"key": "${data.aws_kms_alias.a.target_key_arn}"}}],
        "policy": '{"Statement":[{"Resource":"${aws_sqs_queue.q.arn}"}]}',
        "count": 2,
    }
    assert [r.address for r in refs_in(body)] == [
        "aws_kms_key.k",
        "data.aws_kms_alias.a",
        "aws_sqs_queue.q",
    ]
    assert first_ref(body) == KEY
    assert first_ref({"a": 1}) is None


def test_addresses_name_data_sources_and_modules_apart() -> None:
    data = Ref(True, "aws_caller_identity", "current", "account_id")
    module = Ref(False, "module", "vpc", "id")
    assert (data.address, data.resource_address, data.is_resource) == (
        "data.aws_caller_identity.current",
        "aws_caller_identity.current",
        False,
    )
    assert (module.address, module.is_module, module.is_resource) == ("module.vpc", True, False)
    assert KEY.is_resource and not KEY.is_module


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("${aws_kms_key.k.arn}", KEY),
        ("${aws_kms_key.k.arn[0].x}", KEY),
        (
            "${data.aws_iam_policy_document.p.json}",
            Ref(True, "aws_iam_policy_document", "p", "json"),
        ),
        ("arn:${aws_kms_key.k.arn}", None),  # a template, not a whole reference
        ("${aws_kms_key.k.arn}${aws_kms_key.k.id}", None),
        ("${jsonencode(aws_kms_key.k.arn)}", None),  # a function of a reference
        ('${aws_kms_key.k.arn == "x"}', None),
        ("${var.key_arn}", None),
        ("alias/aws/s3", None),
        (["${aws_kms_key.k.arn}"], None),  # not a string
    ],
)
def test_whole_reference(value: object, expected: Ref | None) -> None:
    assert whole_ref(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("${aws_kms_key.k.arn}", KEY),
        ("${aws_kms_key.k.arn}:*", KEY),  # a log group ARN with its stream wildcard
        ("${aws_kms_key.k.arn}/${aws_x.y.id}", KEY),
        ("arn:${aws_kms_key.k.arn}", None),  # the reference does not start the value
        ("${jsonencode(aws_kms_key.k.arn)}:*", None),
        ("${var.x}:*", None),
        ("$${aws_kms_key.k.arn}", None),
        (None, None),
    ],
)
def test_leading_reference(value: object, expected: Ref | None) -> None:
    assert leading_ref(value) == expected


def test_interpolation_spans_count_nested_braces_and_skip_the_escape() -> None:
    text = 'a${merge({x = 1}, {y = "}"})}b$${c}${d.e.f}'
    spans = list(interpolations(text))
    assert [text[s:e] for s, e in spans] == ['${merge({x = 1}, {y = "}"})}', "${d.e.f}"]
    assert without_interpolations("Name=${aws_x.y.id}-suffix") == "Name=-suffix"
