#!/usr/bin/env bash
# The README test command. On a fresh machine: installs everything from the project's own files,
# then runs the code-health gates (ruff, mypy), the whole pytest suite, and the CI artefacts:
# the synthesized stack, the Checkov gate on it (SARIF/JUnit/JSON), the compliance report and the
# deploy rehearsal. Any failure fails the run; pytest's "no tests collected" (exit 5) fails it too.
#
# Order, for time (DEVELOPERS.md, "CI time"): the rehearsal is mostly waiting on the provider's
# waiters, so it starts in the background right after the install, and the lint (mypy beside the
# synth and gate), the suite (two processes, pytest-xdist) and the report run meanwhile; its exit
# code is then waited for and propagated, its output (reports/rehearsal.log) printed on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 CHECKPOINT_DISABLE=1
SUFFIX="${ENVIRONMENT_SUFFIX:-ci}"
STACK_DIR="cdktf.out/stacks/streamflix-${SUFFIX}"
REHEARSAL_LOG=reports/rehearsal.log
# The CIS 4.x alarm controls need a subscriber of the alerts topic; without one the report
# exits 1 ("not satisfied"). CI never deploys, so a placeholder address stands in for on-call.
ALARM_EMAILS="${STREAMFLIX_ALARM_EMAILS:-oncall@example.com}"
rm -rf reports && mkdir -p reports
# Background steps, ended if a later step fails. The rehearsal runs in a process group of its
# own and gets SIGINT: Python's KeyboardInterrupt runs its clean-up, which stops its emulator (a
# session of its own, rehearsal/emulator.py); SIGTERM follows if it is still running after 20 s.
mypy_pid="" rehearsal_pid=""
stop_background() {
  [ -z "$mypy_pid" ] || kill "$mypy_pid" 2>/dev/null || true
  [ -n "$rehearsal_pid" ] || return 0
  kill -INT -- "-$rehearsal_pid" 2>/dev/null || return 0
  for _ in $(seq 40); do kill -0 "$rehearsal_pid" 2>/dev/null || return 0; sleep 0.5; done
  kill -TERM -- "-$rehearsal_pid" 2>/dev/null || true
}
trap stop_background EXIT

# Every engine signs its output: with the CI key (SFX_EVIDENCE_SIGNING_KEY, from the secret
# store) or, when none is configured, a local DEVELOPMENT key (the report is then marked so),
# made here, before the rehearsal starts, so that its own `init --if-missing` finds it.
if [ -z "${SFX_EVIDENCE_KMS_KEY:-}${SFX_EVIDENCE_SIGNING_KEY:-}" ]; then
  .venv/bin/python -m compliance.keys init --if-missing
fi

echo "==> deploy rehearsal started in the background (log: ${REHEARSAL_LOG})"
# Apply, re-plan, redeploy, change safety, collect, destroy on the emulator, first: it is the
# longest step and mostly waits. It synthesizes its own copy of the same configuration as the CI
# artefact below, so that artefact's signed gate.json is reused (the report checks that it was
# made for this very cdk.tf.json); the rehearsal reads it only in its collect phase, after apply
# and change safety, minutes after the gate below has written it (a missing file fails it).
# Never skipped: a missing Terraform or provider mirror fails the run (scripts/rehearse.sh exits
# 2). `set -m` for the launch only: the job gets
# its own process group and, unlike a background job without job control, does not ignore
# SIGINT.
set -m
ENVIRONMENT_SUFFIX="$SUFFIX" STREAMFLIX_ALARM_EMAILS="$ALARM_EMAILS" \
  bash scripts/rehearse.sh --out reports/rehearsal --gate-json reports/gate/gate.json \
  >"$REHEARSAL_LOG" 2>&1 &
rehearsal_pid=$!
set +m

echo "==> ruff (lint + format check)"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "==> mypy (strict), in the background while the stack is synthesized and gated"
.venv/bin/mypy >reports/mypy.log 2>&1 &
mypy_pid=$!

echo "==> synth + gate (suffix ${SUFFIX})"
ENVIRONMENT_SUFFIX="$SUFFIX" STREAMFLIX_ALARM_EMAILS="$ALARM_EMAILS" \
  .venv/bin/python main.py
.venv/bin/python -m policies.gate "$STACK_DIR" --results reports/gate

echo "==> mypy: waiting for it"
mypy_status=0
wait "$mypy_pid" || mypy_status=$?
mypy_pid=""
cat reports/mypy.log
[ "$mypy_status" -eq 0 ] || exit "$mypy_status"

echo "==> pytest (2 processes; tests sharing a session fixture run in one: tests/conftest.py)"
# Not in pyproject's addopts: the report's --run-tests runs its own pytest in one process.
# Exit 5 (no tests collected) fails the run like any other non-zero exit.
# --durations: the slowest tests in every CI log, so a new slow one is seen (the 8-minute budget).
.venv/bin/pytest -n 2 --dist loadgroup --durations=25 --junitxml=reports/junit.xml "$@"

echo "==> compliance report (suffix ${SUFFIX})"
# --run-tests: the catalog's tests judge $STACK_DIR itself (reports/junit.xml judged the suite's
# own qa1 synth, another cdk.tf.json, which the report would refuse).
# Exit 1 (a control not satisfied, e.g. a waiver whose compensating control is not satisfied) is
# a finding the report shows; 2 (refused evidence, bad input) and 3 (incomplete) fail the run.
status=0
.venv/bin/python -m compliance.report --synth-dir "$STACK_DIR" --run-tests \
  --gate-json reports/gate/gate.json \
  --out reports/compliance || status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then exit "$status"; fi
echo "==> verify the report as an auditor would (signatures, hashes, figures)"
.venv/bin/python -m compliance.verify reports/compliance > reports/verify.txt \
  || { tail -3 reports/verify.txt; exit 1; }
tail -1 reports/verify.txt

echo "==> deploy rehearsal: waiting for it to finish"
rehearsal_status=0
wait "$rehearsal_pid" || rehearsal_status=$?
rehearsal_pid=""
if [ "$rehearsal_status" -ne 0 ]; then
  cat "$REHEARSAL_LOG"
  echo "deploy rehearsal failed (exit ${rehearsal_status}); log above and in ${REHEARSAL_LOG}" >&2
  exit "$rehearsal_status"
fi
tail -n 15 "$REHEARSAL_LOG"
