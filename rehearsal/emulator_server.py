"""The emulator process: moto server on loopback with the rehearsal's shims applied.

``python -m rehearsal.emulator_server --port N`` (started and stopped by ``rehearsal.emulator``).
"""

from __future__ import annotations

import argparse
import os

from rehearsal.shims import apply_all


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m rehearsal.emulator_server")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cert", required=True, help="PEM certificate for TLS")
    parser.add_argument("--key", required=True, help="PEM private key for TLS")
    args = parser.parse_args()
    # AWS managed policies (AmazonRDSEnhancedMonitoringRole, AWSBackupServiceRolePolicyForBackup)
    # exist only when moto loads them; without it their attachments fail with NoSuchEntity.
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    apply_all()
    from moto.server import main as moto_main

    moto_main(["-H", "127.0.0.1", "-p", str(args.port), "-c", args.cert, "-k", args.key])


if __name__ == "__main__":
    main()
