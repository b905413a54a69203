#!/usr/bin/env bash
# Fails when Pipfile.lock no longer matches Pipfile (someone edited Pipfile without `pipenv lock`).
# pipenv stores a sha256 of the parsed Pipfile in Pipfile.lock's _meta.hash; `pipenv verify`
# recomputes it offline, without touching the virtualenv. Usage: scripts/check-lock.sh [project-dir]
set -euo pipefail
project_dir="$(cd "${1:-$(dirname "$0")/..}" && pwd)"

if python3 -m pipenv --version >/dev/null 2>&1; then
  pipenv=(python3 -m pipenv)
elif command -v pipenv >/dev/null 2>&1; then
  pipenv=(pipenv)
else
  echo "check-lock: pipenv is not installed (scripts/install.sh installs it)" >&2
  exit 2
fi

for file in Pipfile Pipfile.lock; do
  [ -f "$project_dir/$file" ] || { echo "check-lock: $project_dir/$file is missing" >&2; exit 1; }
done

if output="$(PIPENV_PIPFILE="$project_dir/Pipfile" PIPENV_NOSPIN=1 "${pipenv[@]}" verify 2>&1)"; then
  echo "check-lock: Pipfile.lock matches Pipfile"
else
  echo "$output" >&2
  echo "check-lock: Pipfile.lock does not match Pipfile; run \`pipenv lock\` and commit both" >&2
  exit 1
fi
