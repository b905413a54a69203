"""The id namespaces, written once: aspect rules, Checkov checks and catalog controls.

Aspect rule ids are ``SFX-<FAMILY>-<NN>`` (never ``SFX-CTL-``, the controls' namespace), Checkov
ids ``CKV_<AREA>_<N>`` / ``CKV2_<AREA>_<N>`` (ours are ``CKV_SFX_<N>``), control ids
``SFX-CTL-<AREA>-<NN>``. The aspects, the catalog's models and the exceptions file all validate
against these patterns, so a new id shape is one edit here.
"""

from __future__ import annotations

import re

ASPECT_RULE_ID = r"^SFX-[A-Z0-9]+-\d{2}$"
CHECKOV_ID = r"^CKV2?_[A-Z0-9]+_\d+$"
CONTROL_ID = r"^SFX-CTL-[A-Z]{2,4}-\d{2}$"
CONTROL_PREFIX = "SFX-CTL-"


def unanchored(pattern: str) -> str:
    """A full-match pattern without its ``^``/``$``, to embed in a search pattern."""
    return pattern.removeprefix("^").removesuffix("$")


# Any id of the three namespaces, for finding ids in prose (controls first: the longer match).
ANY_ID = "|".join(unanchored(p) for p in (CONTROL_ID, ASPECT_RULE_ID, CHECKOV_ID))

_ASPECT = re.compile(ASPECT_RULE_ID)
_CHECKOV = re.compile(CHECKOV_ID)
_CONTROL = re.compile(CONTROL_ID)


def is_aspect_rule_id(value: str) -> bool:
    return bool(_ASPECT.match(value)) and not value.startswith(CONTROL_PREFIX)


def is_checkov_id(value: str) -> bool:
    return bool(_CHECKOV.match(value))


def is_rule_id(value: str) -> bool:
    """A rule an exception may waive: an aspect rule or a Checkov check."""
    return is_aspect_rule_id(value) or is_checkov_id(value)


def is_control_id(value: str) -> bool:
    return bool(_CONTROL.match(value))
