"""A violation stops synthesis: SynthesisError names the rule and resource, and no stack JSON is
left behind (not even a stale one). ``main.py`` exits non-zero (one subprocess)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup

from lib.app import SynthesisError, build_app, stack_dir, synth_built
from lib.config import load_config
from tests.conftest import PROJECT_ROOT

CONFIG = load_config({"ENVIRONMENT_SUFFIX": "qa2"})


def test_violation_in_the_real_stack_refuses_synthesis(tmp_path: Path) -> None:
    stale = stack_dir(CONFIG, tmp_path)
    stale.mkdir(parents=True)
    (stale / "cdk.tf.json").write_text("{}")  # an earlier run's output must not survive
    built = build_app(CONFIG, tmp_path)
    CloudwatchLogGroup(
        built.stack,
        "rogue_logs",
        name="rogue",
        retention_in_days=30,
        kms_key_id=built.stack.keys.logs.arn,
    )
    with pytest.raises(SynthesisError) as err:
        synth_built(built, CONFIG, tmp_path)
    message = str(err.value)
    assert (
        "streamflix-qa2/rogue_logs: [SFX-LOG-01] aws_cloudwatch_log_group.rogue_logs: "
        "retention_in_days is 30; set it to 90" in message
    )
    assert not list(tmp_path.rglob("cdk.tf.json"))
    assert not list(tmp_path.rglob("aspect-results.json"))


_INJECT = """
import sys
from lib.provider_import import use_provider_shortcut

use_provider_shortcut()  # as main.py does, before the provider is first imported
import lib.stack
from cdktf_cdktf_provider_aws.kms_key import KmsKey

original = lib.stack.StreamflixStack.__init__

def with_violation(self, *args, **kwargs):
    original(self, *args, **kwargs)
    KmsKey(self, "rogue_key", enable_key_rotation=True, deletion_window_in_days=30)

lib.stack.StreamflixStack.__init__ = with_violation
import main
sys.exit(main.main())
"""


@pytest.mark.synth
def test_main_exits_non_zero_and_writes_no_stack(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "ENVIRONMENT_SUFFIX": "qa1",
        "CDKTF_OUTDIR": str(tmp_path),
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        "CHECKPOINT_DISABLE": "1",
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    proc = subprocess.run(
        [sys.executable, "-c", _INJECT],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 1
    assert "synthesis refused, nothing written" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert "[SFX-DESTROY-04] aws_kms_key.rogue_key" in proc.stderr
    assert not list(tmp_path.rglob("cdk.tf.json"))
