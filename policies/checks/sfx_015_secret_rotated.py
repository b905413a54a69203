"""CKV_SFX_15: every secret of the stack has a rotation, including the RDS-managed master secret.

The rotation is a separate resource that references the secret, so the check looks for it in the
scanned file. A cluster with a literal ``master_password`` fails: the password would sit in state.
"""

from __future__ import annotations

from typing import Any

from policies import hcl
from policies.checkbase import CheckCategories, CheckResult, StackResourceCheck
from policies.stackfile import StackFile

ROTATION = "aws_secretsmanager_secret_rotation"


class SecretRotated(StackResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            "CKV_SFX_15",
            "Ensure every secret has a rotation schedule",
            CheckCategories.SECRETS,
            ["aws_secretsmanager_secret", "aws_rds_cluster"],
        )

    def evaluate_in_stack(
        self, conf: dict[str, Any], stack: StackFile, rtype: str, name: str, body: dict[str, Any]
    ) -> CheckResult:
        if rtype == "aws_rds_cluster":
            if hcl.value(conf, "master_password") is not None:
                return self.fail("master_password is set: use manage_master_user_password")
            if hcl.as_bool(hcl.value(conf, "manage_master_user_password")) is not True:
                return self.unknown("no master secret managed by this cluster")
        rotations = [
            r
            for r in stack.referrers(rtype, name, of_type=ROTATION)
            if _rotates(r.get("secret_id"), rtype, name)
        ]
        if not rotations:
            return self.fail(f"no {ROTATION} references this secret")
        return CheckResult.PASSED


def _rotates(secret_id: Any, rtype: str, name: str) -> bool:
    text = str(secret_id)
    if rtype == "aws_rds_cluster":
        return f"{rtype}.{name}.master_user_secret" in text
    return (rtype, name) in hcl.references(text)


check = SecretRotated()
