"""Test outcomes from a pytest JUnit XML file, looked up by pytest node id.

The report never claims a test passed unless a JUnit file says so: a node id absent from the
file is "not run". Parametrised tests aggregate: one failing case fails the node id.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class TestOutcome(StrEnum):
    __test__ = False  # not a pytest class

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    NOT_RUN = "not-run"


class JUnitError(ValueError):
    """The file is not a JUnit XML report."""


@dataclass(frozen=True)
class TestCase:
    __test__ = False

    classname: str
    name: str
    outcome: TestOutcome
    message: str = ""


def node_address(node_id: str) -> tuple[str, str]:
    """pytest's JUnit (classname, name) for a node id, as ``mangle_test_address`` builds it."""
    parts = node_id.split("::")
    module = parts[0].removesuffix(".py").replace("/", ".")
    return ".".join([module, *parts[1:-1]]), parts[-1]


@dataclass(frozen=True)
class JUnitReport:
    cases: tuple[TestCase, ...]
    source: str
    # <testsuite><properties>: tests/conftest.py records the artifact binding there.
    properties: tuple[tuple[str, str], ...] = ()

    def outcome(self, node_id: str) -> tuple[TestOutcome, str]:
        """The aggregated outcome of a node id (all its parametrised cases) and a message."""
        classname, name = node_address(node_id)
        matches = [
            c
            for c in self.cases
            if c.classname == classname
            and (c.name == name or ("[" not in name and c.name.startswith(f"{name}[")))
        ]
        if not matches:
            return TestOutcome.NOT_RUN, f"not in {self.source}"
        failed = [c for c in matches if c.outcome is TestOutcome.FAILED]
        if failed:
            return TestOutcome.FAILED, "; ".join(f"{c.name}: {c.message}" for c in failed)
        if all(c.outcome is TestOutcome.SKIPPED for c in matches):
            return TestOutcome.SKIPPED, "; ".join(c.message for c in matches)
        passed = sum(c.outcome is TestOutcome.PASSED for c in matches)
        return TestOutcome.PASSED, f"{passed} case(s) passed"


def _case(element: ET.Element) -> TestCase:
    outcome, message = TestOutcome.PASSED, ""
    for child in element:
        if child.tag in {"failure", "error"}:
            outcome, message = TestOutcome.FAILED, child.get("message", "") or child.tag
            break
        if child.tag == "skipped":
            outcome, message = TestOutcome.SKIPPED, child.get("message", "")
    return TestCase(
        element.get("classname", ""),
        element.get("name", ""),
        outcome,
        message.splitlines()[0][:300] if message else "",
    )


def parse_junit(text: str, source: str = "junit.xml") -> JUnitReport:
    try:
        root = ET.fromstring(text)
    except ET.ParseError as err:
        raise JUnitError(f"{source}: not valid XML: {err}") from None
    if root.tag not in {"testsuites", "testsuite"}:
        raise JUnitError(f"{source}: root element is <{root.tag}>, not <testsuites>/<testsuite>")
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    properties = tuple(
        (p.get("name", ""), p.get("value", ""))
        for suite in suites
        for p in suite.findall("properties/property")
    )
    return JUnitReport(tuple(_case(e) for e in root.iter("testcase")), source, properties)


def load_junit(path: Path) -> JUnitReport:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise JUnitError(f"{path.name}: JUnit file not found") from None
    return parse_junit(text, source=path.name)
