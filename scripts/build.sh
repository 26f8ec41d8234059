#!/usr/bin/env bash
# Build dist/ankiconnect-ws.ankiaddon, the file to install in Anki (Tools > Add-ons >
# Install from file). Needs Python 3.11+ with pip, and PyPI the first time (the
# bundled libraries' wheels are then kept in build/vendor-wheels). Extra arguments go to
# `python -m ankiconnect_ws build` (--output FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
# The build imports the actions (the schemas it ships are made from their code), so it
# runs where this project and Anki's packages are installed: .venv, made if missing
# (without the test tools and system packages scripts/setup.sh adds).
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
  .venv/bin/python -m pip install -q -e .
fi
exec .venv/bin/python -m ankiconnect_ws build "$@"
