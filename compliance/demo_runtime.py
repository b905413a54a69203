"""``.venv/bin/python -m compliance.demo_runtime [--days N] --out DIR``: the command-line entry
of the local operating-evidence demo, kept at its documented name. The demo itself is
development-only code in ``simulation.demo``; this module is not a collector image input."""

from __future__ import annotations

import os
import sys

from simulation.demo import main, simulate_and_collect

__all__ = ["main", "simulate_and_collect"]

if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # skip the jsii teardown when the stack was synthesized in-process
