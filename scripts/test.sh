#!/usr/bin/env bash
# The test command: set up, lint, run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/system-deps.sh
.venv/bin/ruff check src tests bench
.venv/bin/python -m pytest -q "$@"
