"""Issue 2, the stack as a whole: region, default tags, backend, names, outputs, cdktf.json."""

from __future__ import annotations

import json
import re

from lib.config import REQUIRED_TAG_KEYS, load_config
from tests.conftest import PROJECT_ROOT, TEST_SUFFIX, StackView


def test_provider_is_pinned_to_eu_central_1(stack: StackView) -> None:
    assert stack.provider["region"] == "eu-central-1"


def test_provider_default_tags_carry_the_required_set(stack: StackView) -> None:
    (default_tags,) = stack.provider["default_tags"]
    tags = default_tags["tags"]
    assert set(REQUIRED_TAG_KEYS) <= set(tags)
    assert tags["Environment"] == TEST_SUFFIX
    assert tags["Project"] == "streamflix"


def test_local_backend_by_default(stack: StackView) -> None:
    assert stack.data["terraform"]["backend"] == {
        "local": {"path": f"../../../terraform.streamflix-{TEST_SUFFIX}.tfstate"}
    }


def _named(stack: StackView) -> list[tuple[str, str, str]]:
    out = []
    for rtype, name, body in stack.all_resources():
        for attr in ("name", "bucket", "cluster_identifier", "identifier"):
            value = body.get(attr)
            if isinstance(value, str) and not value.startswith("${"):
                out.append((f"{rtype}.{name}", attr, value))
        tag_name = body.get("tags", {}).get("Name") if isinstance(body.get("tags"), dict) else None
        if tag_name:
            out.append((f"{rtype}.{name}", "tags.Name", tag_name))
    return out


# Names AWS dictates (RDS log export group) rather than us.
AWS_DICTATED = re.compile(r"^/aws/")


def test_every_name_we_choose_is_prefixed_and_ends_with_the_suffix(stack: StackView) -> None:
    named = _named(stack)
    assert len(named) > 20
    wrong = [
        (addr, attr, value)
        for addr, attr, value in named
        if not AWS_DICTATED.match(value)
        and not (value.endswith(f"-{TEST_SUFFIX}") and "streamflix-" in value)
    ]
    assert wrong == []


def test_every_output_has_a_description(stack: StackView) -> None:
    outputs = stack.outputs
    required = {
        "vpc_id",
        "public_subnet_ids",
        "private_subnet_ids",
        "stream_name",
        "stream_arn",
        "db_writer_endpoint",
        "db_reader_endpoint",
        "db_port",
        "db_name",
        "db_secret_arn",
        "uploads_bucket_name",
        "data_key_arn",
        "logs_key_arn",
    }
    assert required <= set(outputs)
    assert all(o.get("description") for o in outputs.values())
    assert not any(
        o.get("sensitive") is False and "password" in name for name, o in outputs.items()
    )


def test_s3_backend_with_native_locking_is_chosen_by_environment() -> None:
    config = load_config(
        {
            "ENVIRONMENT_SUFFIX": "qa2",
            "STREAMFLIX_STATE_BACKEND": "s3",
            "STREAMFLIX_STATE_BUCKET": "acme-tf-state",
        }
    )
    from cdktf import Testing

    from lib.stack import StreamflixStack

    app = Testing.app()
    stack = StreamflixStack(app, config)
    backend = json.loads(Testing.synth(stack))["terraform"]["backend"]["s3"]
    assert backend["bucket"] == "acme-tf-state"
    assert backend["key"] == "streamflix/qa2/terraform.tfstate"
    assert backend["encrypt"] is True and backend["use_lockfile"] is True
    assert backend["region"] == "eu-central-1"


def test_cdktf_json_runs_main_py_with_the_project_venv() -> None:
    cdktf = json.loads((PROJECT_ROOT / "cdktf.json").read_text())
    assert cdktf["language"] == "python"
    assert cdktf["app"] == ".venv/bin/python main.py"
    package = json.loads((PROJECT_ROOT / "package.json").read_text())
    assert package["devDependencies"]["cdktf-cli"] == "0.21.0"
    lock = json.loads((PROJECT_ROOT / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/cdktf-cli"]["version"] == "0.21.0"
