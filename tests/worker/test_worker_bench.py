"""bench/worker_throughput.py (issue 16 item 10): the verdicts it prints, and its cases run
real worker processes (bench/bench_worker.py) against the stand-ins end to end."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from streamflix_worker.standins import StandIns, make_clip

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    monkeypatch.syspath_prepend(str(BENCH))
    import worker_throughput

    yield worker_throughput
    sys.modules.pop("worker_throughput", None)


def _result(bench: ModuleType, name: str, workers: int, wall: float, cpu: float, records: int):  # type: ignore[no-untyped-def]
    case = bench.Case(
        name, "naive" if name == "naive" else "batched", workers, 4, (b"{}",) * records
    )
    return bench.Result(case, wall, cpu, cpu * 4)


def test_report_marks_each_target_met_or_not(bench: ModuleType) -> None:
    results = [
        _result(bench, "batched", 1, 1.0, 0.4, 10_000),  # 25,000 records per CPU-s
        _result(bench, "naive", 1, 1.0, 0.5, 1_000),  # 2,000: batched is 12.5x
        _result(bench, "4 shards, 1 worker", 1, 2.0, 0.4, 10_000),
        _result(bench, "4 shards, 2 workers", 2, 2.5, 0.5, 10_000),
    ]
    text = bench.report(results, (1.0, 2.0, 3.0), (4.0, 5.0, 6.0))
    assert "(batched, one round): 25,000 -> MET" in text
    assert "naive in worker CPU per record (one round): 12.5x -> MET" in text
    assert "2.50 s vs 2.00 s -> NOT MET" in text
    assert "start 1.00 2.00 3.00, end 4.00 5.00 6.00" in text
    rounds = [
        _result(bench, f"4 shards, {n} worker{'s' if n == 2 else ''} #{k}", n, wall, 0.5, 10)
        for k, (n, wall) in enumerate([(1, 2.0), (2, 1.9), (1, 3.0), (2, 3.5), (1, 2.2), (2, 2.1)])
    ]
    text = bench.report(rounds, (0.0,) * 3, (0.0,) * 3)
    assert "median of 3 alternating rounds): 2.10 s vs 2.20 s -> MET" in text
    slow = [_result(bench, "batched", 1, 1.0, 4.0, 10_000), _result(bench, "naive", 1, 1, 1, 1000)]
    text = bench.report(slow, (0.0,) * 3, (0.0,) * 3)
    assert "(batched, one round): 2,500 -> NOT MET" in text
    assert "2.5x -> NOT MET" in text


@pytest.mark.services
@pytest.mark.timeout(180)
def test_cases_run_real_workers_to_the_last_checkpoint(
    bench: ModuleType, standins: StandIns, tmp_path: Path
) -> None:
    clip = make_clip(tmp_path / "bench.mp4")
    payloads = bench.make_payloads(60)
    batched = bench.run_case(standins, bench.Case("batched", "batched", 1, 2, payloads), clip)
    naive = bench.run_case(standins, bench.Case("naive", "naive", 1, 1, payloads[:30]), clip)
    for result in (batched, naive):  # run_case itself checks every record ended COMPLETED
        assert result.wall_s > 0 and result.worker_cpu_s > 0 and result.standins_cpu_s > 0
    profile_dir = tmp_path / "profile"
    profile_dir.mkdir()
    bench.run_case(
        standins,
        bench.Case("profiled", "batched", 1, 1, bench.make_payloads(30)),
        clip,
        {"BENCH_PROFILE_DIR": str(profile_dir)},
    )
    dumps = sorted(profile_dir.glob("*.prof"))
    assert len(dumps) >= 2  # the consumer thread and its prefetch thread
    summary = bench.summarize(dumps, 30)
    assert "us/record" in summary and "streamflix_worker (own code)" in summary


def test_media_check_cost_is_measured_on_both_clips(bench: ModuleType, tmp_path: Path) -> None:
    text = bench.media_check_cost(tmp_path, repeats=2)
    lines = text.splitlines()
    assert lines[0] == "media check (CPU per file, median of 2):"
    assert [line.split(" clip")[0].strip() for line in lines[1:]] == ["1 s", "20 s"]
    assert all("probe + check" in line and "(check " in line for line in lines[1:])
