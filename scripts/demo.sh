#!/usr/bin/env bash
# The demo command: set up, then run the end-to-end demonstration.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/system-deps.sh
exec .venv/bin/distillguard demo "$@"
