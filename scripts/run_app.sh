#!/usr/bin/env bash
# Fresh machine -> the app on the bundled demo data at http://127.0.0.1:8501 (stop it with Ctrl+C).
# The first start installs into .venv (about a minute); later starts skip the install while
# pyproject.toml is unchanged (its hash is kept in .venv/.ibm-geo-app-installed).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
stamp=.venv/.ibm-geo-app-installed
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ] || ! .venv/bin/python -c "import ibm_geo, streamlit" 2>/dev/null; then
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e ".[app]"
  echo "$want" > "$stamp"
fi
exec .venv/bin/streamlit run app.py "$@"
