"""StreamFlix policy gate: custom Checkov checks (``policies/checks``) and the CI gate.

Run ``python -m policies.gate <cdktf.out/stacks/<stack>>``; see ``policies.gate`` and docs/gate.md.
"""
