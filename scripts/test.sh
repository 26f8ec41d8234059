#!/usr/bin/env bash
# Set up, then run the whole test suite: unit tests on real Anki collections, end-to-end
# tests against one real headless Anki. Exits non-zero if any test fails or none ran.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
export QT_QPA_PLATFORM=offscreen
.venv/bin/python -m pytest "$@"
code=$?
if [ $code -eq 5 ]; then
  echo "test.sh: no tests ran" >&2
  exit 1
fi
exit $code
