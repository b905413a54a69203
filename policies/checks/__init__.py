"""CKV_SFX_* checks, one per file; loaded by checkov with ``--external-checks-dir policies/checks``."""
