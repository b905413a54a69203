"""Full-stack synth vs the plain-import floor (issue 15: target full synth <= 0.5x the floor).

The floor is what any synth paid before lib/provider_import.py: import the AWS provider normally
(its ``__init__`` loads all 2,212 submodules), synthesize a stack holding only the provider, exit.
"full" is our real synth (``main.py``, which registers the provider without that ``__init__``).
"full-plain" (``--with-plain``) is main.py after a normal provider import: the before-figure.
Variants run alternately, each in a fresh process (module state is per process), so machine load
drifts evenly over them. Per run: wall time, CPU (user+sys) and peak RSS summed over the process
tree, including the jsii node child, sampled every 20 ms with psutil.

Usage: .venv/bin/python bench/synth_import.py [--rounds 5] [--with-plain]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(ROOT / ".venv" / "bin" / "python")

_FLOOR = """
import os, sys
import cdktf_cdktf_provider_aws
from cdktf import App, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider
app = App(outdir=sys.argv[1])
stack = TerraformStack(app, "floor")
AwsProvider(stack, "aws", region="eu-central-1")
app.synth()
sys.stdout.flush()
os._exit(0)
"""

_FULL_PLAIN = """
import os, sys
import cdktf_cdktf_provider_aws
import main
code = main.main()
sys.stdout.flush()
os._exit(code)
"""

VARIANTS: dict[str, Sequence[str]] = {
    "floor": (PYTHON, "-c", _FLOOR),
    "full": (PYTHON, "main.py"),
    "full-plain": (PYTHON, "-c", _FULL_PLAIN),
}


@dataclass(frozen=True)
class Run:
    """One measured process tree."""

    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    peak_python_rss_mb: float


def _tree(root: psutil.Process) -> list[psutil.Process]:
    try:
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def measure(argv: Sequence[str], outdir: Path) -> Run:
    """Run ``argv`` to completion, sampling the RSS and CPU of its whole process tree."""
    env = {
        **os.environ,
        "ENVIRONMENT_SUFFIX": "bench",
        "CDKTF_OUTDIR": str(outdir),
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        "CHECKPOINT_DISABLE": "1",
    }
    start = time.perf_counter()
    proc = subprocess.Popen(
        [*argv, str(outdir)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    root = psutil.Process(proc.pid)
    cpu: dict[int, float] = {}
    peak = peak_python = 0
    while proc.poll() is None:
        total = 0
        for p in _tree(root):
            try:
                rss = p.memory_info().rss
                times = p.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += rss
            cpu[p.pid] = times.user + times.system
            if p.pid == proc.pid:
                peak_python = max(peak_python, rss)
        peak = max(peak, total)
        time.sleep(0.02)
    wall = time.perf_counter() - start
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"{argv[:2]} failed ({proc.returncode}):\n{stderr}")
    return Run(wall, sum(cpu.values()), peak / 2**20, peak_python / 2**20)


def _row(name: str, runs: list[Run]) -> str:
    return (
        f"{name:<11} wall median {statistics.median(r.wall_s for r in runs):6.2f} s"
        f"  cpu median {statistics.median(r.cpu_s for r in runs):6.2f} s"
        f"  peak RSS tree {max(r.peak_rss_mb for r in runs):5.0f} MB"
        f" (python {max(r.peak_python_rss_mb for r in runs):4.0f} MB)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--with-plain", action="store_true", help="also time full-plain")
    args = parser.parse_args(argv)
    names = ["floor", "full"] + (["full-plain"] if args.with_plain else [])
    runs: dict[str, list[Run]] = {n: [] for n in names}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.rounds):
            for name in names if i % 2 == 0 else names[::-1]:
                runs[name].append(measure(VARIANTS[name], Path(tmp) / f"{name}-{i}"))
                print(f"round {i + 1} {name}: {runs[name][-1].wall_s:.2f} s", file=sys.stderr)
    for name in names:
        print(_row(name, runs[name]))
    for metric in ("wall_s", "cpu_s"):
        ratio = statistics.median(getattr(r, metric) for r in runs["full"]) / statistics.median(
            getattr(r, metric) for r in runs["floor"]
        )
        print(f"full / floor ({metric[:-2]} medians): {ratio:.2f}x  (target <= 0.50x)")
    for metric in ("peak_rss_mb", "peak_python_rss_mb"):
        ratio = max(getattr(r, metric) for r in runs["full"]) / max(
            getattr(r, metric) for r in runs["floor"]
        )
        print(f"full / floor ({metric.removesuffix('_mb').replace('_', ' ')}): {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
