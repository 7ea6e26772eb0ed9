#!/usr/bin/env bash
# Set up ceasefire on a fresh Debian/Ubuntu machine: system packages (when run as root or
# with sudo), then a virtual environment in .venv with every extra installed.
#   bash install.sh            # everything
#   VENV=/path bash install.sh # another venv location
set -euo pipefail
cd "$(dirname "$0")"
VENV="${VENV:-.venv}"

# System packages used by optional parts (PDF rendering, PostgreSQL, browser tests).
# Listed in one place; each later part adds its own here.
APT_PACKAGES=(
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core   # PDF (WeasyPrint)
  chromium                                                                  # dashboard browser tests
)
# the dashboard's bundle is built with npm (below); Debian's Node.js when the machine has none
command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(nodejs npm)
if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then APT_PACKAGES=(); fi
if [ "${SKIP_APT:-0}" != 1 ] && [ "${#APT_PACKAGES[@]}" -gt 0 ] && command -v apt-get >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}"
fi

python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -e ".[all]"

# The dashboard (docs/dashboard.md): OpenLayers and esbuild from the npm registry at the
# versions in web/dashboard/package-lock.json, bundled into src/ceasefire/web/static/build/.
if command -v npm >/dev/null 2>&1; then
  (cd web/dashboard && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build)
else
  echo "npm not found: the dashboard is not built (install Node.js and npm, run install.sh again)" >&2
fi
echo "installed: $("$VENV/bin/ceasefire" --version)"
