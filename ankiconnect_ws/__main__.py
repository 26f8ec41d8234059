"""``python -m ankiconnect_ws run [--base DIR] [--port N] [--bind ADDR] [--headless] [--addon FILE]``

and ``python -m ankiconnect_ws build [--output FILE]`` (see build.py)."""

import sys

from .cli import main

sys.exit(main())
