"""Transport: one asyncio thread serving AnkiConnect HTTP and WebSocket on one port.

* ``thread.py``    the asyncio loop thread, listening socket, connection limit, shutdown
* ``http.py``      HTTP/1.1 framing (h11): keep-alive, limits, bodies, upgrade hand-off
* ``http_api.py``  AnkiConnect's HTTP rules: banner, CORS, preflight, 403
* ``static.py``    the status page's files under /status
* ``handshake.py`` the WebSocket handshake: origin and key checks, accept
* ``websocket.py`` WebSocket sessions (websockets Sans-I/O): requests in, replies and events out
* ``app.py``       what they share: ``App.answer``, the one way a request is answered
* ``security.py``  origin, Host and loopback decisions
* ``stats.py``, ``apilog.py``  traffic figures, the API log
"""

from .app import App
from .thread import ServerThread

__all__ = ["App", "ServerThread"]
