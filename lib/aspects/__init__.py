"""Compliance Aspects (issue 4). Entry point used by lib.app: apply_compliance_aspects."""
