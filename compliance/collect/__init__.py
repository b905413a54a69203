"""Operating evidence: read a deployed StreamFlix account (read-only) and record what it shows.

``python -m compliance.collect --stack-dir D --out DIR`` reads the synthesized stack to know what
should exist (``design``), asks the account with read-only calls, one module per check family
(each declares its checks and is registered in ``checks.FAMILIES``), and writes
``runtime-evidence.json`` (schema: ``runtime-evidence.schema.json``).
"""
