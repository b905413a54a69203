"""Signed evidence: envelopes verify only for the right file, engine, key and stack; the KMS
signer works against moto's KMS; ``compliance.keys init`` makes a development key."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from streamflix_devtools.standins import FAKE_AWS_ENV, Moto

from compliance import keys
from core.attest import (
    AttestationError,
    ResolvedSigner,
    StackSubject,
    attest_file,
    envelope_path,
    load_trust_policy,
    signer_from_env,
    verify_file,
)
from core.attest.signers import KEY_FILE_ENV, KMS_KEY_ENV, generate_key_file
from core.attest.trust import TrustedKey, TrustPolicy

STACK = StackSubject("streamflix-qa1", "ab" * 32, "c0ffee")


def _signer(tmp_path: Path, name: str = "k.pem") -> ResolvedSigner:
    generate_key_file(tmp_path / name)
    resolved = signer_from_env({KEY_FILE_ENV: str(tmp_path / name)})
    assert resolved is not None
    return resolved


def _policy(*pairs: tuple[ResolvedSigner, tuple[str, ...]]) -> TrustPolicy:
    return TrustPolicy(
        tuple(
            TrustedKey(f"key{i}", "tests", frozenset(engines), s.signer.public_key)
            for i, (s, engines) in enumerate(pairs)
        )
    )


@pytest.fixture
def evidence(tmp_path: Path) -> Path:
    path = tmp_path / "gate.json"
    path.write_text('{"ok": true}\n')
    return path


def test_round_trip_names_the_key_and_engine(tmp_path: Path, evidence: Path) -> None:
    signer = _signer(tmp_path)
    written = attest_file(evidence, "checkov gate", STACK, signer)
    assert written == tmp_path / "gate.json.dsse.json" == envelope_path(evidence)
    verified = verify_file(
        evidence, "checkov gate", _policy((signer, ("checkov gate",))), stack=STACK
    )
    assert verified.predicate["stack_sha256"] == STACK.sha256
    assert verified.predicate["engine_version"].startswith("checkov ")
    assert verified.key.name == "key0"


@pytest.mark.parametrize(
    "tamper, why",
    [
        ("edit-file", "is not the signed subject"),
        ("unsigned", "unsigned"),
        ("bad-signature", "signature does not verify"),
        ("other-engine", "does not allow for engine"),
        ("untrusted", r"does not name \(untrusted\)"),
        ("other-stack", "signed stack_sha256"),
    ],
)
def test_refused(tmp_path: Path, evidence: Path, tamper: str, why: str) -> None:
    signer = _signer(tmp_path)
    attest_file(evidence, "checkov gate", STACK, signer)
    policy = _policy((signer, ("checkov gate",)))
    stack = STACK
    engine = "checkov gate"
    env_file = envelope_path(evidence)
    if tamper == "edit-file":
        evidence.write_text('{"ok": false}\n')
    elif tamper == "unsigned":
        env_file.unlink()
    elif tamper == "bad-signature":
        doc = json.loads(env_file.read_text())
        sig = bytearray(base64.b64decode(doc["signatures"][0]["sig"]))
        sig[-1] ^= 1
        doc["signatures"][0]["sig"] = base64.b64encode(bytes(sig)).decode()
        env_file.write_text(json.dumps(doc))
    elif tamper == "other-engine":
        policy = _policy((signer, ("checkov gate",)), (_signer(tmp_path, "o.pem"), ("pytest",)))
        attest_file(evidence, "pytest", STACK, signer)
        engine = "pytest"
    elif tamper == "untrusted":
        policy = _policy((_signer(tmp_path, "o.pem"), ("checkov gate",)))
    elif tamper == "other-stack":
        stack = StackSubject(STACK.stack, "cd" * 32, STACK.commit)
    with pytest.raises(AttestationError, match=why) as err:
        verify_file(evidence, engine, policy, stack=stack)
    assert str(err.value).startswith(f"gate.json ({engine}): ")


def test_payload_swap_is_refused(tmp_path: Path, evidence: Path) -> None:
    """A signature is over the payload: swapping in another statement breaks it."""
    signer = _signer(tmp_path)
    attest_file(evidence, "checkov gate", STACK, signer)
    doc = json.loads(envelope_path(evidence).read_text())
    payload = json.loads(base64.b64decode(doc["payload"]))
    payload["predicate"]["stack_sha256"] = "ef" * 32
    doc["payload"] = base64.b64encode(json.dumps(payload).encode()).decode()
    envelope_path(evidence).write_text(json.dumps(doc))
    with pytest.raises(AttestationError, match="signature does not verify"):
        verify_file(evidence, "checkov gate", _policy((signer, ("checkov gate",))))


@pytest.fixture(scope="module")
def kms() -> Iterator[object]:
    env = {**FAKE_AWS_ENV}
    server = Moto()
    try:
        yield boto3.client(
            "kms",
            endpoint_url=server.endpoint,
            region_name=env["AWS_REGION"],
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
    finally:
        server.stop()


@pytest.mark.parametrize("spec", ["ECC_NIST_P256", "RSA_2048"])
def test_kms_signer_on_moto(kms: object, evidence: Path, spec: str) -> None:
    client = kms
    key = client.create_key(KeyUsage="SIGN_VERIFY", KeySpec=spec)["KeyMetadata"]  # type: ignore[attr-defined]
    signer = signer_from_env({KMS_KEY_ENV: key["Arn"]}, kms_client=client)
    assert signer is not None and signer.kind == "kms" and signer.kms_key_arn == key["Arn"]
    attest_file(evidence, "collector", STACK, signer)
    verified = verify_file(evidence, "collector", _policy((signer, ("collector",))))
    assert verified.predicate["signer"] == {
        "kind": "kms",
        "keyid": signer.keyid,
        "kms_key_arn": key["Arn"],
    }


def test_kms_symmetric_key_is_refused(kms: object) -> None:
    key = kms.create_key()["KeyMetadata"]  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="SIGN_VERIFY"):
        signer_from_env({KMS_KEY_ENV: key["Arn"]}, kms_client=kms)


def test_keys_init_creates_a_development_key(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    evidence: Path,
) -> None:
    key = tmp_path / "keys" / "dev.pem"
    local = tmp_path / "trust.local.yaml"
    monkeypatch.setenv(KEY_FILE_ENV, str(key))
    assert keys.main(["init", "--local-trust", str(local)]) == 0
    out = capsys.readouterr().out
    assert "created a DEVELOPMENT signing key" in out and "BEGIN PUBLIC KEY" in out
    assert key.stat().st_mode & 0o777 == 0o600
    assert keys.main(["init", "--local-trust", str(local)]) == 2  # never overwritten
    assert keys.main(["init", "--if-missing", "--local-trust", str(local)]) == 0
    policy = load_trust_policy(local=local)
    assert [k.development for k in policy.keys] == [True]
    signer = signer_from_env()
    assert signer is not None
    attest_file(evidence, "report", STACK, signer)
    assert verify_file(evidence, "report", policy).development


def test_a_key_file_outside_the_project_is_named_without_its_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The label goes into the report an auditor receives: a CI runner's throwaway key under /tmp
    (tests/conftest.py makes one on a clean clone) must not put the runner's path in it."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    outside = tmp_path / "runner"
    outside.mkdir()
    label = _signer(outside, "evidence-dev.pem").label
    assert label == "key file evidence-dev.pem (outside the project)"
    assert str(tmp_path) not in label
    home_key = tmp_path / "home" / ".sfx"
    home_key.mkdir(parents=True)
    assert _signer(home_key, "k.pem").label == "key file ~/.sfx/k.pem"
