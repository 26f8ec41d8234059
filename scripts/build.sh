#!/usr/bin/env bash
# Build dist/ankiconnect-ws.ankiaddon, the file to install in Anki (Tools > Add-ons >
# Install from file). Needs Python 3.11+ with pip, and PyPI the first time (the
# bundled libraries' wheels are then kept in build/vendor-wheels). Extra arguments go to
# `python -m ankiconnect_ws build` (--output FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
python=.venv/bin/python
[ -x "$python" ] || python=python3
exec "$python" -m ankiconnect_ws build "$@"
