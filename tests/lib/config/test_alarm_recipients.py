"""Issue 12 item 3: alarm recipients and the environment tier (lib/config/alarms.py), and the
warnings main.py prints before synthesis."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from lib.config import StackConfig, config_warnings, load_config
from tests.conftest import PROJECT_ROOT

ONCALL_TOPIC = "arn:aws:sns:eu-west-1:123456789012:oncall-pager"


@pytest.mark.parametrize(
    "recipient",
    [
        {"STREAMFLIX_ALARM_EMAILS": "ops@example.com"},
        {"STREAMFLIX_ALARM_HTTPS_ENDPOINTS": "https://hooks.example.com:8443/sns?team=media"},
        {"STREAMFLIX_ALARM_TOPIC_ARN": ONCALL_TOPIC},
    ],
)
def test_production_is_accepted_with_any_one_recipient(recipient: dict[str, str]) -> None:
    cfg = load_config({"STREAMFLIX_ENVIRONMENT_TIER": "Production", **recipient})
    assert cfg.environment_tier == "production"
    assert cfg.alarms.has_recipient
    assert not [w for w in config_warnings(cfg) if "alerts" in w]


def test_recipient_knobs_parse_into_the_alarm_config() -> None:
    cfg = load_config(
        {
            "STREAMFLIX_ALARM_HTTPS_ENDPOINTS": "https://a.example.com/x, https://b.example.org",
            "STREAMFLIX_ALARM_TOPIC_ARN": ONCALL_TOPIC,
        }
    )
    assert cfg.alarms.https_endpoints == ("https://a.example.com/x", "https://b.example.org")
    assert cfg.alarms.topic_arn == ONCALL_TOPIC
    assert StackConfig().environment_tier == "development"


@pytest.mark.parametrize("tier", ["development", "staging"])
def test_other_tiers_without_recipients_are_accepted_with_a_warning(tier: str) -> None:
    cfg = load_config({"STREAMFLIX_ENVIRONMENT_TIER": tier})
    (warning,) = [w for w in config_warnings(cfg) if "alerts" in w]
    assert "alerts reach no one" in warning
    assert "STREAMFLIX_ALARM_EMAILS" in warning and "STREAMFLIX_ALARM_TOPIC_ARN" in warning


def _run_main(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """main.py in a child that must fail before importing cdktf (an import hook stops it if it
    does). A hook, not a stub module in sys.modules: pydantic's attribute-docstring extraction
    (inspect.getmodule) probes every loaded module's ``__file__``, which would trip a stub."""
    probe = (
        "import sys\n"
        "class Refuse:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'cdktf' or name.startswith('cdktf.'):\n"
        "            raise SystemExit('cdktf was imported')\n"
        "        return None\n"
        "sys.meta_path.insert(0, Refuse())\n"
        "import main\n"
        "code = main.main()\n"
        "sys.exit(code)\n"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("STREAMFLIX_")}
    return subprocess.run(
        [sys.executable, "-c", probe],
        cwd=PROJECT_ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_without_recipients_is_refused_before_any_cdktf_import() -> None:
    result = _run_main({"STREAMFLIX_ENVIRONMENT_TIER": "production"})
    assert result.returncode == 2, result.stderr
    assert "STREAMFLIX_ENVIRONMENT_TIER='production'" in result.stderr
    assert "STREAMFLIX_ALARM_HTTPS_ENDPOINTS" in result.stderr
    assert "cdktf was imported" not in result.stderr


def test_main_warns_on_stderr_before_building_when_alerts_reach_no_one() -> None:
    """The child stops at the first cdktf import (stub): the warning must already be out."""
    result = _run_main({"STREAMFLIX_ENVIRONMENT_TIER": "staging"})
    assert "warning: alerts reach no one" in result.stderr
    assert result.stderr.index("warning: alerts reach no one") < result.stderr.index(
        "cdktf was imported"
    )
    quiet = _run_main({"STREAMFLIX_ALARM_EMAILS": "ops@example.com"})
    assert "alerts reach no one" not in quiet.stderr


def test_an_unpublished_worker_image_is_said_before_synthesis() -> None:
    """Issue 20 item 4: the default runs no task; the engineer is told how to turn workers on."""
    (note,) = [w for w in config_warnings(load_config({})) if "runs no task" in w]
    assert "STREAMFLIX_WORKER_IMAGE_PUBLISHED" in note
    published = load_config({"STREAMFLIX_WORKER_IMAGE_PUBLISHED": "true"})
    assert not [w for w in config_warnings(published) if "runs no task" in w]
