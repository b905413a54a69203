#!/usr/bin/env bash
# Mutation testing of the pure core with mutmut (pinned in Pipfile; configured in pyproject.toml,
# [tool.mutmut]). Each mutant (a flipped comparison, a changed number or string, a dropped call)
# is run against the tests of its module; a mutant no test kills ("survived") is a behaviour no
# test pins down. Too slow for .ci/run (minutes per module): run it after changing these modules.
#
# Usage: bash scripts/mutation.sh [naming] [capacity] [aspects] [exceptions]   (default: all four)
#        MUTATION_WORKDIR=<dir> keeps the scratch copy there (default: a new temp folder).
# It works in a scratch copy of the tree, so mutmut's mutants/ folder never lands in the worktree,
# and prints the survivors per module. Inspect one with:
#   cd <workdir> && <repo>/.venv/bin/mutmut show <mutant name>
# Exit status: 0 when no mutant survived in the selected modules, 1 otherwise.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"

declare -A GLOBS=(
  [naming]="lib.naming.*"
  [capacity]="lib.capacity.*"
  [aspects]="lib.aspects.*"
  [exceptions]="core.exceptions.*"
)
modules=("$@")
[ ${#modules[@]} -gt 0 ] || modules=(naming capacity aspects exceptions)
patterns=()
for module in "${modules[@]}"; do
  [ -n "${GLOBS[$module]:-}" ] || {
    echo "mutation: unknown module '$module' (one of: ${!GLOBS[*]})" >&2
    exit 2
  }
  patterns+=("${GLOBS[$module]}")
done

work="${MUTATION_WORKDIR:-$(mktemp -d -t sfx-mutation-XXXXXX)}"
mkdir -p "$work"
# The tree as it is now (uncommitted edits included), without caches or earlier mutants.
tar -C "$repo" --exclude=.git --exclude=.venv --exclude=node_modules --exclude=mutants \
  --exclude=cdktf.out --exclude=__pycache__ --exclude=.hypothesis --exclude=reports \
  -cf - core lib compliance policies worker tests main.py cdktf.json pyproject.toml | tar -C "$work" -xf -

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 CHECKPOINT_DISABLE=1
cd "$work"
echo "==> mutmut in $work: ${patterns[*]}"
"$repo/.venv/bin/mutmut" run "${patterns[@]}" | tail -n 3
echo "==> survivors per module"
results="$("$repo/.venv/bin/mutmut" results --all true)"
status=0
for module in "${modules[@]}"; do
  prefix="${GLOBS[$module]%\*}"
  total="$(grep -c "^ *${prefix//./\\.}" <<<"$results" || true)"
  survived="$(grep "^ *${prefix//./\\.}" <<<"$results" | grep -c ": survived$" || true)"
  echo "$module: $survived survived of $total mutants"
  grep "^ *${prefix//./\\.}" <<<"$results" | grep -v ": killed$" | sed 's/^ */    /' || true
  [ "$survived" -eq 0 ] || status=1
done
exit "$status"
