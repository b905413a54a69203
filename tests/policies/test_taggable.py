"""The taggable-types list is generated data (policies/taggable.json), current with the installed
provider, parsed once, and a malformed file is refused with the field and the rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from policies import taggable
from policies.gen_taggable import installed_provider_dir, render, taggable_types


def test_json_is_what_the_generator_writes_for_the_installed_provider() -> None:
    version, types = taggable_types(installed_provider_dir())
    assert taggable.DATA_FILE.read_text(encoding="utf-8") == render(version, types), (
        "run python -m policies.gen_taggable"
    )


def test_list_loads_once_through_the_same_name() -> None:
    from policies.taggable import TAGGABLE_TYPES

    assert {"aws_kinesis_stream", "aws_sqs_queue", "aws_rds_cluster"} <= TAGGABLE_TYPES
    assert "aws_iam_role_policy" not in TAGGABLE_TYPES
    assert taggable.load_taggable_types() is TAGGABLE_TYPES is taggable.TAGGABLE_TYPES


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "taggable.json: cannot read"),
        ('{"types": []}', "'types' must be a non-empty list"),
        ('["aws_sqs_queue"]', "'types' must be a non-empty list"),
        (
            '{"types": ["aws_sqs_queue", "S3 Bucket"]}',
            "must match aws_[a-z0-9_]+, got ['S3 Bucket']",
        ),
    ],
)
def test_malformed_file_is_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "taggable.json"
    path.write_text(text)
    with pytest.raises(taggable.TaggableDataError) as err:
        taggable.read_taggable(path)
    assert message in str(err.value)
