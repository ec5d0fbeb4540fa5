#!/usr/bin/env bash
# Fresh machine -> lint + full test suite. Installs what the tests need: Debian's chromium (for the
# Playwright browser tests; never a downloaded browser) and the package with its test extras.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use, installed only when missing: chromium (browser tests),
# LibreOffice Impress + poppler-utils (the deck rendered to PDF and read back) and Carlito
# (metric-compatible with the Calibri the deck names).
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v soffice >/dev/null || need+=(libreoffice-impress)
command -v pdftotext >/dev/null || need+=(poppler-utils)
fc-list 2>/dev/null | grep -qi carlito || need+=(fonts-crosextra-carlito)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[app,test]"

# Real boundary data for the shared-data tests (skipped when absent).
export IBM_GEO_SHARED_DATA="${IBM_GEO_SHARED_DATA:-$(cd .. && pwd)/shared/data}"

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
