"""Teardown of the stand-ins is clean: one PostgreSQL stop, data removed, no error printed.

Issue 16 item 11: the demo and the benchmark used to end with pgserver's "Failed postgres
command ... PID file does not exist ... Failed to stop server, killing it instead" block,
because the server was stopped twice.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
from streamflix_devtools.standins import Postgres

REPO = Path(__file__).resolve().parents[2]
ERROR_MARKERS = ("Failed", "Traceback", "ERROR", "killing it instead", "Error")

pytestmark = pytest.mark.services


def _assert_gone(pid: int, pgdata: Path) -> None:
    if psutil.pid_exists(pid):  # nothing here reaps orphans: a zombie is a stopped server
        assert psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert not pgdata.exists()


def test_postgres_stops_once_after_restart(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "pg"
    root.mkdir()
    root.chmod(0o755)
    tmp_path.chmod(0o755)
    postgres = Postgres(root)
    postgres.restart()
    pid = int((postgres.pgdata / "postmaster.pid").read_text().split()[0])
    assert postgres.superuser("SELECT 1") == [(1,)]
    with caplog.at_level(logging.INFO, logger="pgserver"):
        postgres.stop()
        postgres.stop()  # idempotent (also registered with atexit)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    _assert_gone(pid, postgres.pgdata)


def test_demo_output_is_clean_and_complete() -> None:
    paths = (REPO / "worker" / "src", REPO / "worker" / "devtools")
    env = os.environ | {"PYTHONPATH": os.pathsep.join(map(str, paths))}
    env.pop("DEMO_KEEP_LOGS", None)
    result = subprocess.run(
        [sys.executable, "-m", "streamflix_devtools.demo", "--jobs", "4"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=240,
        check=False,
    )
    out = result.stdout
    assert result.returncode == 0, out
    for marker in ERROR_MARKERS:
        assert marker not in out, f"{marker!r} in demo output:\n{out}"
    table = re.findall(r"^(Demo video \d+|Poison upload)\s+(COMPLETED|FAILED)\b", out, re.M)
    assert sorted(table) == [
        *(("Demo video " + str(i), "COMPLETED") for i in range(1, 5)),
        ("Poison upload", "FAILED"),
    ], out
    assert "dead-letter queue: 2 message(s)" in out
    assert "workers exited with [0, 0] after SIGTERM" in out
    root = re.search(r"logs in (\S+)/worker-\*\.log", out)
    assert root is not None, out
    assert not Path(root.group(1)).exists(), "the stand-ins' directory was not removed"
