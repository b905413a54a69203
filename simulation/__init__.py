"""Development only: the local simulation of a deployed account and of an audit period on moto.

``account`` builds a simulated deployed account on moto server (with the answers moto lacks),
``period`` runs a period of daily collections with an injected clock, and ``demo`` drives the
whole operating-evidence chain (``python -m compliance.demo_runtime``, whose entry module only
imports ``demo``). Nothing here ships: the collector image's build inputs
(``lib.collector_image.BUILD_INPUTS``) hold no module of this package, and no production module
imports it (tests/compliance/collect/test_collector_image.py keeps both true).
"""
