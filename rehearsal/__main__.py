"""``python -m rehearsal [--out DIR] [--gate-json F]``: the deploy rehearsal (see rehearsal.run).

Exit codes: 0 every phase passed; 1 a phase failed (rehearsal.json names it); 2 Terraform or the
provider mirror is missing (the message names the variable that points to it).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from rehearsal.run import rehearse


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m rehearsal", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("reports/rehearsal"))
    parser.add_argument(
        "--gate-json",
        type=Path,
        default=None,
        help="the gate's gate.json for this same stack (reused by the report; else it runs)",
    )
    args = parser.parse_args()
    return rehearse(args.out.resolve(), dict(os.environ), args.gate_json)


if __name__ == "__main__":
    sys.exit(main())
