"""Load the AWS provider bindings without their 4,500-line package ``__init__``.

``cdktf_cdktf_provider_aws/__init__.py`` (21.22.1) imports all 2,212 resource submodules so that
``import cdktf_cdktf_provider_aws`` exposes them: ~10 s of CPU and ~530 MB per synth process,
whether or not the stack uses them. Each submodule needs only the package's ``_jsii`` module
(``from .._jsii import *`` loads the jsii assembly), never the package ``__init__``. So, before the
first provider import, we place an *empty* package module built from the package's own spec in
``sys.modules``: ``from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket`` then imports just
``_jsii`` and ``s3_bucket``. What the skipped ``__init__`` does besides those imports (verified
line by line for 21.22.1): ``extend_path`` (no other portion exists), a local ``check_type``
helper (every submodule defines its own), ``from ._jsii import *`` (only ``__jsii_assembly__``),
``__all__`` and ``publication.publish()`` (name hiding). None of it affects synthesis; the jsii
runtime also imports a type's submodule itself if the kernel hands back a type not yet loaded.

The shortcut applies only to the exact version and ``__init__`` bytes verified above; for any
other install the package imports normally and we say so once on stderr.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import sys
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TextIO

PACKAGE = "cdktf_cdktf_provider_aws"


@dataclass(frozen=True)
class VerifiedProvider:
    """The provider release whose ``__init__`` was read and found safe to skip."""

    distribution: str
    version: str
    init_sha256: str


PINNED = VerifiedProvider(
    distribution="cdktf-cdktf-provider-aws",
    version="21.22.1",
    init_sha256="422f5bd1cdf10915167939ef585d4c36e7333bf5f64742a96de00b24ac0c1b1a",
)


class Outcome(Enum):
    """What ``use_provider_shortcut`` did (tests and the bench read it)."""

    REGISTERED = "registered"  # empty package module placed in sys.modules
    ALREADY_LOADED = "already-loaded"  # someone imported (or registered) the package first
    NORMAL_IMPORT = "normal-import"  # not the verified release: the full __init__ will run


_said_normal_import = False


def _mismatch(verified: VerifiedProvider) -> str | None:
    """Why the installed provider is not the verified one, or None when it is."""
    try:
        installed = importlib.metadata.version(verified.distribution)
    except importlib.metadata.PackageNotFoundError:
        return f"{verified.distribution} is not installed"
    if installed != verified.version:
        return f"{verified.distribution} is {installed}, the shortcut is verified for {verified.version}"
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None or spec.submodule_search_locations is None:
        return f"{PACKAGE} has no importable package spec"
    digest = hashlib.sha256(Path(spec.origin).read_bytes()).hexdigest()
    if digest != verified.init_sha256:
        return f"{spec.origin} differs from the verified {verified.version} __init__"
    return None


def use_provider_shortcut(
    verified: VerifiedProvider = PINNED, stderr: TextIO | None = None
) -> Outcome:
    """Register the provider package without running its ``__init__``, when that is verified safe.

    Call before anything imports the provider (main.py, tests/conftest.py). Idempotent.
    """
    global _said_normal_import
    if PACKAGE in sys.modules:
        return Outcome.ALREADY_LOADED
    reason = _mismatch(verified)
    if reason is not None:
        if not _said_normal_import:
            _said_normal_import = True
            print(
                f"note: {reason}; importing the whole provider package (slower synth)",
                file=stderr if stderr is not None else sys.stderr,
            )
        return Outcome.NORMAL_IMPORT
    spec = importlib.util.find_spec(PACKAGE)
    assert spec is not None  # checked by _mismatch
    # module_from_spec sets __path__ from spec.submodule_search_locations, so submodules import.
    sys.modules[PACKAGE] = importlib.util.module_from_spec(spec)
    return Outcome.REGISTERED
