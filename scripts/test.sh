#!/usr/bin/env bash
# Set up, then run the whole test suite: unit tests on real Anki collections, end-to-end
# tests against one real headless Anki, the built add-on in stock Ankis from 2.1.66 on;
# then the end-to-end tests once more against the oldest Anki supported (2.1.66 on
# Python 3.9, the built file installed as a user would). Arguments go to the first run
# alone, which is then the only one. Exits non-zero if any test fails or none ran.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
export QT_QPA_PLATFORM=offscreen
OLDEST_ANKI=2.1.66

# pytest's 5 means "no tests ran": a failure here too
run() {
  "$@"
  local code=$?
  if [ $code -eq 5 ]; then
    echo "test.sh: no tests ran" >&2
    return 1
  fi
  return $code
}

run .venv/bin/python -m pytest "$@"
code=$?
if [ $# -eq 0 ]; then
  echo "test.sh: the end-to-end tests on stock Anki $OLDEST_ANKI" >&2
  oldest=$(.venv/bin/python -m tests.install.stock "$OLDEST_ANKI") || exit 1
  ANKICONNECT_WS_ANKI_PYTHON="$oldest" run .venv/bin/python -m pytest tests/e2e
  oldest_code=$?
  [ $code -eq 0 ] && code=$oldest_code
fi
exit $code
