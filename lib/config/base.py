"""What every part of the configuration shares: the error naming each bad knob, one
violation, and the frozen ``Section`` model each group of knobs derives from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict


class ConfigError(ValueError):
    """One or more knobs hold values the stack cannot be built from."""

    def __init__(self, violations: Sequence[Violation]):
        self.violations = tuple(violations)
        lines = [str(v) for v in self.violations]
        super().__init__("invalid configuration:\n  " + "\n  ".join(lines))

    @property
    def knobs(self) -> tuple[str, ...]:
        return tuple(v.knob for v in self.violations)


@dataclass(frozen=True)
class Violation:
    """One broken rule: the knob, the value it held and the rule with its allowed range."""

    knob: str
    value: str
    rule: str

    def __str__(self) -> str:
        return f"{self.knob}={self.value!r}: {self.rule}"


# ---------------------------------------------------------------------------------------------
# Sections: one field per knob, in the order the docs list them. To add a knob:
#   1. in its section (the lib/config/ module of its concern):
#      ``name: <value type> = knob("STREAMFLIX_...", default, ge=.., le=.., unit=..)``
#      (value types and Rules: lib/config_fields.py; a choice: ``Annotated[Lower, one_of(..)]``);
#   2. its meaning as the docstring right below the field;
#   3. a RELATIONS entry (lib/config/relations.py) if it is tied to another knob;
#   4. ``python -m lib.config --markdown > docs/configuration.md``; 5. an INVALID strategy in
#      tests/lib/config/invalid_values.py (and the accepted value in ``accepted_envs``,
#      tests/lib/config/strategies.py).
# ---------------------------------------------------------------------------------------------


class Section(BaseModel):
    """A frozen group of knobs; built from Python values by name, or from the environment by
    variable name; defaults are validated too (a bad default fails the first construction)."""

    model_config = ConfigDict(
        frozen=True,
        validate_by_name=True,
        validate_by_alias=True,
        validate_default=True,
        use_attribute_docstrings=True,
    )
