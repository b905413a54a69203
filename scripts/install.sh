#!/usr/bin/env bash
# Installs everything the project needs from its own files: Debian packages (Chromium for the
# report's rendering test), pipenv, the locked Python environment in .venv, the locked npm tools.
set -euo pipefail
cd "$(dirname "$0")/.."

PIPENV_VERSION="2026.10.3"
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

if ! python3 -m pipenv --version 2>/dev/null | grep -q "$PIPENV_VERSION"; then
  echo "==> pip install pipenv==$PIPENV_VERSION"
  python3 -m pip install --quiet "pipenv==$PIPENV_VERSION"
fi
echo "==> pipenv sync --dev (.venv)"
python3 -m pipenv sync --dev >/dev/null
echo "==> npm ci"
npm ci --no-audit --no-fund --loglevel=error >/dev/null
