"""Evidence is bound to the artifact it judged: hash + commit in every engine's output, the
report refuses a mismatch, and keeps the raw evidence with a manifest of hashes."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from compliance import report as report_module
from compliance.catalog import Catalog
from compliance.junit import parse_junit
from compliance.manifest import EVIDENCE_DIR, MANIFEST_FILE
from compliance.registry import PROJECT_ROOT
from core.attest.engine import sign_output
from core.binding import (
    SYNTH_DIR_ENV,
    ArtifactBinding,
    BindingError,
    bind,
    from_properties,
    sha256_file,
    verify,
)
from core.results import ResultsError, parse_aspect_file
from policies.gate import GateResult
from tests.compliance.test_report import all_tests_passed

WHEN = dt.datetime(2026, 12, 2, 17, 0, tzinfo=dt.UTC)
BOUND = ArtifactBinding("streamflix-x", "a" * 64, "c" * 40, "clean", WHEN)


def test_verify_names_the_file_and_both_hashes() -> None:
    other = ArtifactBinding("streamflix-x", "b" * 64, "c" * 40, "clean", WHEN)
    with pytest.raises(BindingError) as err:
        verify(other, BOUND, "gate.json")
    assert (
        "gate.json" in str(err.value) and "a" * 64 in str(err.value) and "b" * 64 in str(err.value)
    )
    with pytest.raises(BindingError, match=r"gate.json: was produced at commit d{40}"):
        verify(
            ArtifactBinding("streamflix-x", "a" * 64, "d" * 40, "clean", WHEN), BOUND, "gate.json"
        )
    with pytest.raises(BindingError, match=r"junit\.xml: carries no artifact binding"):
        verify(None, BOUND, "junit.xml")
    verify(BOUND, BOUND, "gate.json")  # the same artifact passes


def test_junit_properties_round_trip_the_binding() -> None:
    props = "".join(f'<property name="{k}" value="{v}"/>' for k, v in BOUND.properties().items())
    report = parse_junit(
        f'<testsuites><testsuite><properties>{props}</properties><testcase classname="a" '
        f'name="t"><properties><property name="sfx.artifact.sha256" value="x"/></properties>'
        f"</testcase></testsuite></testsuites>"
    )
    assert from_properties(dict(report.properties), "junit.xml") == BOUND
    assert from_properties({}, "junit.xml") is None


def test_aspect_file_refuses_a_bad_binding() -> None:
    with pytest.raises(ResultsError, match=r"aspect-results.json.artifact.sha256: must be"):
        parse_aspect_file({"artifact": {**BOUND.to_json(), "sha256": ""}, "records": []})
    assert parse_aspect_file({"artifact": BOUND.to_json(), "records": []}).binding == BOUND


@pytest.mark.synth
def test_aspect_results_carry_the_hash_of_the_stack_they_judged(synth_dir: Path) -> None:
    data = json.loads((synth_dir / "aspect-results.json").read_text(encoding="utf-8"))
    assert data["artifact"]["sha256"] == sha256_file(synth_dir / "cdk.tf.json")
    assert data["artifact"]["commit"] == bind(synth_dir).commit
    assert data["artifact"]["stack"] == synth_dir.name and data["records"]


@pytest.mark.synth
@pytest.mark.gate
def test_gate_json_carries_the_hash_of_the_stack_it_judged(
    gate_run: GateResult, gate_results_dir: Path, synth_dir: Path
) -> None:
    artifact = json.loads((gate_results_dir / "gate.json").read_text(encoding="utf-8"))["artifact"]
    assert artifact["sha256"] == sha256_file(synth_dir / "cdk.tf.json")
    assert artifact["commit"] == bind(synth_dir).commit
    assert dt.datetime.fromisoformat(artifact["ran_at"]).tzinfo is not None


@pytest.mark.synth
def test_pytest_junit_records_the_stack_named_by_sfx_synth_dir(
    synth_dir: Path, tmp_path: Path
) -> None:
    """A pytest session given SFX_SYNTH_DIR judges that folder (no synth) and says so."""
    junit = tmp_path / "junit.xml"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--junitxml={junit}",
            "tests/lib/test_stack.py::test_provider_is_pinned_to_eu_central_1",
        ],
        cwd=PROJECT_ROOT,
        env={**os.environ, SYNTH_DIR_ENV: str(synth_dir)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    binding = from_properties(dict(parse_junit(junit.read_text()).properties), "junit.xml")
    assert binding is not None
    assert (binding.stack, binding.sha256) == (
        synth_dir.name,
        sha256_file(synth_dir / "cdk.tf.json"),
    )


def test_run_tests_points_the_catalog_tests_at_the_reported_stack(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, catalog: Catalog
) -> None:
    seen: dict[str, Any] = {}

    def fake_run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        seen.update(kwargs)
        return subprocess.CompletedProcess(cmd, 0, "1 passed", "")

    monkeypatch.setattr(report_module.subprocess, "run", fake_run)
    report_module.run_catalog_tests(catalog, tmp_path / "j.xml", tmp_path / "stacks" / "s")
    assert seen["env"][SYNTH_DIR_ENV] == str((tmp_path / "stacks" / "s").resolve())


def _copy_stack(synth_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "stacks" / synth_dir.name
    shutil.copytree(synth_dir, copy)
    return copy


@pytest.mark.synth
@pytest.mark.gate
def test_tamper_message_names_the_file_and_both_hashes(
    synth_dir: Path,
    gate_run: GateResult,
    gate_results_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stack = _copy_stack(synth_dir, tmp_path)
    before = sha256_file(stack / "cdk.tf.json")
    (stack / "cdk.tf.json").write_text(
        (stack / "cdk.tf.json").read_text(encoding="utf-8") + " ", encoding="utf-8"
    )
    after = sha256_file(stack / "cdk.tf.json")
    args = ["--synth-dir", str(stack), "--gate-json", str(gate_results_dir / "gate.json")]
    assert report_module.main([*args, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    # the signature of the first evidence file read names what it judged and what is reported
    assert "aspect-results.json (aspects)" in err and before in err and after in err, err


@pytest.mark.synth
@pytest.mark.gate
def test_report_refuses_junit_of_another_artifact_or_without_binding(
    synth_dir: Path,
    gate_run: GateResult,
    gate_results_dir: Path,
    tmp_path: Path,
    catalog: Catalog,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # unsigned hand-made JUnit files: this test is about their artifact binding
    args = [
        "--synth-dir",
        str(synth_dir),
        "--gate-json",
        str(gate_results_dir / "gate.json"),
        "--allow-unsigned",
    ]
    other = tmp_path / "other.xml"
    other.write_text(all_tests_passed(catalog, BOUND), encoding="utf-8")
    assert report_module.main([*args, "--junit", str(other), "--out", str(tmp_path / "a")]) == 2
    assert "other.xml: judged streamflix-x/cdk.tf.json with sha256 " + "a" * 64 in (
        capsys.readouterr().err
    )
    bare = tmp_path / "bare.xml"
    bare.write_text(all_tests_passed(catalog), encoding="utf-8")
    assert report_module.main([*args, "--junit", str(bare), "--out", str(tmp_path / "b")]) == 2
    assert "bare.xml: carries no artifact binding" in capsys.readouterr().err


@pytest.mark.synth
@pytest.mark.gate
def test_report_keeps_raw_evidence_with_a_manifest_of_hashes(report_dir: Path) -> None:
    manifest_path = report_dir / MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    names = {f["path"] for f in manifest["files"]}
    assert {
        f"{EVIDENCE_DIR}/aspect-results.json",
        f"{EVIDENCE_DIR}/catalog.yaml",
        f"{EVIDENCE_DIR}/exceptions.yaml",
    } <= names
    for entry in manifest["files"]:
        assert sha256_file(report_dir / entry["path"]) == entry["sha256"], entry["path"]
    assert (report_dir / EVIDENCE_DIR / "catalog.yaml").read_bytes() == (
        PROJECT_ROOT / "compliance" / "catalog.yaml"
    ).read_bytes()
    own = sha256_file(manifest_path)
    for name in ("report.html", "report.md", "report.json"):
        assert own in (report_dir / name).read_text(encoding="utf-8"), name
    aspects = [f for f in manifest["files"] if f["engine"] == "aspects"]
    assert aspects and aspects[0]["ran_at"]


@pytest.mark.synth
@pytest.mark.gate
def test_every_evidence_item_carries_its_engine_run_time(report_dir: Path) -> None:
    data = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    evidence = [e for c in data["controls"] for e in c["evidence"]]
    ran = {e["name"]: e["ran_at"] for e in data["engines"]}
    assert ran["aspects"] is not None
    for e in evidence:
        if e["engine"] in ran:
            assert e["ran_at"] == ran[e["engine"]], e
        else:
            assert e["engine"] == "report" and e["ran_at"] == data["artifact"]["ran_at"]


@pytest.mark.synth
@pytest.mark.gate
def test_cli_report_keeps_gate_and_junit_evidence_and_a_reproduce_box(
    synth_dir: Path,
    gate_run: GateResult,
    gate_results_dir: Path,
    tmp_path: Path,
    catalog: Catalog,
    pdf_calls: list[tuple[Path, Path]],
) -> None:
    junit = tmp_path / "junit.xml"
    junit.write_text(all_tests_passed(catalog, bind(synth_dir)), encoding="utf-8")
    sign_output(junit, "pytest", bind(synth_dir))  # as the pytest engine signs its JUnit file
    out = tmp_path / "out"
    args = ["--synth-dir", str(synth_dir), "--gate-json", str(gate_results_dir / "gate.json")]
    # 1: controls not satisfied (the qa1 stack has no alarm subscriber), still a written report
    assert report_module.main([*args, "--junit", str(junit), "--out", str(out)]) in (0, 1)
    assert pdf_calls == [(out / "report.html", out / "report.pdf")]
    kept = {p.name for p in (out / EVIDENCE_DIR).iterdir()}
    assert {"gate.json", "gate.sarif", "pytest-junit.xml", "aspect-results.json"} <= kept
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["reproduce"][0] == f"git checkout {data['run']['commit']}"
    assert any(data["artifact"]["sha256"] in line for line in data["reproduce"])
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Reproduce this report" in html and data["reproduce"][-1] in html
