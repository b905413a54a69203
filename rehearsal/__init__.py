"""The deploy rehearsal: the synthesized stack applied, re-planned, changed, seeded, collected and
destroyed with the real Terraform and AWS provider against a local AWS emulator (moto server).

``bash scripts/rehearse.sh`` (``python -m rehearsal``); the phases are in ``rehearsal.run``.
"""
