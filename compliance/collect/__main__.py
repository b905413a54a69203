"""``python -m compliance.collect --stack-dir D --out DIR``: collect operating evidence, read-only.

Exit codes: 0 evidence written and every item satisfied; 1 written with items not satisfied or in
error; 2 bad input (stack folder, --validity) or the account cannot be read (no credentials,
unreachable endpoint): nothing is written then.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from compliance.collect.context import CALL_ERRORS
from compliance.collect.design import DesignError, read_design
from compliance.collect.model import ItemStatus, RuntimeEvidence, iso
from compliance.collect.run import Target, ValidityError, collect, parse_validity, write_evidence
from core.attest import SignerError
from core.attest.engine import sign_output
from core.binding import bind
from core.stackfile import StackFileError


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m compliance.collect", description=__doc__.split("\n\n")[0]
    )
    p.add_argument(
        "--stack-dir",
        type=Path,
        required=True,
        help="the synthesized cdktf.out/stacks/streamflix-<suffix> folder",
    )
    p.add_argument("--out", type=Path, required=True, help="folder for runtime-evidence.json")
    p.add_argument("--region", default=None, help="default: the stack's provider region")
    p.add_argument(
        "--endpoint-url",
        default=None,
        help="a local stand-in (moto server); evidence is then labelled simulated",
    )
    p.add_argument(
        "--validity",
        action="append",
        default=[],
        metavar="CHECK=HOURS",
        help="override a check's validity period (repeatable)",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=None,
        help="sampling seed (default: the collection time in epoch seconds)",
    )
    return p.parse_args(argv)


def evidence_predicate(evidence: RuntimeEvidence) -> dict[str, object]:
    """Signed facts about the collection: where, as whom, and whether it was a simulation."""
    return {
        "account": evidence.account_id,
        "region": evidence.region,
        "caller_arn": evidence.caller_arn,
        "endpoint_url": evidence.endpoint,
        "simulated": evidence.simulated,
        "collected_at": iso(evidence.collected_at),
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    try:
        design = read_design(args.stack_dir)
        validity = parse_validity(args.validity)
    except (DesignError, StackFileError, ValidityError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    target = Target.default(args.region or design.region, args.endpoint_url)
    binding = bind(args.stack_dir)
    try:
        evidence = collect(design, target, validity, seed=args.seed, binding=binding)
    except CALL_ERRORS as err:  # sts:GetCallerIdentity: no credentials, or no such endpoint
        print(f"error: cannot read the account (sts:GetCallerIdentity): {err}", file=sys.stderr)
        return 2
    path = write_evidence(evidence, args.out)
    try:  # <file>.dsse.json beside it, signed by SFX_EVIDENCE_KMS_KEY or the local key
        predicate = evidence_predicate(evidence)
        sign_output(path, "collector", binding, predicate, kms_client=target.client("kms"))
    except (SignerError, *CALL_ERRORS) as err:
        print(f"error: {path.name} written but not signed: {err}", file=sys.stderr)
        return 2
    counts = Counter(i.status.value for i in evidence.items)
    for row in evidence.to_json()["drift"]:
        print(
            f"drift {row['check_id']} {row['resource_arn']}: designed {row['designed']}, "
            f"deployed {row['deployed']}"
        )
    print(
        f"runtime evidence for account {evidence.account_id} ({evidence.region}) written to "
        f"{path}: {', '.join(f'{n} {s}' for s, n in sorted(counts.items()))}"
    )
    return 0 if set(counts) <= {ItemStatus.SATISFIED.value} else 1


if __name__ == "__main__":
    sys.exit(main())
