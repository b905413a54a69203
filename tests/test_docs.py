"""docs/deploying.md says only what the code does: its variables are knobs or the worker's
contract, its modules, scripts, paths and links exist, its outputs are the stack's outputs, its
AWS CLI calls are real operations with real parameters, its example configuration is accepted."""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
import subprocess
from pathlib import Path

import botocore.session
import pytest

from lib.config import KNOBS_BY_ENV, ConfigError, load_config
from rehearsal.toolchain import MIRROR_ENV, TERRAFORM_ENV
from tests.conftest import PROJECT_ROOT, StackView

DOC = PROJECT_ROOT / "docs" / "deploying.md"
TEXT = DOC.read_text()
CODE = "\n".join(re.findall(r"```(?:bash|sh)\n(.*?)```", TEXT, re.S))
# Variables of the tools around us (AWS CLI, jsii, cdktf), not of this project.
EXTERNAL_VARIABLES = {
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION",
    "CHECKPOINT_DISABLE",
    "TF_CLI_CONFIG_FILE",  # Terraform's own: the CLI configuration (provider mirror)
    MIRROR_ENV,
    TERRAFORM_ENV,
}
CDKTF_COMMANDS = {"diff", "deploy", "destroy", "output", "synth", "list"}
AWS_CLI_CUSTOMIZATIONS = {("ecr", "get-login-password")}
AWS_CLI_GLOBAL_OPTIONS = {"region", "profile", "query", "output", "no-cli-pager", "endpoint-url"}
CLI_TO_BOTOCORE = {"s3api": "s3"}


def _commands() -> list[str]:
    """Shell commands of the code blocks, with backslash continuations joined."""
    joined = CODE.replace("\\\n", " ").splitlines()
    return [" ".join(c.split()) for c in joined if c.strip()]


def _worker_contract(stack: StackView) -> set[str]:
    """Environment the worker containers get: the task definitions plus the image's ENV."""
    names: set[str] = set()
    for task in stack.of_type("aws_ecs_task_definition").values():
        for container in json.loads(task["container_definitions"]):
            names |= {e["name"] for e in container.get("environment", [])}
            names |= {s["name"] for s in container.get("secrets", [])}
    dockerfile = (PROJECT_ROOT / "worker" / "Dockerfile").read_text()
    names |= set(re.findall(r"^\s*(?:ENV\s+)?([A-Z][A-Z0-9_]+)=", dockerfile, re.M))
    return names


def test_the_doc_has_commands() -> None:
    assert len(_commands()) > 20


