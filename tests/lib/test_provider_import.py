"""The provider-import shortcut (lib/provider_import.py) changes nothing in the output and applies
only to the verified release. Module state is per process, so each case runs in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lib.provider_import import PINNED
from tests.conftest import PROJECT_ROOT, SYNTH_DIR_ENV, TEST_SUFFIX

_ENV = {
    **os.environ,
    "ENVIRONMENT_SUFFIX": TEST_SUFFIX,
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    "CHECKPOINT_DISABLE": "1",
}

# Synthesize through main.main(), first either letting the shortcut register the package or
# importing the package normally (then the shortcut finds it loaded and stands aside).
_SYNTH = """
import importlib, sys
from lib.provider_import import Outcome, use_provider_shortcut
if sys.argv[1] == "plain":
    importlib.import_module("cdktf_cdktf_provider_aws")
    assert use_provider_shortcut() is Outcome.ALREADY_LOADED
else:
    assert use_provider_shortcut() is Outcome.REGISTERED
import main
code = main.main()
assert hasattr(sys.modules["cdktf_cdktf_provider_aws"], "__all__") == (sys.argv[1] == "plain")
sys.exit(code)
"""


def _python(
    code: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=PROJECT_ROOT,
        env=env or _ENV,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _files(root: Path) -> dict[str, bytes]:
    """Every output file's bytes, but signature envelopes (``*.dsse.json``): a signature is
    randomised and signs the run time, so two synths never share one; what they sign is compared,
    and each synth must have written the same envelopes (``_envelopes``)."""
    return {
        str(p.relative_to(root)): _without_run_time(p)
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.endswith(".dsse.json")
    }


def _envelopes(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*.dsse.json")}


def _without_run_time(path: Path) -> bytes:
    """The file's bytes, except the one value that differs between any two synths: the time the
    aspects ran, recorded in aspect-results.json's artifact binding (everything else, the stack's
    SHA-256 included, must be byte-identical)."""
    if path.name != "aspect-results.json":
        return path.read_bytes()
    doc = json.loads(path.read_text())
    assert doc["artifact"].pop("ran_at"), "aspect-results.json records when the aspects ran"
    return json.dumps(doc, indent=2, sort_keys=True).encode()


@pytest.mark.synth
def test_synth_with_the_shortcut_is_byte_identical_to_the_plain_import(
    synth_dir: Path, tmp_path: Path
) -> None:
    """The session's own synth (tests/conftest.py: shortcut registered before any import, suffix
    TEST_SUFFIX and no other knob) against main.main() with the package imported normally, in a
    subprocess given the same knobs. Reusing the session's synth saves one synth process."""
    if os.environ.get(SYNTH_DIR_ENV):
        pytest.skip(f"{SYNTH_DIR_ENV} is set: the session judges a given stack, not its own synth")
    package = sys.modules["cdktf_cdktf_provider_aws"]
    assert not hasattr(package, "__all__"), "the session's synth must have used the shortcut"
    plain = tmp_path / "plain"
    env = {k: v for k, v in _ENV.items() if not k.startswith("STREAMFLIX_")}
    done = _python(_SYNTH, "plain", env={**env, "CDKTF_OUTDIR": str(plain)})
    assert done.returncode == 0, f"plain: {done.stderr}"
    outputs = {"plain": _files(plain), "shortcut": _files(synth_dir.parent.parent)}
    assert any(name.endswith("cdk.tf.json") for name in outputs["plain"])
    assert outputs["shortcut"].keys() == outputs["plain"].keys()
    assert _envelopes(plain) == _envelopes(synth_dir.parent.parent)
    for name, content in outputs["plain"].items():
        assert outputs["shortcut"][name] == content, f"{name} differs with the shortcut"


_CHECK = """
import sys
from lib.provider_import import PINNED, Outcome, VerifiedProvider, use_provider_shortcut
verified = VerifiedProvider(PINNED.distribution, sys.argv[1], sys.argv[2])
outcomes = {use_provider_shortcut(verified), use_provider_shortcut(verified)}
print(*sorted(o.value for o in outcomes))
print("loaded" if "cdktf_cdktf_provider_aws" in sys.modules else "not-loaded")
"""


@pytest.mark.parametrize(
    ("version", "digest", "why"),
    [
        ("21.22.0", PINNED.init_sha256, "cdktf-cdktf-provider-aws is 21.22.1, the shortcut is "),
        (PINNED.version, "0" * 64, "differs from the verified 21.22.1 __init__"),
    ],
    ids=["other-version", "edited-init"],
)
def test_unverified_provider_imports_normally_and_says_so_once(
    version: str, digest: str, why: str
) -> None:
    done = _python(_CHECK, version, digest)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["normal-import", "not-loaded"]
    notes = done.stderr.strip().splitlines()
    assert len(notes) == 1, notes
    assert why in notes[0]
    assert "importing the whole provider package" in notes[0]


_LAZY = """
import sys
from lib.provider_import import Outcome, use_provider_shortcut
assert use_provider_shortcut() is Outcome.REGISTERED
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
loaded = {m.split(".")[1] for m in sys.modules if m.startswith("cdktf_cdktf_provider_aws.")}
print(*sorted(loaded))
"""


def test_verified_provider_loads_only_the_submodules_used() -> None:
    done = _python(_LAZY)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.split() == ["_jsii", "s3_bucket"]  # not the other 2,211 submodules


# Every in-process synth entry point, with lib.app replaced by a stand-in that reports, when
# asked to synthesize, whether the provider package was registered by the shortcut (no __init__
# ran: no __all__) and then ends the process. No jsii, no synth: each case costs an import.
_ENTRY = """
import os, sys, types
from pathlib import Path

def synthesize(config, outdir):
    pkg = sys.modules.get("cdktf_cdktf_provider_aws")
    print("registered" if pkg is not None and not hasattr(pkg, "__all__") else "not-registered")
    sys.stdout.flush()
    os._exit(0)

fake = types.ModuleType("lib.app")
fake.SynthesisError = type("SynthesisError", (Exception,), {})
fake.synthesize = synthesize
sys.modules["lib.app"] = fake
entry, out = sys.argv[1], Path(sys.argv[2])
if entry == "main.py":
    import main
    main.main()
elif entry == "compliance.report":
    from compliance import report
    report.main(["--out", str(out)])
elif entry == "compliance.demo_runtime":
    from compliance import demo_runtime
    demo_runtime.main(["--out", str(out)])
print("synthesize was not called")
"""


@pytest.mark.parametrize("entry", ["main.py", "compliance.report", "compliance.demo_runtime"])
def test_every_in_process_synth_registers_the_provider_first(entry: str, tmp_path: Path) -> None:
    done = _python(_ENTRY, entry, str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["registered"], done.stdout + done.stderr
