"""How one knob is declared: a pydantic field, its value type, its rule and the words people read.

A knob is ``name: <value type> = knob(env, default, ge=..., le=..., unit=...)`` on a section
model, with its meaning in the attribute docstring below it. The value types below turn the
environment's strings into typed values; ranges are pydantic constraints (``ge``/``le``); any
other rule is a ``Rule`` in the annotation. pydantic collects every error in
one pass; ``problem`` turns each into the phrase users have always read, and ``allowed`` renders a
field's constraints and rules as the allowed range errors and docs/configuration.md show.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, get_args

import annotated_types
from pydantic import BeforeValidator, Field, GetCoreSchemaHandler
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails, PydanticCustomError, core_schema


def fmt(value: Any) -> str:
    """A value as the docs and error messages show it (the same form the environment takes)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "auto"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, tuple):
        return ",".join(fmt(v) for v in value)
    return str(value)


@dataclass(frozen=True)
class Rule:
    """A check pydantic has no constraint for. ``allowed`` is the range as people read it;
    ``problem`` says what is wrong with a parsed value, or returns None. Used as annotation
    metadata, it runs after the value type has parsed the string (``auto`` = None is skipped)."""

    allowed: str
    problem: Callable[[Any], str | None]

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def _check(self, value: Any) -> Any:
        problem = None if value is None else self.problem(value)
        if problem is not None:
            raise PydanticCustomError("rule", "{problem}", {"problem": problem})
        return value


def one_of(*choices: Any) -> Rule:
    return Rule(
        f"one of {', '.join(fmt(c) for c in choices)}",
        lambda value: None if value in choices else "is not one of the choices",
    )


def matching(pattern: re.Pattern[str], allowed: str, optional: bool = False) -> Rule:
    """A string matching ``pattern`` (or empty, when ``optional``)."""

    def problem(value: str) -> str | None:
        ok = (optional and not value) or pattern.match(value)
        return None if ok else "has the wrong form"

    return Rule(allowed + ("; empty to leave unset" if optional else ""), problem)


def in_steps_of(step: float) -> Rule:
    """Exact multiples: pydantic's ``multiple_of`` tolerates a 1e-9 relative error, AWS does not."""
    return Rule(
        f"in steps of {fmt(step)}",
        lambda value: None if (value / step).is_integer() else f"is not a multiple of {fmt(step)}",
    )


# --- value types: what the environment's strings become --------------------------------------


def _strip(transform: Callable[[str], str]) -> BeforeValidator:
    return BeforeValidator(lambda v: transform(v.strip()) if isinstance(v, str) else v)


_BOOLEANS = dict.fromkeys(("1", "true", "yes", "on"), True) | dict.fromkeys(
    ("0", "false", "no", "off"), False
)


def _boolean(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if value.strip().lower() not in _BOOLEANS:  # pydantic's own bool also takes t/f/y/n
        raise PydanticCustomError("bool_parsing", "is not a boolean")
    return _BOOLEANS[value.strip().lower()]


def _auto(value: Any) -> Any:
    return None if isinstance(value, str) and value.strip().lower() == "auto" else value


def _comma_list(value: Any) -> Any:
    if not isinstance(value, str) or not value.strip():
        return () if isinstance(value, str) else value
    parts = tuple(part.strip() for part in value.split(","))
    if not all(parts):
        raise PydanticCustomError("list_parsing", "has an empty entry between commas")
    return parts


_WHOLE = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


def _numeral(value: Any, pattern: re.Pattern[str] = _WHOLE) -> Any:
    """Refuse, in our words, what pydantic's lax parsing would take ("1_000", "1.0" for a whole
    number, "nan", "1e400" as infinity); pydantic then converts and checks the range."""
    if not isinstance(value, str):
        return value
    if not pattern.fullmatch(value.strip()):
        kind = "whole" if pattern is _WHOLE else "decimal"
        raise PydanticCustomError("numeral", f"is not a {kind} number")
    if not math.isfinite(float(value)):
        raise PydanticCustomError("numeral", "is not a finite number")
    return value


Text = Annotated[str, _strip(str)]
Lower = Annotated[str, _strip(str.lower)]
Upper = Annotated[str, _strip(str.upper)]
Integer = Annotated[int, BeforeValidator(_numeral)]
Number = Annotated[
    float, BeforeValidator(lambda v: _numeral(v, _DECIMAL)), Field(allow_inf_nan=False)
]
Boolean = Annotated[
    bool,
    BeforeValidator(_boolean),
    Rule("true or false (also 1/0, yes/no, on/off)", lambda _: None),
]
# Before-validators run last to first: "auto" becomes None before anything else looks at it.
AutoInteger = Annotated[int | None, BeforeValidator(_numeral), BeforeValidator(_auto)]
AutoText = Annotated[str | None, _strip(str), BeforeValidator(_auto)]
CommaList = Annotated[tuple[str, ...], BeforeValidator(_comma_list)]

_TYPE_NAMES = {str: "string", int: "integer", float: "number", bool: "boolean"}


def knob(
    env: str,
    default: Any,
    *,
    ge: float | None = None,
    le: float | None = None,
    unit: str = "",
    doc: str | None = None,
) -> Any:
    """One knob: read from ``env``, ``default`` when unset, ``ge``/``le`` its inclusive range (in
    ``unit``). Its meaning is the attribute docstring below it (or ``doc``, when computed); any
    other rule sits in the annotation as a ``Rule``."""
    extra: dict[str, Any] | None = {"unit": unit} if unit else None
    return Field(
        default, validation_alias=env, description=doc, ge=ge, le=le, json_schema_extra=extra
    )


def type_name(field: FieldInfo) -> str:
    """``integer``, ``string or auto``, ...: the value type as the docs name it."""
    args = get_args(field.annotation)
    if type(None) in args:
        return f"{_TYPE_NAMES[args[0]]} or auto"
    if field.annotation in _TYPE_NAMES:
        return _TYPE_NAMES[field.annotation]
    return "comma-separated list"


def allowed(field: FieldInfo) -> str:
    """The field's range and rules as one phrase, e.g. ``0 to 256 ACU in steps of 0.5``."""
    parts = [rule.allowed for rule in field.metadata if isinstance(rule, Rule)]
    low = next((m.ge for m in field.metadata if isinstance(m, annotated_types.Ge)), None)
    high = next((m.le for m in field.metadata if isinstance(m, annotated_types.Le)), None)
    if low is not None and high is not None:
        unit = (
            field.json_schema_extra.get("unit")
            if isinstance(field.json_schema_extra, dict)
            else None
        )
        parts.insert(0, f"{fmt(low)} to {fmt(high)}" + (f" {unit}" if unit else ""))
    text = " ".join(parts)
    return f"auto, or {text}" if type(None) in get_args(field.annotation) else text


# pydantic's error types, in the words users read (the rest are our own PydanticCustomErrors).
_PHRASES = {
    "finite_number": "is not a finite number",
    "greater_than_equal": "is out of range",
    "less_than_equal": "is out of range",
}


def problem(error: ErrorDetails) -> str:
    """What is wrong with the value, without pydantic's wording, location or documentation URL."""
    return _PHRASES.get(error["type"], error["msg"])
