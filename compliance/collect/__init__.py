"""Operating evidence: read a deployed StreamFlix account (read-only) and record what it shows.

``python -m compliance.collect --stack-dir D --out DIR`` reads the synthesized stack to know what
should exist (``design``), asks the account with read-only calls, one module per check family
(``trail``, ``alerts``, ``secrets``, ``database``, ``logs``, ``network``, ``workers``,
``account``), and writes ``runtime-evidence.json`` (schema: ``runtime-evidence.schema.json``).
"""
