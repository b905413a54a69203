"""Dependency-free shared layer: read by lib, policies, compliance and the tests; imports none of them."""