def test_every_environment_variable_named_is_a_knob_or_the_worker_contract(
    stack: StackView,
) -> None:
    named = set(re.findall(r"\bSTREAMFLIX_[A-Z0-9_]+|\bENVIRONMENT_SUFFIX\b", TEXT))
    prefixes = {n for n in named if n.endswith("_")}  # `STREAMFLIX_STATE_*` names a family
    assert all(any(k.startswith(p) for k in KNOBS_BY_ENV) for p in prefixes)
    named -= prefixes
    named |= set(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", CODE))
    named |= set(re.findall(r"(?:^|\s|export\s)([A-Z][A-Z0-9_]*)=", CODE, re.M))
    named |= set(re.findall(r"`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`", TEXT))
    unknown = named - set(KNOBS_BY_ENV) - _worker_contract(stack) - EXTERNAL_VARIABLES
    assert unknown == set()
    assert {"ENVIRONMENT_SUFFIX", "STREAMFLIX_STATE_BACKEND", "STREAMFLIX_STATE_BUCKET"} <= named


def test_every_state_backend_knob_is_documented() -> None:
    state_knobs = {k for k in KNOBS_BY_ENV if k.startswith("STREAMFLIX_STATE_")}
    assert state_knobs and all(f"`{k}`" in TEXT for k in state_knobs)


def test_the_example_environment_file_and_backend_settings_are_accepted() -> None:
    env_file = re.search(r"cat > (\S+) <<'EOF'\n(.*?)\nEOF", CODE, re.S)
    assert env_file, "the doc shows an environment file"
    env = dict(line.split("=", 1) for line in env_file.group(2).splitlines())
    assert load_config(env).stack_name == f"streamflix-{env['ENVIRONMENT_SUFFIX']}"
    backend = re.search(r"^STREAMFLIX_STATE_BACKEND=s3\n(.*?)\n# ", CODE, re.S | re.M)
    assert backend
    env |= dict(line.split("=", 1) for line in backend.group(0).splitlines()[:-1])
    assert load_config(env).backend.kind == "s3"
    env.pop("STREAMFLIX_STATE_BACKEND")
    with pytest.raises(ConfigError, match="STREAMFLIX_STATE_BUCKET"):
        load_config(env)  # what the doc promises about a forgotten backend switch


def test_the_stack_name_the_doc_uses_is_the_one_the_config_builds() -> None:
    assert 'stack="streamflix-${ENVIRONMENT_SUFFIX}"' in CODE
    assert load_config({"ENVIRONMENT_SUFFIX": "qa1"}).stack_name == "streamflix-qa1"


def test_every_python_module_the_doc_runs_exists() -> None:
    modules = re.findall(r"\.venv/bin/python -m ([\w.]+)", TEXT)
    assert modules
    assert [m for m in modules if importlib.util.find_spec(m) is None] == []


def test_every_path_script_and_link_exists() -> None:
    paths = set(re.findall(r"\b((?:scripts|worker|docs|compliance|lib|policies)/[\w./*-]+)", TEXT))
    paths |= {f"docs/{link}" for link in re.findall(r"\]\(([^)#]+)\)", TEXT)}
    paths |= {"cdktf.json", ".venv/bin/python"} & set(re.findall(r"[\w./-]+", TEXT))
    missing = [p for p in sorted(paths) if not list(PROJECT_ROOT.glob(p.rstrip(".")))]
    assert missing == []
    assert {"scripts/install.sh", "scripts/main.sh", "worker/Dockerfile"} <= paths


def test_every_output_the_doc_uses_is_a_stack_output(stack: StackView) -> None:
    used = set(re.findall(r"\$\(out (\w+)\)", CODE))
    table = set(re.findall(r"^\| `(\w+)` \|", TEXT.split("Outputs used on this page")[1], re.M))
    assert used and used <= table, "every output used in a command is in the outputs table"
    assert table - set(stack.outputs) == set()


def test_the_cdktf_commands_exist() -> None:
    used = set(re.findall(r"npx cdktf (\w+)", TEXT))
    assert {"diff", "deploy", "destroy"} <= used <= CDKTF_COMMANDS
    assert (PROJECT_ROOT / "node_modules" / ".bin" / "cdktf").exists()
    cdktf = json.loads((PROJECT_ROOT / "cdktf.json").read_text())
    assert cdktf["app"] == ".venv/bin/python main.py"


def test_every_aws_cli_call_is_a_real_operation_with_real_parameters() -> None:
    assert _check_aws_calls(_commands()) >= 10


def _check_aws_calls(commands: list[str]) -> int:
    """Assert every `aws <service> <operation> --option` is real; returns how many were checked."""
    session = botocore.session.get_session()
    checked = 0
    for command in commands:
        for call in re.findall(r"\baws (\S+) (\S+)((?: (?:--[\w-]+|\S+))*)", command):
            service, operation, rest = call
            if (service, operation) in AWS_CLI_CUSTOMIZATIONS:
                checked += 1
                continue
            model = session.get_service_model(CLI_TO_BOTOCORE.get(service, service))
            options = re.findall(r"--([\w-]+)", rest.split("|")[0])
            if operation == "wait":
                waiter = rest.split()[0]
                name = "".join(part.capitalize() for part in waiter.split("-"))
                waiters = session.get_waiter_model(model.service_name).waiter_names
                assert name in waiters, f"aws {service} wait {waiter}"
                operation_name = (
                    session.get_waiter_model(model.service_name).get_waiter(name).operation
                )
            else:
                # The CLI lower-cases acronyms (describe-db-engine-versions: DescribeDBEngineVersions).
                by_cli_name = {op.lower(): op for op in model.operation_names}
                operation_name = by_cli_name.get(operation.replace("-", ""), "")
                assert operation_name, f"aws {service} {operation}"
            members = {m.lower() for m in model.operation_model(operation_name).input_shape.members}
            for option in options:
                if option in AWS_CLI_GLOBAL_OPTIONS or option.startswith("no-"):
                    continue
                assert option.replace("-", "") in members, f"aws {service} {operation} --{option}"
            checked += 1
    return checked


FIRST_DEPLOY = PROJECT_ROOT / "scripts" / "first_deploy.sh"


def test_the_first_deploy_is_scripted_in_two_stages_without_forcing_a_deployment() -> None:
    """Issue 12 item 7: stage 1 with no image runs no task, stage 2 after the push turns the
    workers on; nothing relies on ECS retrying or on --force-new-deployment."""
    script = FIRST_DEPLOY.read_text()
    subprocess.run(["bash", "-n", str(FIRST_DEPLOY)], check=True)
    deploys = re.findall(r"^(\S+=\S+ )?npx cdktf deploy", script, re.M)
    assert deploys == [
        "STREAMFLIX_WORKER_IMAGE_PUBLISHED=false ",
        "STREAMFLIX_WORKER_IMAGE_PUBLISHED=true ",
    ]
    order = [
        "STREAMFLIX_WORKER_IMAGE_PUBLISHED=false npx cdktf deploy",
        "docker push",
        "aws ecs run-task",  # the migrations, before any worker runs
        "STREAMFLIX_WORKER_IMAGE_PUBLISHED=true npx cdktf deploy",
        "aws ecs wait services-stable",
    ]
    positions = [script.index(step) for step in order]
    assert positions == sorted(positions)
    assert "force-new-deployment" not in script
    joined = [" ".join(c.split()) for c in script.replace("\\\n", " ").splitlines() if c.strip()]
    assert _check_aws_calls(joined) >= 5
    assert "ECS will retry" not in TEXT and "scripts/first_deploy.sh" in TEXT


def test_the_migrate_task_runs_the_migrate_command(stack: StackView) -> None:
    """The doc says the migrations task is the worker image with the command `migrate`."""
    commands = {
        task["family"]: json.loads(task["container_definitions"])[0].get("command")
        for task in stack.of_type("aws_ecs_task_definition").values()
    }
    family = stack.outputs["migrate_task_definition_family"]["value"]
    match = re.fullmatch(r"\$\{aws_ecs_task_definition\.(\w+)\.family\}", family)
    assert match, family
    migrate = stack.of_type("aws_ecs_task_definition")[match.group(1)]
    assert commands[migrate["family"]] == ["migrate"]
    assert "the command `migrate`" in " ".join(TEXT.split())


def test_the_image_is_built_from_the_worker_dockerfile_for_amd64() -> None:
    build = next(c for c in _commands() if c.startswith("docker build"))
    argv = shlex.split(build)
    assert argv[argv.index("-f") + 1] == "worker/Dockerfile"
    assert argv[argv.index("--platform") + 1] == "linux/amd64"
    assert argv[-1] == "worker" and (PROJECT_ROOT / "worker" / "Dockerfile").is_file()
    assert "FROM --platform=linux/amd64" in Path(PROJECT_ROOT / "worker" / "Dockerfile").read_text()


def test_the_doc_says_the_first_rotation_follows_the_schedule(stack: StackView) -> None:
    """Issue 12 item 5: the doc states what the stack does: no rotation during the first
    deploy, then every STREAMFLIX_SECRET_ROTATION_DAYS days (the synthesized interval)."""
    rotation = stack.one("aws_secretsmanager_secret_rotation")
    text = " ".join(TEXT.split())
    assert rotation["rotate_immediately"] is False
    assert "`rotate_immediately = false`" in text
    days = rotation["rotation_rules"]["automatically_after_days"]
    assert f"`STREAMFLIX_SECRET_ROTATION_DAYS` days (default {days})" in text
    assert KNOBS_BY_ENV["STREAMFLIX_SECRET_ROTATION_DAYS"]


def test_the_doc_names_the_eventbridge_dead_letter_queue_and_its_alarms(stack: StackView) -> None:
    """Issue 12 item 1: the doc names the events DLQ and the two alarms that watch undelivered
    rotation-failure events, as the stack names them."""
    text = " ".join(TEXT.split())
    suffix = stack.one("aws_cloudwatch_event_rule")["name"].rsplit("-", 1)[1]
    targets = stack.of_type("aws_cloudwatch_event_target").values()
    queues = {f"${{aws_sqs_queue.{n}.arn}}": q for n, q in stack.of_type("aws_sqs_queue").items()}
    dlqs = {queues[t["dead_letter_config"]["arn"]]["name"] for t in targets}
    alarms = {
        a["alarm_name"]
        for a in stack.of_type("aws_cloudwatch_metric_alarm").values()
        if a.get("namespace") == "AWS/Events" or a.get("dimensions", {}).get("QueueName") in dlqs
    }
    assert len(dlqs) == 1 and len(alarms) == 2, (dlqs, alarms)
    for name in dlqs | alarms:
        assert f"`{name.removesuffix(suffix)}<suffix>`" in text, name


def test_the_fresh_environment_table_names_real_collector_checks() -> None:
    """Issue 20: which runtime controls a new environment cannot satisfy yet, by check id."""
    from compliance.collect.checks import CHECKS_BY_ID

    section = TEXT.split("### What a fresh environment cannot show yet", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"^\| `([a-z]+\.[a-z-]+)`(?:, `([a-z]+\.[a-z-]+)`)?", section, re.M))
    ids = {i for pair in named for i in pair if i}
    assert len(ids) >= 5
    assert ids <= set(CHECKS_BY_ID)


def test_the_doc_tells_where_the_state_lives_and_how_to_deploy_offline() -> None:
    """Issue 20 items 1 and 4: the state path the backend uses, and the mirror-only path."""
    from lib.state import local_state_path

    assert local_state_path("streamflix-<suffix>") in TEXT
    assert "--skip-provider-lock" in TEXT and "--skip-provider-lock" in FIRST_DEPLOY.read_text()
    assert "bash scripts/rehearse.sh" in TEXT and "python -m policies.plan_guard" in TEXT
