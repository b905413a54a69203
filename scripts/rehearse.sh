#!/usr/bin/env bash
# The deploy rehearsal: the synthesized stack applied with the real Terraform CLI and the real
# hashicorp/aws provider (from a local filesystem mirror, offline) against the rehearsal's own
# moto server; then a second plan, a redeploy, change safety for every live knob, seeded data,
# operating evidence and a destroy (docs/deploying.md, "Rehearse before you deploy").
# Writes reports/rehearsal/rehearsal.json and summary.txt. Exit 0 passed, 1 a phase failed,
# 2 Terraform or the provider mirror is missing (REHEARSAL_TERRAFORM, REHEARSAL_PROVIDER_MIRROR).
# Never skipped: a missing toolchain fails, in CI too. Arguments go to `python -m rehearsal`.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || bash scripts/install.sh
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 CHECKPOINT_DISABLE=1
# Evidence is signed by every engine; with no CI or KMS key, a local development key.
if [ -z "${SFX_EVIDENCE_KMS_KEY:-}${SFX_EVIDENCE_SIGNING_KEY:-}" ]; then
  .venv/bin/python -m compliance.keys init --if-missing >/dev/null
fi
exec .venv/bin/python -m rehearsal "$@"
