"""The image definition keeps the contract: non-root, entrypoint, defaults, pinned deps."""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

from streamflix_worker.config import DEFAULT_SSLROOTCERT

WORKER = Path(__file__).resolve().parents[2] / "worker"
DOCKERFILE = (WORKER / "Dockerfile").read_text()


def test_runs_as_non_root_with_the_module_entrypoint() -> None:
    assert "USER 10001:10001" in DOCKERFILE
    assert 'ENTRYPOINT ["python", "-m", "streamflix_worker"]' in DOCKERFILE
    assert 'CMD ["run"]' in DOCKERFILE
    assert re.search(r"^FROM .*python:3\.11-slim", DOCKERFILE, re.M)


def test_env_defaults_match_the_code() -> None:
    assert f"DB_SSLROOTCERT={DEFAULT_SSLROOTCERT}" in DOCKERFILE
    assert "/opt/streamflix/certs/rds-global-bundle.pem" in DOCKERFILE
    for setting in (
        "DB_SSLMODE=verify-full",
        "SCRATCH_DIR=/scratch",
        "TMPDIR=/scratch",
        "METRICS_NAMESPACE=StreamFlix/Worker",
    ):
        assert setting in DOCKERFILE


def test_requirements_are_pinned_to_the_tested_versions() -> None:
    lines = [
        line.strip()
        for line in (WORKER / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for line in lines:
        name, _, pinned = line.partition("==")
        assert pinned, f"{line} is not pinned"
        assert version(name.split("[")[0]) == pinned, f"{name}: venv has {version(name)}"
