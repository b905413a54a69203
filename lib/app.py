"""Builds the CDKTF app for a config, applies the compliance aspects, and synthesizes it.

Synthesis is all or nothing: any unwaived compliance error (or an invalid exceptions file)
raises ``SynthesisError`` and leaves no ``cdk.tf.json`` for the stack, not even a stale one
from an earlier run. On success the aspects' records are written beside the stack as
``aspect-results.json`` (read by the compliance report), bound to the SHA-256 of the
``cdk.tf.json`` they judged and the commit (``core.binding``).
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from cdktf import App

from core.attest.engine import sign_output
from core.binding import bind
from core.exceptions import ExceptionFileError, ExceptionSet, load_exceptions
from core.results import aspect_file_json
from lib.aspects import AspectRun, apply_compliance_aspects
from lib.config import StackConfig
from lib.stack import StreamflixStack
from lib.state import StateRescueError, rescue_state

RESULTS_FILE = "aspect-results.json"


class SynthesisError(RuntimeError):
    """Synthesis was refused; nothing was written for the stack."""


@dataclass(frozen=True)
class BuiltApp:
    app: App
    stack: StreamflixStack
    aspects: AspectRun


def build_app(
    config: StackConfig, outdir: str | Path = "cdktf.out", exceptions: ExceptionSet | None = None
) -> BuiltApp:
    """The app with the StreamFlix stack and the compliance aspects attached."""
    if exceptions is None:
        try:
            exceptions = load_exceptions()
        except ExceptionFileError as err:
            raise SynthesisError(f"compliance/exceptions.yaml: {err}") from None
    app = App(outdir=str(outdir))
    stack = StreamflixStack(app, config)
    run = apply_compliance_aspects(stack, config, exceptions)
    return BuiltApp(app, stack, run)


def stack_dir(config: StackConfig, outdir: str | Path) -> Path:
    return Path(outdir) / "stacks" / config.stack_name


def synth_built(built: BuiltApp, config: StackConfig, outdir: str | Path) -> Path:
    """Synthesize an already-built app; raise SynthesisError (writing nothing) on violations."""
    target = stack_dir(config, outdir)
    try:
        for moved in rescue_state(target):  # a deployed environment's record is never wiped
            print(
                f"note: moved the Terraform state out of the stack folder to {moved}",
                file=sys.stderr,
            )
    except StateRescueError as err:
        raise SynthesisError(str(err)) from None
    shutil.rmtree(target, ignore_errors=True)  # never leave a stale stack behind
    try:
        built.app.synth()
    except Exception as err:  # jsii re-raises the JS error as a plain RuntimeError
        shutil.rmtree(target, ignore_errors=True)
        violations = built.aspects.violations
        unused = built.aspects.unused
        if not violations and not unused:
            raise
        lines = [f"{r.path}: [{r.rule}] {r.resource}: {r.message}" for r in violations]
        lines += [
            f"{config.stack_name}: [SFX-EXCEPTIONS] {exc.rule} on {exc.resource!r}: {why}"
            for exc, why in unused
        ]
        raise SynthesisError(
            f"{len(lines)} compliance violation(s); nothing was written:\n  " + "\n  ".join(lines)
        ) from err
    write_aspect_results(built.aspects, target)
    return target


def write_aspect_results(run: AspectRun, target: Path) -> Path:
    """The records, bound to the ``cdk.tf.json`` just written (its SHA-256 and the commit)."""
    binding = bind(target)
    document = aspect_file_json(run.to_json(), binding)
    path = target / RESULTS_FILE
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    sign_output(path, "aspects", binding)  # <file>.dsse.json beside it (core.attest)
    return path


def synthesize(
    config: StackConfig, outdir: str | Path = "cdktf.out", exceptions: ExceptionSet | None = None
) -> Path:
    built = build_app(config, outdir, exceptions)
    return synth_built(built, config, outdir)
