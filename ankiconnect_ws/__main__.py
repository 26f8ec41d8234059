"""``python -m ankiconnect_ws run [--base DIR] [--port N] [--bind ADDR] [--headless]``"""

import sys

from .cli import main

sys.exit(main())
