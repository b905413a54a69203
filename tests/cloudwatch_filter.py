"""A small evaluator of the CloudWatch Logs JSON filter-pattern syntax our CIS patterns use.

Supported (CloudWatch Logs User Guide, "Using filter patterns to match terms in JSON log
events", https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/matching-terms-json-log-events.html):
``{ ... }``, ``$.a.b`` selectors, ``=`` / ``!=`` against a quoted or bare string with ``*``
wildcards, ``NOT EXISTS``, ``&&``, ``||`` and parentheses.

Deliberately strict where the documentation is thin, so a pattern that passes here means the
same whatever CloudWatch's rules are:

* mixing ``&&`` and ``||`` at one bracket level is refused (write the brackets);
* ``!=`` matches only when the field is present (a missing field neither equals nor differs);
  the sample events carry every field a pattern compares.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<op>&&|\|\||!=|=|\(|\)|\{|\})
      | (?P<quoted>"[^"]*")
      | (?P<notexists>NOT\s+EXISTS)
      | (?P<word>[^\s()&|=!{}"]+)
    )""",
    re.VERBOSE,
)
_MISSING = object()


class FilterSyntaxError(ValueError):
    """The pattern is outside the subset above (or ambiguous)."""


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str


def _tokens(pattern: str) -> list[_Token]:
    out: list[_Token] = []
    pos = 0
    text = pattern.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise FilterSyntaxError(f"cannot read the pattern at {text[pos : pos + 20]!r}")
        kind = m.lastgroup or ""
        out.append(_Token(kind, m.group(kind)))
        pos = m.end()
    return out


def _field(event: dict[str, Any], selector: str) -> Any:
    if not selector.startswith("$."):
        raise FilterSyntaxError(f"{selector!r}: a selector starts with $.")
    value: Any = event
    for key in selector[2:].split("."):
        if not isinstance(value, dict) or key not in value:
            return _MISSING
        value = value[key]
    return value


class _Parser:
    def __init__(self, tokens: list[_Token], event: dict[str, Any]) -> None:
        self.tokens, self.pos, self.event = tokens, 0, event

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, text: str | None = None) -> _Token:
        token = self.peek()
        if token is None or (text is not None and token.text != text):
            raise FilterSyntaxError(f"expected {text!r}, found {token and token.text!r}")
        self.pos += 1
        return token

    def expression(self) -> bool:
        values = [self.term()]
        ops: set[str] = set()
        while (token := self.peek()) is not None and token.text in ("&&", "||"):
            ops.add(self.take().text)
            values.append(self.term())
        if len(ops) > 1:
            raise FilterSyntaxError("&& and || mixed without brackets")
        return all(values) if ops == {"&&"} else any(values) if ops else values[0]

    def term(self) -> bool:
        if (token := self.peek()) is not None and token.text == "(":
            self.take("(")
            value = self.expression()
            self.take(")")
            return value
        return self.comparison()

    def comparison(self) -> bool:
        selector = self.take().text
        value = _field(self.event, selector)
        op = self.take()
        if op.kind == "notexists":
            return value is _MISSING
        if op.text not in ("=", "!="):
            raise FilterSyntaxError(f"unsupported operator {op.text!r} after {selector}")
        operand = self.take()
        if operand.kind not in ("quoted", "word"):
            raise FilterSyntaxError(f"{selector} {op.text}: expected a value")
        wanted = operand.text.strip('"')
        if value is _MISSING or isinstance(value, (dict, list)) or value is None:
            return False
        equal = fnmatch.fnmatchcase(str(value), wanted)
        return equal if op.text == "=" else not equal


def matches(pattern: str, event: dict[str, Any]) -> bool:
    """True if the JSON filter ``pattern`` matches the (CloudTrail) ``event``."""
    tokens = _tokens(pattern)
    if not tokens or tokens[0].text != "{" or tokens[-1].text != "}":
        raise FilterSyntaxError("a JSON filter pattern is enclosed in { }")
    parser = _Parser(tokens[1:-1], event)
    result = parser.expression()
    if parser.peek() is not None:
        raise FilterSyntaxError(f"unexpected {parser.peek()!r}")
    return result
