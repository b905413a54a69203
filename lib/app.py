"""Builds the CDKTF app for a config and synthesizes it."""

from __future__ import annotations

from pathlib import Path

from cdktf import App

from lib.config import StackConfig
from lib.stack import StreamflixStack


def build_app(config: StackConfig, outdir: str | Path = "cdktf.out") -> tuple[App, StreamflixStack]:
    app = App(outdir=str(outdir))
    stack = StreamflixStack(app, config)
    return app, stack


def synthesize(config: StackConfig, outdir: str | Path = "cdktf.out") -> Path:
    app, _stack = build_app(config, outdir)
    app.synth()
    return Path(outdir) / "stacks" / config.stack_name
