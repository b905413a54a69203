"""bench/synth_import.py prints the ratio of medians (wall, CPU) and of peak memory, full synth
over the plain-import floor, from alternating runs. Measured runs are faked: no synth here."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import PROJECT_ROOT


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "synth_import", PROJECT_ROOT / "bench" / "synth_import.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve the module by name
    spec.loader.exec_module(module)
    return module


def test_prints_median_ratios_and_peak_memory_from_alternating_runs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bench = _bench()
    order: list[str] = []
    fake = {
        # wall, cpu, peak tree, peak python: medians 10/4 (full) vs 20/10 (floor)
        "floor": iter([bench.Run(20, 10, 1200, 560), bench.Run(30, 12, 1250, 570),
                       bench.Run(19, 9, 1210, 565)]),
        "full": iter([bench.Run(10, 4, 700, 60), bench.Run(9, 5, 750, 70),
                      bench.Run(11, 3, 720, 65)]),
    }  # fmt: skip

    def measure(argv: Sequence[str], outdir: Path) -> object:
        name = next(n for n, v in bench.VARIANTS.items() if tuple(v) == tuple(argv))
        order.append(name)
        return next(fake[name])

    monkeypatch.setattr(bench, "measure", measure)
    assert bench.main(["--rounds", "3"]) == 0
    assert order == ["floor", "full", "full", "floor", "floor", "full"]  # alternating
    out = capsys.readouterr().out
    assert "full / floor (wall medians): 0.50x" in out
    assert "full / floor (cpu medians): 0.40x" in out
    assert "full / floor (peak rss): 0.60x" in out
    assert "full / floor (peak python rss): 0.12x" in out
    assert "peak RSS tree  1250 MB (python  570 MB)" in out
