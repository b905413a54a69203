"""Issue 25, item 3: CIS 2.1.4's account-level part is an opt-in account baseline, claimed as such.

The stack blocks public access per bucket; the account-level S3 Block Public Access is a separate
setting. It is deployed only with STREAMFLIX_ACCOUNT_S3_BLOCK_PUBLIC_ACCESS=true (it changes every
bucket of the account), and the catalog claims the account part only through the runtime account
baseline SFX-CTL-OPS-11, never as implemented by the per-bucket control.
"""

from __future__ import annotations

import json

import pytest

from compliance.catalog import Catalog, ControlKind, load_catalog
from lib.config import AccountBaselineConfig, ConfigError, StackConfig, load_config
from tests.conftest import StackView

KNOB = "STREAMFLIX_ACCOUNT_S3_BLOCK_PUBLIC_ACCESS"


def test_the_knob_is_off_by_default_and_validated() -> None:
    assert StackConfig().account.s3_block_public_access is False
    assert load_config({KNOB: "true"}).account.s3_block_public_access is True
    with pytest.raises(ConfigError) as err:
        load_config({KNOB: "sometimes"})
    assert KNOB in str(err.value)


def test_the_default_stack_leaves_the_account_setting_alone(stack: StackView) -> None:
    assert stack.of_type("aws_s3_account_public_access_block") == {}


def _synth(on: bool) -> dict[str, dict[str, dict[str, object]]]:
    """In-process synth of the construct alone (the full stack is synthesized once)."""
    from cdktf import App, TerraformStack, Testing

    from lib.constructs.account_baseline import AccountBaseline
    from lib.context import StackContext
    from lib.naming import Namer

    config = StackConfig(
        environment_suffix="qa3", account=AccountBaselineConfig(s3_block_public_access=on)
    )
    scope = TerraformStack(App(), "account-only")
    AccountBaseline(
        scope, "account", StackContext(config=config, namer=Namer("qa3"), account_id="111122223333")
    )
    return dict(json.loads(Testing.synth(scope)).get("resource", {}))


def test_opting_in_sets_all_four_settings_for_the_account() -> None:
    assert _synth(False) == {}
    (block,) = _synth(True)["aws_s3_account_public_access_block"].values()
    assert {k: block[k] for k in block if k != "//"} == {
        "account_id": "111122223333",
        "block_public_acls": True,
        "block_public_policy": True,
        "ignore_public_acls": True,
        "restrict_public_buckets": True,
    }


def test_cis_2_1_4_is_implemented_only_by_the_account_baseline() -> None:
    catalog: Catalog = load_catalog()
    claims = {
        (c.id, r.relationship.value): c
        for c in catalog.controls
        for r in c.requirements
        if r.regulation == "CIS-AWS-3.0" and r.ref == "2.1.4"
    }
    assert set(claims) == {("SFX-CTL-NET-03", "supports"), ("SFX-CTL-OPS-11", "implements")}
    baseline = claims[("SFX-CTL-OPS-11", "implements")]
    assert baseline.kind is ControlKind.RUNTIME and baseline.account_baseline
    assert "per bucket only" in claims[("SFX-CTL-NET-03", "supports")].statement
    assert KNOB in (baseline.notes or "")
