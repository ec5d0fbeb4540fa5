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
# nginx: docs/deploy.md's proxy config is run in front of Streamlit (tests/test_office_proxy.py;
# started by the test on 127.0.0.1, never as a service)
[ -x /usr/sbin/nginx ] || need+=(nginx-light)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # Debian starts the nginx service on port 80 after installing it: the tests want none of it
  if [[ " ${need[*]} " == *" nginx-light "* ]] && command -v systemctl >/dev/null; then
    $SUDO systemctl disable --now nginx >/dev/null 2>&1 || true
  fi
fi

# PostgreSQL for the office tests (a throw-away server on 127.0.0.1, started by the tests
# themselves as the unprivileged postgres user and stopped at the end); Debian's package only.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[app,test]"

# Real boundary data for the shared-data tests (skipped when absent).
export IBM_GEO_SHARED_DATA="${IBM_GEO_SHARED_DATA:-$(cd .. && pwd)/shared/data}"

.venv/bin/ruff check .
.venv/bin/ruff format --check .
# two workers, a whole test file each (module fixtures built once): the serial suite keeps only
# one of the two cores busy (docs/ARCHITECTURE.md, Tests); IBM_GEO_TEST_WORKERS=1 runs serially
workers="${IBM_GEO_TEST_WORKERS:-2}"
xdist=()
[ "$workers" -gt 1 ] && xdist=(-n "$workers" --dist loadfile)
.venv/bin/python -m pytest -q -p no:cacheprovider "${xdist[@]}" "$@"
