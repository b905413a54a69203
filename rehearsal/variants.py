"""Synthesize the change-safety variants in one process (the provider import is paid once).

``python -m rehearsal.variants --root DIR`` synthesizes, for each group of ``lib.live_changes``,
the current environment's configuration with that group's knob values into
``DIR/<group>/cdktf.out/stacks/<stack>/`` and prints one JSON line per group. A group whose values
the configuration refuses fails the run, naming the group and the knob.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from lib.config import ConfigError, load_config
from lib.live_changes import rehearsal_groups
from lib.provider_import import use_provider_shortcut


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m rehearsal.variants")
    parser.add_argument("--root", type=Path, required=True)
    args = parser.parse_args()
    groups = rehearsal_groups()
    configs = {}
    for name, values in groups.items():
        try:
            configs[name] = load_config({**os.environ, **values})
        except ConfigError as err:
            print(f"error: change-safety group {name!r} is not a valid configuration: {err}")
            return 2
    use_provider_shortcut()
    from lib.app import synthesize

    for name, config in configs.items():
        outdir = args.root / name / "cdktf.out"
        outdir.mkdir(parents=True, exist_ok=True)
        stack_dir = synthesize(config, outdir)
        print(json.dumps({"group": name, "stack_dir": str(stack_dir), "knobs": groups[name]}))
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # skip the jsii teardown (~3.5 s), as main.py does
