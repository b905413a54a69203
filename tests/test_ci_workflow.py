"""CI and code-health plumbing: the workflow runs exactly the README's test command, keeps its
artefacts and caches; pre-commit runs the pinned tools; the Pipfile.lock check catches drift."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import PROJECT_ROOT, StackView

PROVIDER_MIRROR_DIR = "/github/home/.terraform.d/plugins"

WORKFLOW = PROJECT_ROOT / ".github" / "workflows" / "ci.yml"
PRE_COMMIT = PROJECT_ROOT / ".pre-commit-config.yaml"
CHECK_LOCK = PROJECT_ROOT / "scripts" / "check-lock.sh"


@dataclass(frozen=True)
class ReadmeCommands:
    main: str
    test: str


def readme_commands() -> ReadmeCommands:
    """The two commands in README's "The two commands" section; the test command is the one
    the README says `.ci/run` runs."""
    text = (PROJECT_ROOT / "README.md").read_text()
    section = re.search(r"^## The two commands\n(.*?)(?=^## )", text, re.S | re.M)
    assert section, "README.md has no '## The two commands' section"
    blocks = re.findall(r"(.*?)```(?:bash|sh)\n(.*?)```", section.group(1), re.S)
    assert len(blocks) == 2, f"expected two fenced commands, found {len(blocks)}"
    commands = {}
    for prose, body in blocks:
        lines = [ln.strip() for ln in body.splitlines() if ln.strip()]
        assert len(lines) == 1, f"each README command is one line, got {lines}"
        commands["test" if ".ci/run" in prose else "main"] = lines[0]
    assert set(commands) == {"main", "test"}, "README must say which command .ci/run runs"
    return ReadmeCommands(**commands)


def _workflow() -> dict[Any, Any]:
    data = yaml.safe_load(WORKFLOW.read_text())
    assert isinstance(data, dict)
    return data


def _steps() -> list[dict[str, Any]]:
    jobs = _workflow()["jobs"]
    return [step for job in jobs.values() for step in job["steps"]]


def _uses(prefix: str) -> list[dict[str, Any]]:
    return [s for s in _steps() if str(s.get("uses", "")).startswith(prefix)]


def test_readme_documents_two_commands_whose_scripts_exist() -> None:
    commands = readme_commands()
    for command in (commands.main, commands.test):
        argv = shlex.split(command)
        assert argv[0] == "bash" and len(argv) == 2, command
        assert (PROJECT_ROOT / argv[1]).is_file(), f"{argv[1]} (from README) does not exist"


def test_workflow_runs_on_push_and_pull_request() -> None:
    data = _workflow()
    triggers = data.get("on", data.get(True))  # YAML 1.1 reads a bare `on` as True
    assert {"push", "pull_request"} <= set(triggers)


def test_workflow_runs_exactly_the_readme_test_command_and_nothing_else() -> None:
    # Besides the test command, only environment set-up runs: the provider mirror the deploy
    # rehearsal installs from (what setup-node is for Node); it runs no project code.
    setup = [s for s in _steps() if "run" in s and s["run"].strip().endswith(PROVIDER_MIRROR_DIR)]
    assert len(setup) == 1 and "cdk" not in setup[0]["run"] and "python" not in setup[0]["run"]
    runs = [step["run"].strip() for step in _steps() if "run" in step and step not in setup]
    assert runs == [readme_commands().test]


def test_ci_run_runs_the_same_command() -> None:
    lines = (PROJECT_ROOT / ".ci" / "run").read_text().splitlines()
    commands = [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    assert commands[-1] == f"exec {readme_commands().test}"


def test_workflow_pins_python_311_and_node_20_like_the_project() -> None:
    jobs = _workflow()["jobs"]
    images = {job["container"]["image"] for job in jobs.values()}
    pipfile = tomllib.loads((PROJECT_ROOT / "Pipfile").read_text())
    assert images == {f"python:{pipfile['requires']['python_version']}-bookworm"}
    (node,) = _uses("actions/setup-node@")
    engines = yaml.safe_load((PROJECT_ROOT / "package.json").read_text())["engines"]["node"]
    assert engines == ">=20" and int(node["with"]["node-version"]) >= 20


def test_workflow_caches_python_npm_and_jsii() -> None:
    (node,) = _uses("actions/setup-node@")
    assert node["with"]["cache"] == "npm"
    assert node["with"]["cache-dependency-path"] == "package-lock.json"
    caches = {s["with"]["path"].strip(): s["with"]["key"] for s in _uses("actions/cache@")}
    assert "hashFiles('Pipfile.lock')" in caches[".venv"]
    env = next(iter(_workflow()["jobs"].values()))["env"]
    jsii_root = env["JSII_RUNTIME_PACKAGE_CACHE_ROOT"]
    assert "hashFiles('Pipfile.lock')" in caches[jsii_root]
    pip_paths = next(p for p in caches if env["PIP_CACHE_DIR"] in p)
    assert "hashFiles('Pipfile.lock')" in caches[pip_paths]


def test_workflow_uploads_the_gate_sarif_and_keeps_report_and_junit() -> None:
    script = (PROJECT_ROOT / "scripts" / "test.sh").read_text()
    (sarif,) = _uses("github/codeql-action/upload-sarif@")
    gate_dir = sarif["with"]["sarif_file"]
    assert f"--results {gate_dir}" in script, "the SARIF upload must read what the gate writes"
    assert sarif["if"].startswith("always()")
    job = next(iter(_workflow()["jobs"].values()))
    assert job["permissions"]["security-events"] == "write"

    artifacts = _uses("actions/upload-artifact@")
    paths = {p.strip().rstrip("/") for a in artifacts for p in a["with"]["path"].splitlines()}
    assert {"reports/compliance", "reports/junit.xml", gate_dir} <= paths
    assert "--junitxml=reports/junit.xml" in script
    assert "--out reports/compliance" in script
    assert all(a["if"].startswith("always()") for a in artifacts), "keep results of failed runs"


# ---------------------------------------------------------------------------------------------
# pre-commit and the lock check
# ---------------------------------------------------------------------------------------------


def _hooks() -> dict[str, dict[str, Any]]:
    config = yaml.safe_load(PRE_COMMIT.read_text())
    assert all(repo["repo"] == "local" for repo in config["repos"]), "hooks use the .venv tools"
    return {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}


def test_pre_commit_config_is_valid() -> None:
    result = subprocess.run(
        [str(PROJECT_ROOT / ".venv" / "bin" / "pre-commit"), "validate-config", str(PRE_COMMIT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_pre_commit_runs_the_pinned_ruff_and_mypy_and_the_lock_check() -> None:
    hooks = _hooks()
    assert hooks["ruff-check"]["entry"].startswith(".venv/bin/ruff check")
    assert hooks["ruff-format"]["entry"].startswith(".venv/bin/ruff format")
    assert hooks["mypy"]["entry"] == ".venv/bin/mypy" and hooks["mypy"]["pass_filenames"] is False
    assert hooks["pipfile-lock"]["entry"] == "scripts/check-lock.sh"
    assert re.search(hooks["pipfile-lock"]["files"], "Pipfile")
    assert re.search(hooks["pipfile-lock"]["files"], "Pipfile.lock")


@pytest.mark.parametrize("tool", ["ruff", "mypy"])
def test_the_venv_tools_are_the_versions_pipfile_pins(tool: str) -> None:
    pipfile = tomllib.loads((PROJECT_ROOT / "Pipfile").read_text())
    pinned = pipfile["dev-packages"][tool]
    assert pinned.startswith("=="), f"{tool} must be pinned exactly"
    out = subprocess.run(
        [str(PROJECT_ROOT / ".venv" / "bin" / tool), "--version"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"{tool} {pinned[2:]}" in out


def test_configuration_docs_hook_passes_on_the_tree() -> None:
    entry = _hooks()["configuration-docs"]["entry"]
    result = subprocess.run(
        shlex.split(entry), cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _check_lock(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(CHECK_LOCK), str(project)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    for name in ("Pipfile", "Pipfile.lock"):
        shutil.copy(PROJECT_ROOT / name, tmp_path / name)
    return tmp_path


def test_lock_check_passes_on_the_repository() -> None:
    result = _check_lock(PROJECT_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_lock_check_ignores_comments_but_catches_a_changed_pin(project_copy: Path) -> None:
    pipfile = project_copy / "Pipfile"
    pipfile.write_text(pipfile.read_text() + "\n# a comment changes nothing\n")
    assert _check_lock(project_copy).returncode == 0

    text = pipfile.read_text()
    changed = re.sub(r'^pyyaml = "==[^"]+"', 'pyyaml = "==6.0.1"', text, flags=re.M)
    assert changed != text
    pipfile.write_text(changed)
    result = _check_lock(project_copy)
    assert result.returncode == 1
    assert "Pipfile.lock does not match Pipfile" in result.stderr


def test_lock_check_catches_a_new_package(project_copy: Path) -> None:
    pipfile = project_copy / "Pipfile"
    pipfile.write_text(
        pipfile.read_text().replace("[dev-packages]\n", '[dev-packages]\nrich = "*"\n')
    )
    assert _check_lock(project_copy).returncode == 1


def test_the_workflow_mirrors_the_provider_version_the_stack_pins(stack: StackView) -> None:
    """Issue 20: where the registry is reachable the rehearsal runs the pinned provider."""
    pinned = stack.data["terraform"]["required_providers"]["aws"]["version"]
    (mirror,) = [
        s
        for s in next(iter(_workflow()["jobs"].values()))["steps"]
        if "mirror" in str(s.get("name", "")).lower()
    ]
    assert f'version = "{pinned}"' in mirror["run"].replace('\\"', '"')
    assert "providers mirror /github/home/.terraform.d/plugins" in mirror["run"]
    script = (PROJECT_ROOT / "scripts" / "test.sh").read_text()
    assert "bash scripts/rehearse.sh" in script
