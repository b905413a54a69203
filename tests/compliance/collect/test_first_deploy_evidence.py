"""Issue 22 deploy gap: scripts/first_deploy.sh builds and pushes the scheduled collector's image
and publishes the deployed design to the evidence store, idempotently on a rerun.

The script runs for real in a copy of the repository layout. ``npx``, ``docker`` and ``aws`` are
recording stand-ins on PATH (there is no local server for the Docker daemon, ECR or ECS); the
evidence store is moto server (``AWS_ENDPOINT_URL``), which publish_design reaches through boto3
exactly as on AWS. Nothing calls AWS.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import boto3
import pytest

from compliance.collect import publish_design as publish_module
from compliance.registry import PROJECT_ROOT
from core.evidence_layout import CURRENT_DESIGN_KEY, design_key
from lib.collector_image import source_tag

from .conftest import MotoEndpoint
from .test_scheduled_store import _worm_bucket

pytestmark = pytest.mark.synth

SCRIPT = PROJECT_ROOT / "scripts" / "first_deploy.sh"
ACCOUNT = "123456789012"  # moto's account
REGION = "eu-central-1"
REPO = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/streamflix-test"

# Recording stand-ins: each appends its argv to calls.log; ``docker push`` records the tag as
# present in the repository, which ``aws ecr describe-images`` then finds (as ECR would).
STUB = """#!/usr/bin/env bash
echo "$(basename "$0") $*" >> "$STATE/calls.log"
case "$(basename "$0") $1 $2" in
  "npx cdktf deploy") cp "$STATE/outputs.json" outputs.json ;;
  "docker push "*) echo "${2##*:}" >> "$STATE/pushed" ;;
  "docker login "*) cat > /dev/null ;;  # reads the password from the pipe, as docker does
  "aws ecr describe-images")
    tag="$(printf '%s\\n' "$@" | sed -n 's/^imageTag=//p')"
    grep -qx "$tag" "$STATE/pushed" 2>/dev/null || exit 254 ;;
  "aws ecr get-login-password") echo password ;;
  "aws ecs run-task") echo arn:aws:ecs:task/1 ;;
  "aws ecs describe-tasks") echo 0 ;;
  "aws ecs describe-services") echo 1 ;;
esac
exit 0
"""


def _repository(tmp_path: Path, synth_dir: Path) -> Path:
    """The script's view of the repository: the real code, a synthesized stack, no outputs."""
    root = tmp_path / "repo"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(SCRIPT, root / "scripts" / SCRIPT.name)
    # every Python package of the repository (a fixed list missed core/ when it was added) and
    # the environment; not the scripts, outputs or state the test controls
    packages = [p.name for p in PROJECT_ROOT.iterdir() if (p / "__init__.py").is_file()]
    for name in (".venv", "worker", *packages):
        (root / name).symlink_to(PROJECT_ROOT / name)
    shutil.copytree(synth_dir, root / "cdktf.out" / "stacks" / synth_dir.name)
    return root


def _stubs(tmp_path: Path, stack: str) -> Path:
    state = tmp_path / "state"
    bin_dir = state / "bin"
    bin_dir.mkdir(parents=True)
    for name in ("npx", "docker", "aws"):
        (bin_dir / name).write_text(STUB)
        (bin_dir / name).chmod((bin_dir / name).stat().st_mode | stat.S_IEXEC)
    outputs = {
        "ecr_repository_url": REPO,
        "ecs_cluster_name": "cluster",
        "ecs_service_name": "service",
        "migrate_task_definition_family": "migrate",
        "private_subnet_ids": ["subnet-a", "subnet-b"],
        "workers_security_group_id": "sg-1",
    }
    (state / "outputs.json").write_text(json.dumps({stack: outputs}))
    return state


def _run(
    root: Path, state: Path, suffix: str, moto: MotoEndpoint
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PATH": f"{state / 'bin'}:{os.environ['PATH']}",
        "STATE": str(state),
        "ENVIRONMENT_SUFFIX": suffix,
        "AWS_ENDPOINT_URL": moto.endpoint,  # boto3 (publish_design) talks to moto server
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }
    return subprocess.run(
        ["bash", str(root / "scripts" / SCRIPT.name)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_first_deploy_pushes_the_collector_image_and_publishes_the_design_once(
    synth_dir: Path, moto_server: MotoEndpoint, tmp_path: Path
) -> None:
    moto_server.reset()
    suffix = synth_dir.name.removeprefix("streamflix-")
    s3 = boto3.client(
        "s3",
        endpoint_url=moto_server.endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    bucket = publish_module.evidence_bucket(synth_dir, ACCOUNT)
    assert bucket == f"streamflix-evidence-{ACCOUNT}-{suffix}"
    _worm_bucket(s3, bucket, REGION)
    root, state = _repository(tmp_path, synth_dir), _stubs(tmp_path, synth_dir.name)

    first = _run(root, state, suffix, moto_server)
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-2000:]
    calls = (state / "calls.log").read_text().splitlines()
    collector = f"{REPO}:{source_tag()}"
    builds = [c for c in calls if c.startswith("docker build")]
    assert (
        f"docker build --platform linux/amd64 -f compliance/collect/Dockerfile -t {collector} ."
        in builds
    )
    assert f"docker push {collector}" in calls
    # the collector image is pushed before the workers go on (stage 3), the design after it
    deploys = [i for i, c in enumerate(calls) if c.startswith("npx cdktf deploy")]
    assert deploys[0] < calls.index(f"docker push {collector}") < deploys[1]
    pointer = json.loads(s3.get_object(Bucket=bucket, Key=CURRENT_DESIGN_KEY)["Body"].read())
    body = (synth_dir / "cdk.tf.json").read_bytes()
    stored = s3.get_object(Bucket=bucket, Key=design_key(pointer["sha256"]))["Body"].read()
    assert stored == body and pointer["stack_name"] == synth_dir.name
    assert "published to " + bucket in first.stdout

    # a rerun (after a failure, or by habit) pushes nothing again and writes no new pointer
    again = _run(root, state, suffix, moto_server)
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
    rerun = (state / "calls.log").read_text().splitlines()[len(calls) :]
    assert not [c for c in rerun if re.match(r"docker (build|push)", c)], rerun
    assert "already the one in force" in again.stdout
    versions = s3.list_object_versions(Bucket=bucket, Prefix=CURRENT_DESIGN_KEY)["Versions"]
    assert len(versions) == 1


def test_publish_design_names_the_bucket_or_refuses_a_stack_without_one(tmp_path: Path) -> None:
    stack = tmp_path / "streamflix-x"
    stack.mkdir()
    (stack / "cdk.tf.json").write_text(json.dumps({"resource": {}}))
    with pytest.raises(publish_module.StoreError, match="EVIDENCE_BUCKET"):
        publish_module.evidence_bucket(stack, ACCOUNT)


def test_the_deploy_docs_name_the_steps_the_script_runs() -> None:
    script = SCRIPT.read_text()
    for step in ("compliance.collect.publish_design", "lib.collector_image"):
        assert step in script, step
        for doc in ("docs/deploying.md", "docs/operating-evidence.md"):
            assert step in (PROJECT_ROOT / doc).read_text(), (doc, step)
    assert "scripts/first_deploy.sh" in (PROJECT_ROOT / "docs/operating-evidence.md").read_text()
