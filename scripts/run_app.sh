#!/usr/bin/env bash
# Fresh machine -> the app on the bundled demo data at http://127.0.0.1:8501
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[app]"
exec .venv/bin/streamlit run app.py "$@"
