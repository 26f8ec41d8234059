#!/usr/bin/env bash
# Set up, then run real Anki with this add-on (headless when there is no display) on a
# sandbox profile in ./.anki-data. Extra arguments go to `python -m ankiconnect_ws run`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m ankiconnect_ws run "$@"
