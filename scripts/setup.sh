#!/usr/bin/env bash
# Set up everything DistillGuard needs on a machine with only Python 3.11 and pip:
# a virtual environment in .venv with the locked dependencies and the package itself.
# Safe to run again: it reinstalls only when requirements.lock changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
stamp=.venv/.distillguard-lock
want=$(sha256sum requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
    .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.lock 2>&1 | grep -v '^WARNING: Location' || true
    .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -e . 2>&1 | grep -v -e '^WARNING: Location' -e 'Warning' -e '^ ' -e '^$' -e '!!' || true
    .venv/bin/python -c "import distillguard, duckdb, pytest" 
    echo "$want" > "$stamp"
fi
