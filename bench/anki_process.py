"""Start one real Anki through the CLI and talk to it over real HTTP and WebSocket.

The one driver of a real Anki, for the benchmarks and the tests alike. It lives in
bench/ because the benchmarks run as plain scripts (``python bench/notes.py``), which
import only from their own folder; the tests, run from the project root, import it as
``bench.anki_process``. Nothing here imports test code.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from collections.abc import Callable
from typing import Any, ClassVar

from websockets.sync.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parents[1]
#: runs every Anki of a test or benchmark on this interpreter (a stock Anki's, e.g. an
#: older Anki's on Python 3.9), with the built add-on installed as a user would
STOCK_PYTHON = "ANKICONNECT_WS_ANKI_PYTHON"


class ApiCalls:
    """``envelope(action, **params)`` gives the version-6 reply; these build on it.

    Shared by this driver and the unit tests' in-process API (tests/support/local_api.py).
    """

    #: called with (action, params, result) after every successful call: the test suite
    #: adds its schema check here (tests/conftest.py); benchmarks add nothing
    success_checks: ClassVar[list[Callable[[str, dict[str, Any], Any], None]]] = []

    def envelope(self, action: str, **params: Any) -> dict[str, Any]:  # pragma: no cover
        raise NotImplementedError

    def __call__(self, action: str, **params: Any) -> Any:
        """The result; an AssertionError if the action failed (or a success check did)."""
        reply = self.envelope(action, **params)
        assert reply["error"] is None, reply["error"]
        for check in self.success_checks:
            check(action, params, reply["result"])
        return reply["result"]

    def error(self, action: str, **params: Any) -> str:
        """The error string; an AssertionError if the action succeeded."""
        reply = self.envelope(action, **params)
        assert reply["error"] is not None, f"{action} unexpectedly succeeded: {reply}"
        assert reply["result"] is None
        return reply["error"]


class AnkiProcess(ApiCalls):
    def __init__(self, base: Path, config: dict[str, Any] | None = None, env: dict[str, str] | None = None,
                 extra_profiles: tuple[str, ...] = (), python: str | None = None,
                 args: tuple[str, ...] = (), files: dict[str, str | bytes] | None = None) -> None:
        """``python``: the interpreter whose Anki runs (tests/install: a stock one;
        default: $ANKICONNECT_WS_ANKI_PYTHON, which also installs the built add-on file,
        else this one);
        ``args``: more options for ``python -m ankiconnect_ws run``; ``files`` (path
        relative to ``base`` -> content) are written before Anki starts, e.g. a probe
        add-on as ``addons21/<name>/__init__.py``."""
        self.base = base
        base.mkdir(parents=True, exist_ok=True)
        for relative, content in (files or {}).items():
            target = base / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content)
        for name in extra_profiles:
            from ankiconnect_ws.cli import prepare_base

            prepare_base(base, name)
        if config:
            meta = base / "addons21" / "ankiconnect_ws" / "meta.json"
            meta.parent.mkdir(parents=True, exist_ok=True)
            meta.write_text(json.dumps({"config": config}))
        if python is None:
            python = os.environ.get(STOCK_PYTHON) or sys.executable
            if os.environ.get(STOCK_PYTHON) and "--addon" not in args:
                from ankiconnect_ws.build import ensure_built

                args = (*args, "--addon", str(ensure_built()))
        self.proc = subprocess.Popen(
            [python, "-m", "ankiconnect_ws", "run", "--base", str(base), "--port", "0", "--headless", *args],
            cwd=str(ROOT),
            env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group: stop() can end Anki too
        )
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        match = re.fullmatch(r"ankiconnect-ws listening on http://([^:]+):(\d+)\n", line)
        if not match:
            self.proc.kill()
            err = self.proc.stderr.read() if self.proc.stderr else ""
            raise RuntimeError(f"Anki did not start: {line!r} {err}\n{self.log_tail()}")
        self.host = match.group(1)
        self.port = int(match.group(2))
        self.url = f"http://{self.host}:{self.port}"

    def log_tail(self, lines: int = 40) -> str:
        log = self.base / "anki.log"
        if not log.exists():
            return ""
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])

    # --- HTTP ------------------------------------------------------------------------

    def connection(self, timeout: float = 60) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def post(self, body: bytes | dict[str, Any] | str, headers: dict[str, str] | None = None,
             method: str = "POST", path: str = "/") -> tuple[int, dict[str, str], bytes]:
        if isinstance(body, dict):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        conn = self.connection()
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def request(self, payload: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
        status, _, body = self.post(payload, headers)
        assert status == 200, (status, body)
        return json.loads(body)

    def envelope(self, action: str, **params: Any) -> dict[str, Any]:
        return self.request({"action": action, "version": 6, "params": params, **self.key_field()})

    key: str | None = None

    def key_field(self) -> dict[str, Any]:
        return {"key": self.key} if self.key else {}

    # --- WebSocket -------------------------------------------------------------------

    def ws(self, path: str = "/", origin: str | None = None, **kwargs: Any) -> ClientConnection:
        extra = {"origin": origin} if origin else {}
        return connect(f"ws://{self.host}:{self.port}{path}", open_timeout=10, max_size=None, **extra, **kwargs)

    # --- lifetime --------------------------------------------------------------------

    def child_pid(self) -> int:
        """The pid of Anki itself: the CLI (``self.proc``) runs it as its one child."""
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        if len(children) != 1:
            raise RuntimeError(f"expected one Anki child of the CLI, found {children}")
        return int(children[0])

    def stop(self, timeout: float = 60) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            # never leave an orphaned Anki behind: kill the launcher's whole group
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            return self.proc.wait()
