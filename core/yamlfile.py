"""Reading a reviewed YAML file (the exceptions, the controls catalog): one way to say it is
missing or malformed, naming the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def read_yaml(path: Path, what: str, error: type[ValueError]) -> Any:
    """The parsed document at ``path``; raises ``error`` naming the file when it is missing or
    not YAML (``exceptions.yaml: exceptions file not found``)."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{path.name}: {what} file not found") from None
    except yaml.YAMLError as err:
        raise error(f"{path.name}: not valid YAML: {err}") from None
