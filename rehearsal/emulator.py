"""The rehearsal's own AWS emulator: moto server with our shims, on a free loopback port, over TLS.

Started as a child process and stopped by its PID when the rehearsal ends, also on failure. It
listens on 127.0.0.1 only. It serves HTTPS with a certificate made for this run and trusted through
``AWS_CA_BUNDLE`` (the AWS provider and boto3 both read it): our bucket policies deny requests
without TLS (``aws:SecureTransport``), and moto enforces that, so seeding data over plain HTTP would
be refused exactly as AWS would refuse it. Its log is kept beside the rehearsal's other files.
"""

from __future__ import annotations

import ipaddress
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path

from rehearsal.shims import MOTO_VERSION

PROJECT_ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT_S = 60.0
# Credentials the emulator accepts; never real ones (the rehearsal clears the AWS profile too).
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
_REAL_ACCOUNT_VARIABLES = frozenset(
    {
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_ROLE_ARN",
    }
)


class EmulatorError(RuntimeError):
    """The emulator did not start, or is not the moto version the shims were written for."""


@dataclass(frozen=True)
class Emulator:
    endpoint: str
    pid: int
    moto_version: str
    log: Path
    ca_bundle: Path

    def client_environment(self, base: Mapping[str, str], region: str) -> dict[str, str]:
        """``base`` pointed at the emulator and nowhere else: the AWS provider, boto3 and our
        collector get the emulator's endpoint, CA and fake credentials, and no profile or
        session token of the engineer's (which could reach a real account)."""
        cleared = {k: v for k, v in base.items() if k not in _REAL_ACCOUNT_VARIABLES}
        return {
            **cleared,
            **FAKE_CREDENTIALS,
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CA_BUNDLE": str(self.ca_bundle),
        }


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_certificate(work: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, valid for a day: (certificate, key) files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rehearsal emulator")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = work / "emulator-cert.pem", work / "emulator-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def _wait_ready(
    endpoint: str, process: subprocess.Popen[bytes], log: Path, ca_bundle: Path
) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    context = ssl.create_default_context(cafile=str(ca_bundle))
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise EmulatorError(f"the emulator exited ({process.returncode}); see {log}")
        try:
            with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2, context=context):
                return
        except OSError:
            time.sleep(0.2)
    raise EmulatorError(f"the emulator did not answer within {READY_TIMEOUT_S:.0f} s; see {log}")


@contextmanager
def running_emulator(work: Path) -> Iterator[Emulator]:
    """Start the emulator, yield it, and stop it by PID whatever happens inside."""
    installed = version("moto")
    if installed != MOTO_VERSION:
        raise EmulatorError(
            f"moto {installed} is installed; the shims (rehearsal/shims.py) are for "
            f"{MOTO_VERSION}: re-check each shim's test, then update MOTO_VERSION"
        )
    port = free_port()
    log = work / "emulator.log"
    cert, key = make_certificate(work)
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [
                sys.executable,
                *("-m", "rehearsal.emulator_server", "--port", str(port)),
                *("--cert", str(cert), "--key", str(key)),
            ],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=PROJECT_ROOT,
            start_new_session=True,
        )
    endpoint = f"https://127.0.0.1:{port}"
    try:
        _wait_ready(endpoint, process, log, cert)
        yield Emulator(endpoint, process.pid, installed, log, cert)
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
