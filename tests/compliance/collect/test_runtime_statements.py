"""Each runtime control states only what its collector checks prove (issue 21 item 8).

A claim word in a statement (digest, restore, tested, acknowledged, handled, every region, ...)
must appear in what one of the control's checks proves (``compliance/collect/checks.py``);
a sentence that says what is *not* evidenced is a disclaimer and may name anything. The
statements of today's main (issue 21) fail it: OPS-01 "without gaps", OPS-02 "tested", OPS-03
"handled", OPS-04 "over the period", OPS-05 "acknowledged", OPS-06 "all regions", OPS-07
"the account's regions"."""

from __future__ import annotations

import re

import pytest

from compliance.catalog import Control, ControlKind, load_catalog
from compliance.collect.checks import ALL_CHECKS

# Claims auditors read as strong; each needs a check that proves it (stems, case-insensitive).
CLAIMS = (
    "digest",
    "validat",
    "signature",
    "restor",
    "tested",
    "acknowledg",
    "handled",
    "every region",
    "all regions",
    "regions",
    "over the period",
    "without gaps",
    "delivered",
    "succeeded",
)
# A sentence saying what is NOT evidenced ("... is not evidenced here", "does not verify").
DISCLAIMER = re.compile(
    r"\bnot (evidenced|checked|covered)\b|\bdoes not verify\b|^no\b.*\bevidenced\b", re.I
)
RUNTIME = [c for c in load_catalog().controls if c.kind is ControlKind.RUNTIME]


def _proves(control: Control) -> str:
    return " ".join(c.proves for c in ALL_CHECKS if control.id in c.controls).lower()


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=\.)\s+", text.strip()) if s]


@pytest.mark.parametrize("control", RUNTIME, ids=lambda c: c.id)
def test_runtime_statement_claims_only_what_its_checks_prove(control: Control) -> None:
    proves = _proves(control)
    assert proves, f"{control.id}: no collector check proves this runtime control"
    for sentence in _sentences(control.statement):
        if DISCLAIMER.search(sentence):
            continue
        for claim in CLAIMS:
            if claim in sentence.lower():
                assert claim in proves, (
                    f"{control.id}: statement claims {claim!r} ({sentence!r}), but its checks "
                    f"prove only: {proves}"
                )
    for claim in CLAIMS:  # the title is read first: no claim there either
        if claim in control.title.lower():
            assert claim in proves, f"{control.id}: title claims {claim!r}"


def test_the_rule_catches_an_overclaim() -> None:
    """The old OPS-05 statement (alarms acknowledged and handled) would fail."""
    old = "Alarm notifications were delivered to subscribed responders and each was acknowledged."
    ops05 = next(c for c in RUNTIME if c.id == "SFX-CTL-OPS-05")
    assert "acknowledg" in old.lower() and "acknowledg" not in _proves(ops05)
