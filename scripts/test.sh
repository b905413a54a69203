#!/usr/bin/env bash
# The README test command. On a fresh machine: installs everything from the project's own files,
# then runs the code-health gates (ruff, mypy), the whole pytest suite, and the CI artefacts:
# the synthesized stack, the Checkov gate on it (SARIF/JUnit/JSON), the compliance report and the
# deploy rehearsal. Any failure fails the run; pytest's "no tests collected" (exit 5) fails it too.
#
# Order, for time (DEVELOPERS.md, "CI time"): the rehearsal is mostly waiting on the provider's
# waiters, so it starts in the background right after the install; ruff, then synth + gate; then
# mypy, the compliance report (+ verify) and the suite (two processes, pytest-xdist) run side by
# side, filling each other's idle time on a 2-core runner. Each background step's exit code is
# waited for and propagated, its log (reports/{mypy,report,rehearsal}.log) printed on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 CHECKPOINT_DISABLE=1
SUFFIX="${ENVIRONMENT_SUFFIX:-ci}"
STACK_DIR="cdktf.out/stacks/streamflix-${SUFFIX}"
REHEARSAL_LOG=reports/rehearsal.log
REPORT_LOG=reports/report.log
# The CIS 4.x alarm controls need a subscriber of the alerts topic; without one the report
# exits 1 ("not satisfied"). CI never deploys, so a placeholder address stands in for on-call.
ALARM_EMAILS="${STREAMFLIX_ALARM_EMAILS:-oncall@example.com}"
rm -rf reports && mkdir -p reports
# Background steps, ended if a later step fails. The rehearsal runs in a process group of its
# own and gets SIGINT: Python's KeyboardInterrupt runs its clean-up, which stops its emulator (a
# session of its own, rehearsal/emulator.py); SIGTERM follows if it is still running after 20 s.
mypy_pid="" report_pid="" rehearsal_pid=""
stop_background() {
  [ -z "$mypy_pid" ] || kill "$mypy_pid" 2>/dev/null || true
  [ -z "$report_pid" ] || kill -TERM -- "-$report_pid" 2>/dev/null || true
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
echo "==> mypy (strict), in the background until the suite has run (log: reports/mypy.log)"
.venv/bin/mypy >reports/mypy.log 2>&1 &
mypy_pid=$!

echo "==> synth + gate (suffix ${SUFFIX})"
ENVIRONMENT_SUFFIX="$SUFFIX" STREAMFLIX_ALARM_EMAILS="$ALARM_EMAILS" \
  .venv/bin/python main.py
.venv/bin/python -m policies.gate "$STACK_DIR" --results reports/gate

echo "==> compliance report + auditor's verify, in the background (log: ${REPORT_LOG})"
# It needs only the CI stack and its gate.json, not the suite's results: --run-tests runs the
# catalog's tests on $STACK_DIR itself in its own one-process pytest (reports/junit.xml judges
# the suite's own qa1 synth, another cdk.tf.json, which the report would refuse).
# Exit 1 (a control not satisfied, e.g. a waiver whose compensating control is not satisfied) is
# a finding the report shows; 2 (refused evidence, bad input) and 3 (incomplete) fail the run.
report_and_verify() {
  local status=0
  .venv/bin/python -m compliance.report --synth-dir "$STACK_DIR" --run-tests \
    --gate-json reports/gate/gate.json --out reports/compliance || status=$?
  if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then return "$status"; fi
  echo "==> verify the report as an auditor would (signatures, hashes, figures)"
  .venv/bin/python -m compliance.verify reports/compliance >reports/verify.txt \
    || { tail -3 reports/verify.txt; return 1; }
  tail -1 reports/verify.txt
}
set -m  # its own process group, so that a failure elsewhere ends its pytest child too
report_and_verify >"$REPORT_LOG" 2>&1 &
report_pid=$!
set +m

echo "==> pytest (2 processes; tests sharing a session fixture run in one: tests/conftest.py)"
# Not in pyproject's addopts: the report's --run-tests runs its own pytest in one process.
# Exit 5 (no tests collected) fails the run like any other non-zero exit.
# --durations: the slowest tests in every CI log, so a new slow one is seen (the 8-minute budget).
.venv/bin/pytest -n 2 --dist loadgroup --durations=25 --junitxml=reports/junit.xml "$@"

# Each background step: its exit code propagated, its log printed (in full when it failed).
wait_for() {  # wait_for <name> <pid> <log>
  local status=0
  wait "$2" || status=$?
  if [ "$status" -ne 0 ]; then
    cat "$3"
    echo "$1 failed (exit ${status}); log above and in $3" >&2
    exit "$status"
  fi
  tail -n 15 "$3"
}
echo "==> mypy: waiting for it"
wait_for mypy "$mypy_pid" reports/mypy.log
mypy_pid=""
echo "==> compliance report + verify: waiting for it"
wait_for "compliance report" "$report_pid" "$REPORT_LOG"
report_pid=""
echo "==> deploy rehearsal: waiting for it to finish"
wait_for "deploy rehearsal" "$rehearsal_pid" "$REHEARSAL_LOG"
rehearsal_pid=""
