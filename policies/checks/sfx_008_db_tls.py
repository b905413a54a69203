"""CKV_SFX_8: databases refuse unencrypted connections (their parameter group forces TLS).

The setting lives in the parameter group the database references, so the check follows the
reference in the scanned file. A default (AWS-owned) group does not force TLS on Aurora.
"""

from __future__ import annotations

from typing import Any

from core.resource_facts import FORCE_TLS_PARAMETERS, select
from policies import hcl
from policies.checkbase import CheckCategories, CheckResult, StackResourceCheck
from policies.stackfile import StackFile

# (database type) -> where it names its parameter group, and the group's type; engine family
# prefix -> (parameter, value that forces TLS): one table with the Aspect twin SFX-TLS-04.
GROUP_OF = select(lambda row: row.parameter_group)
TLS_PARAMETER = FORCE_TLS_PARAMETERS


class DatabaseTlsEnforced(StackResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            "CKV_SFX_8",
            "Ensure databases enforce TLS through their parameter group",
            CheckCategories.ENCRYPTION,
            sorted(GROUP_OF),
        )

    def evaluate_in_stack(
        self, conf: dict[str, Any], stack: StackFile, rtype: str, name: str, body: dict[str, Any]
    ) -> CheckResult:
        attribute, group_type = GROUP_OF[rtype].attr, GROUP_OF[rtype].group_type
        group_ref = hcl.value(conf, attribute)
        if not group_ref:
            return self.fail(f"{attribute} is not set: the default group does not force TLS")
        group_names = [n for t, n in hcl.references(group_ref) if t == group_type]
        group = stack.resource(group_type, group_names[0]) if group_names else None
        if group is None:
            if isinstance(group_ref, str) and group_ref.startswith("default."):
                return self.fail(f"{attribute}={group_ref}: default groups do not force TLS")
            return self.unknown(f"{attribute}={group_ref} is not a parameter group of this stack")
        engine = str(hcl.value(conf, "engine") or group.get("family") or "")
        wanted = next((v for k, v in TLS_PARAMETER.items() if engine.startswith(k)), None)
        if wanted is None:
            return self.unknown(f"engine {engine!r} has no known TLS parameter")
        parameters = group.get("parameter") or []
        settings = {
            str(p.get("name")): str(p.get("value")) for p in parameters if isinstance(p, dict)
        }
        if settings.get(wanted[0]) != wanted[1]:
            return self.fail(f"{group_type}.{group_names[0]} does not set {wanted[0]}={wanted[1]}")
        return CheckResult.PASSED


check = DatabaseTlsEnforced()
