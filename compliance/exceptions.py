"""The exceptions file checked against the controls catalog: the report's loader.

The file's model and its reading live in ``core.exceptions`` (synthesis and the gate load it
without parsing the catalog); the names below are re-exported for callers of this module. Only
here are compensating controls checked to be controls of ``compliance/catalog.yaml``: the report
loads through ``load_checked_exceptions``, and ``tests/compliance/test_exceptions.py`` checks
the shipped file the same way in CI.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from core.exceptions import (
    ALLOWED_KEYS,
    DEFAULT_PATH,
    MIN_REASON_LEN,
    ExceptionFileError,
    ExceptionSet,
    PolicyException,
    Risk,
    identity,
    load_exceptions,
    parse_exceptions,
)

__all__ = [
    "ALLOWED_KEYS",
    "DEFAULT_PATH",
    "MIN_REASON_LEN",
    "ExceptionFileError",
    "ExceptionSet",
    "PolicyException",
    "Risk",
    "catalog_control_ids",
    "identity",
    "load_checked_exceptions",
    "load_exceptions",
    "parse_exceptions",
]


def catalog_control_ids() -> frozenset[str]:
    """The control ids of the default catalog (imported late: the catalog is large)."""
    from compliance.catalog import CatalogError, load_catalog

    try:
        return frozenset(c.id for c in load_catalog().controls)
    except CatalogError as err:
        raise ExceptionFileError(f"cannot check compensating controls: {err}") from None


def load_checked_exceptions(
    path: Path | str = DEFAULT_PATH, today: dt.date | None = None
) -> ExceptionSet:
    """``load_exceptions`` with every compensating control checked against the catalog."""
    return load_exceptions(path, today=today, control_ids=catalog_control_ids())
