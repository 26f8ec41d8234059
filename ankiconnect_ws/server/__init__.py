"""Transport: one asyncio thread serving AnkiConnect HTTP and WebSocket on one port.

* ``thread.py``    the asyncio loop thread, listening socket, lifecycle
* ``http.py``      HTTP/1.1 connections (h11), static status page, upgrade hand-off
* ``legacy.py``    AnkiConnect's HTTP API rules (banner, CORS, 403, requestPermission)
* ``websocket.py`` WebSocket sessions (websockets Sans-I/O)
* ``security.py``  origin, Host and loopback decisions
* ``app.py``       what they share; knows nothing of Anki
"""

from .app import App
from .thread import ServerThread

__all__ = ["App", "ServerThread"]
