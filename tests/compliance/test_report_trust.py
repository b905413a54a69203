"""The report refuses unsigned, mis-signed or untrusted evidence and archives exactly what it
verified; ``compliance.verify`` passes on a report folder and fails on each tamper case.

One report is written per module (no PDF), from the session's synth and gate run."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from compliance import report as report_module
from compliance import verify as verify_module
from compliance.manifest import EVIDENCE_DIR, MANIFEST_FILE
from core.attest import attest_file, envelope_path, signer_from_env
from core.attest.engine import subject_of
from core.binding import sha256_file
from core.stackfile import read_stack_document
from policies.gate import GateResult

pytestmark = [pytest.mark.synth, pytest.mark.gate]


def _stack_copy(synth_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / synth_dir.name
    shutil.copytree(synth_dir, copy)
    return copy


@pytest.fixture(scope="module")
def renamed_gate(
    gate_run: GateResult, gate_results_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The gate's output kept under another name, as a CI job might (with its envelope)."""
    folder = tmp_path_factory.mktemp("ci-gate")
    target = folder / "checkov-gate-output.json"
    shutil.copyfile(gate_results_dir / "gate.json", target)
    shutil.copyfile(envelope_path(gate_results_dir / "gate.json"), envelope_path(target))
    return target


@pytest.fixture(scope="module")
def signed_report(
    synth_dir: Path, renamed_gate: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    out = tmp_path_factory.mktemp("signed-report")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(report_module, "write_pdf", lambda *_: None)
        code = report_module.main(
            ["--synth-dir", str(synth_dir), "--gate-json", str(renamed_gate), "--out", str(out)]
        )
    assert code in (0, 1, 3)
    yield out


def test_report_archives_exactly_the_gate_file_it_read(
    signed_report: Path, renamed_gate: Path
) -> None:
    manifest = json.loads((signed_report / MANIFEST_FILE).read_text())
    gate = [f for f in manifest["files"] if f["engine"] == "checkov gate"]
    paths = {f["path"]: f["sha256"] for f in gate}
    assert paths[f"{EVIDENCE_DIR}/checkov-gate-output.json"] == sha256_file(renamed_gate)
    assert f"{EVIDENCE_DIR}/checkov-gate-output.json.dsse.json" in paths
    assert f"{EVIDENCE_DIR}/gate.json" not in paths


def test_report_states_its_signatures_and_how_to_verify(signed_report: Path) -> None:
    data = json.loads((signed_report / "report.json").read_text())
    verified = {(v["file"], v["engine"]) for v in data["attestations"]["verified"]}
    assert ("aspect-results.json", "aspects") in verified
    assert ("checkov-gate-output.json", "checkov gate") in verified
    assert data["attestations"]["unsigned"] == []
    html = (signed_report / "report.html").read_text()
    assert "How to verify this report" in html and "python -m compliance.verify REPORT_DIR" in html
    # the session key is a development key (tests/conftest.py): every output says so
    assert "SIGNED WITH A DEVELOPMENT KEY" in data["marks"]
    assert "@top-center" in html and "SIGNED WITH A DEVELOPMENT KEY" in html.split("</style>")[0]


def test_verify_passes_on_the_report_folder(
    signed_report: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert verify_module.main([str(signed_report)]) == 0
    out = capsys.readouterr().out
    assert "ok   report.json: signed by report" in out
    assert "rule results are the signed evidence's" in out and out.rstrip().endswith(
        str(signed_report)
    )


def _tamper_copy(signed_report: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "report"
    shutil.copytree(signed_report, copy)
    return copy


def _edit_json(path: Path, change: object) -> None:
    data = json.loads(path.read_text())
    change(data)  # type: ignore[operator]
    path.write_text(json.dumps(data))


def _first_waived_to_passed(data: dict) -> None:  # type: ignore[type-arg]
    for finding in data["findings"]:
        if finding["status"] == "WAIVED":
            finding["status"] = "PASSED"
            return
    raise AssertionError("no waiver in gate.json")


@pytest.mark.parametrize(
    "tamper, why",
    [
        ("report-figure", "report.json (report): file sha256"),
        ("gate-waiver-to-pass", "checkov-gate-output.json: sha256"),
        ("envelope-removed", "unsigned"),
        ("extra-evidence", "not in evidence-manifest.json"),
        ("re-signed-wrong-figures", "rule results differ from the signed evidence"),
        # issue 22 item 7: the annexes are covered like the rest of the report
        ("annex-row-changed", "annexes/evidence-subjects.csv: sha256"),
        ("annex-unlisted", "annexes/late.csv: in the report folder but not in"),
        ("annex-re-signed-row-lost", "report.csv: holds"),
    ],
)
def test_verify_fails_on_each_tamper(
    signed_report: Path, tmp_path: Path, tamper: str, why: str, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _tamper_copy(signed_report, tmp_path)
    if tamper == "report-figure":
        _edit_json(folder / "report.json", lambda d: d["summary"]["controls"].update(satisfied=99))
    elif tamper == "gate-waiver-to-pass":
        _edit_json(folder / EVIDENCE_DIR / "checkov-gate-output.json", _first_waived_to_passed)
    elif tamper == "envelope-removed":
        envelope_path(folder / "report.csv").unlink()
    elif tamper == "extra-evidence":
        (folder / EVIDENCE_DIR / "late.json").write_text("{}")
    elif tamper == "re-signed-wrong-figures":
        # someone holding a trusted key drops a failing rule result and re-signs report.json:
        # the signature holds, the figures no longer follow from the signed evidence
        _edit_json(folder / "report.json", lambda d: d["rule_results"].pop())
        signer = signer_from_env()
        assert signer is not None
        manifest = json.loads((folder / MANIFEST_FILE).read_text())["artifact"]
        stack = subject_of(bind_from(manifest))
        attest_file(folder / "report.json", "report", stack, signer)
    elif tamper == "annex-row-changed":
        subjects = folder / "annexes" / "evidence-subjects.csv"
        lines = subjects.read_text().splitlines(keepends=True)
        subjects.write_text("".join([*lines[:1], *lines[2:]]))
    elif tamper == "annex-unlisted":
        (folder / "annexes" / "late.csv").write_text("a,b\n")
    elif tamper == "annex-re-signed-row-lost":
        # a trusted key holder drops a line of report.csv and re-signs it and the manifest:
        # every signature and hash holds, the annex no longer has the rows report.json shows
        _drop_line_and_resign(folder)
    assert verify_module.main([str(folder)]) == 1
    out = capsys.readouterr().out
    assert out.strip().splitlines()[-1].startswith("FAIL ") and why in out, out


def _drop_line_and_resign(folder: Path) -> None:
    rules = folder / "report.csv"
    rules.write_text("".join(rules.read_text().splitlines(keepends=True)[:-1]))
    manifest_path = folder / MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text())
    for entry in manifest["files"]:
        if entry["path"] == "report.csv":
            entry["sha256"], entry["bytes"] = sha256_file(rules), rules.stat().st_size
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    signer = signer_from_env()
    assert signer is not None
    stack = subject_of(bind_from(manifest["artifact"]))
    for path in (rules, manifest_path):
        attest_file(path, "report", stack, signer)


def bind_from(artifact: dict) -> object:  # type: ignore[type-arg]
    from core.binding import parse_binding

    return parse_binding(artifact, "manifest")


def test_verify_fails_without_the_development_key_or_strict(
    signed_report: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "trust.yaml"
    empty.write_text("version: 1\nkeys: []\n")
    assert verify_module.main([str(signed_report), "--trust", str(empty)]) == 1
    assert "the trust policy names no key for engine 'report'" in capsys.readouterr().out
    assert verify_module.main([str(signed_report), "--strict"]) == 1
    assert "signed with development key" in capsys.readouterr().out


def test_report_refuses_rehashed_evidence_of_an_edited_stack(
    synth_dir: Path, renamed_gate: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Measured case: open SSH to 0.0.0.0/0, write the new hash into the aspect records and the
    gate file. The signatures no longer match the files: refused (exit 2), naming file and engine."""
    stack = _stack_copy(synth_dir, tmp_path)
    doc = read_stack_document(stack)
    doc.setdefault("resource", {}).setdefault("aws_security_group_rule", {})["ssh"] = {
        "type": "ingress",
        "from_port": 22,
        "to_port": 22,
        "protocol": "tcp",
        "cidr_blocks": ["0.0.0.0/0"],
        "security_group_id": "sg-1",
    }
    (stack / "cdk.tf.json").write_text(json.dumps(doc))
    new = sha256_file(stack / "cdk.tf.json")
    _edit_json(stack / "aspect-results.json", lambda d: d["artifact"].update(sha256=new))
    gate = tmp_path / "gate.json"
    shutil.copyfile(renamed_gate, gate)
    shutil.copyfile(envelope_path(renamed_gate), envelope_path(gate))
    _edit_json(gate, lambda d: d["artifact"].update(sha256=new))
    code = report_module.main(
        ["--synth-dir", str(stack), "--gate-json", str(gate), "--out", str(tmp_path / "o")]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "aspect-results.json (aspects): file sha256" in err and "edited after signing" in err, (
        err
    )


def test_report_refuses_unsigned_evidence_unless_allowed_and_then_stamps_it(
    synth_dir: Path,
    renamed_gate: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stack = _stack_copy(synth_dir, tmp_path)
    envelope_path(stack / "aspect-results.json").unlink()
    args = ["--synth-dir", str(stack), "--gate-json", str(renamed_gate)]
    assert report_module.main([*args, "--out", str(tmp_path / "refused")]) == 2
    assert "aspect-results.json (aspects): unsigned" in capsys.readouterr().err
    monkeypatch.setattr(report_module, "write_pdf", lambda *_: None)
    out = tmp_path / "allowed"
    assert report_module.main([*args, "--allow-unsigned", "--out", str(out)]) in (1, 3)
    assert "UNSIGNED EVIDENCE" in json.loads((out / "report.json").read_text())["marks"]
    assert (out / "report.md").read_text().splitlines()[2].startswith("> **UNSIGNED EVIDENCE")
    html = (out / "report.html").read_text()
    style = html.split("</style>")[0]
    assert (
        '@top-center { content: "UNSIGNED EVIDENCE' in style
        and '@bottom-left { content: "UNSIGNED EVIDENCE' in style
    )
    assert html.count('class="marks"') >= 3  # cover, summary, sign-off
    oscal = json.loads((out / "oscal-assessment-results.json").read_text())["assessment-results"]
    assert oscal["metadata"]["title"].startswith("[UNSIGNED EVIDENCE")
    assert {"name": "evidence-mark", "value": "UNSIGNED EVIDENCE"}.items() <= next(
        p for p in oscal["results"][0]["props"] if p["value"] == "UNSIGNED EVIDENCE"
    ).items()
