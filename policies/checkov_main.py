"""Checkov's own entry point with the two changes the gate needs (run as a subprocess only).

1. Documents are decoded after checkov parses a Terraform JSON file (``policies.decode``), so
   the built-in checks that read policies and container definitions can evaluate them.
2. UNKNOWN results are kept. Checkov's ``Report.add_record`` drops them (only PASSED, FAILED and
   SKIPPED are recorded), so a check that could not judge a resource vanished from every output.
   Here they are recorded too and written as ``results.unknown_checks`` in the JSON report, in
   the same shape as ``failed_checks``.

Both hooks patch checkov internals (3.3.x). If the patched names are missing (a checkov upgrade
moved them) this module exits with status 3 instead of scanning blind.

Usage: ``python -m policies.checkov_main <checkov arguments>``.
"""

from __future__ import annotations

import sys
from typing import Any

from policies.decode import decode_definition

UNKNOWN_KEY = "unknown_checks"
EXIT_HOOKS_MISSING = 3


def install_hooks() -> None:
    """Patch checkov's terraform_json parser and its Report (raises AttributeError if moved)."""
    from checkov.common.models.enums import CheckResult
    from checkov.common.output.report import Report
    from checkov.terraform_json import parser

    prepare_definition = parser.prepare_definition
    add_record = Report.add_record
    get_dict = Report.get_dict

    def decoding_prepare_definition(definition: dict[str, Any]) -> dict[str, Any]:
        prepared = prepare_definition(definition)
        decode_definition(prepared)
        return prepared

    def recording_add_record(self: Report, record: Any) -> None:
        if record.check_result["result"] == CheckResult.UNKNOWN:
            # an instance attribute, so it survives checkov's parallel runners (pickled reports)
            self.__dict__.setdefault(UNKNOWN_KEY, []).append(record)
        add_record(self, record)

    def get_dict_with_unknown(self: Report, *args: Any, **kwargs: Any) -> dict[str, Any]:
        out: dict[str, Any] = get_dict(self, *args, **kwargs)
        if isinstance(out.get("results"), dict):
            out["results"][UNKNOWN_KEY] = [r.__dict__ for r in self.__dict__.get(UNKNOWN_KEY, [])]
        return out

    parser.prepare_definition = decoding_prepare_definition
    Report.add_record = recording_add_record  # type: ignore[method-assign]
    Report.get_dict = get_dict_with_unknown  # type: ignore[method-assign]


def main() -> int:
    try:
        install_hooks()
    except (ImportError, AttributeError) as err:
        print(f"policies.checkov_main: cannot hook checkov ({err})", file=sys.stderr)
        return EXIT_HOOKS_MISSING
    from checkov.main import Checkov

    return int(Checkov().run() or 0)


if __name__ == "__main__":
    sys.exit(main())
