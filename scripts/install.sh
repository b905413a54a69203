#!/usr/bin/env bash
# Installs everything the project needs from its own files: Debian packages (Chromium for the
# report's rendering test), pipenv, the locked Python environment in .venv, the locked npm tools.
# The Python environment is exactly Pipfile.lock: pipenv exports it with its sha256 hashes and uv
# installs it (hashes required, bytecode compiled: a provider import without .pyc takes ~33 s, not
# ~10). uv rather than `pipenv sync`: same lock, same versions, measured 2x-3x faster on a clean
# clone (DEVELOPERS.md, "CI time"). npm ci runs meanwhile.
set -euo pipefail
cd "$(dirname "$0")/.."

PIPENV_VERSION="2026.10.3"
UV_VERSION="0.13.8"
export PIPENV_VENV_IN_PROJECT=1 PIPENV_YES=1 PIPENV_NOSPIN=1 PIP_DISABLE_PIP_VERSION_CHECK=1

python3 -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required")'
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
  || { echo "Node.js >= 20 is required" >&2; exit 1; }

# Debian packages: only what is missing, only where we may install (root).
apt_packages=()
command -v chromium >/dev/null 2>&1 || apt_packages+=(chromium)
if ((${#apt_packages[@]})); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> apt-get install ${apt_packages[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
  else
    echo "note: ${apt_packages[*]} missing and not installable here; the tests that need them are skipped" >&2
  fi
fi

tools=()
python3 -m pipenv --version 2>/dev/null | grep -q "$PIPENV_VERSION" || tools+=("pipenv==$PIPENV_VERSION")
python3 -m uv --version 2>/dev/null | grep -q "uv $UV_VERSION" || tools+=("uv==$UV_VERSION")
if ((${#tools[@]})); then
  echo "==> pip install ${tools[*]}"
  python3 -m pip install --quiet "${tools[@]}"
fi

echo "==> npm ci (in the background) and the locked Python environment (.venv, uv)"
npm_log="$(mktemp)"
npm ci --no-audit --no-fund --loglevel=error >"$npm_log" 2>&1 &
npm_pid=$!
requirements="$(mktemp)"
trap 'rm -f "$requirements" "$npm_log"' EXIT
# Default and develop packages, each pinned with every hash the lock holds.
python3 -m pipenv requirements --dev --hash >"$requirements"
if ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
  # --seed: pip and setuptools in the venv, as pipenv's virtualenv had them.
  python3 -m uv venv --quiet --seed --python "$(command -v python3)" .venv
fi
# `uv pip install`, not `sync`: like `pipenv sync`, it leaves packages the lock does not name.
python3 -m uv pip install --quiet --python .venv/bin/python --require-hashes --compile-bytecode \
  --native-tls -r "$requirements"
wait "$npm_pid" || { cat "$npm_log" >&2; echo "npm ci failed" >&2; exit 1; }
