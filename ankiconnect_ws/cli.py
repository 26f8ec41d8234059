"""``python -m ankiconnect_ws run``: real Anki with this add-on, headless when needed.

The command prepares a base folder (profile "User 1", no first-run dialogs), installs
the add-on as built (``dist/ankiconnect-ws.ankiaddon``, rebuilt when the sources changed,
or the file given with ``--addon``) into ``BASE/addons21/ankiconnect_ws`` through Anki's
own add-on manager, starts Anki in a child process and prints one line once the API
accepts requests::

    ankiconnect-ws listening on http://127.0.0.1:8765

Anki's own output goes to ``BASE/anki.log``. SIGINT/SIGTERM close Anki cleanly (the
collection is saved). Anki lets one instance run per user unless
``ANKI_SINGLE_INSTANCE_KEY`` is set, so the key is derived from the base folder: the
command never just raises a desktop Anki the user has open, and several run side by side.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .addon import AddOn

__all__ = ["main", "prepare_base", "install_addon", "built_addon", "install_in_anki", "write_schema_documents"]

ADDON_FOLDER = "ankiconnect_ws"
#: set in the child's environment: this Anki was started by `run`
CHILD_FLAG = "ANKICONNECT_WS_CLI"
#: names the file through which the child says it is ready (see ReadyFile)
READY_FILE = "ANKICONNECT_WS_READY_FILE"
PROFILE = "User 1"
#: how long a stop (Ctrl-C, SIGTERM) may take before Anki is killed
STOP_TIMEOUT = 30.0

# Runs in the child. It must not import ankiconnect_ws: Anki has to load the add-on
# itself, from addons21, exactly as it would for a user.
_CHILD = """
import faulthandler, os, signal, sys
faulthandler.register(signal.SIGUSR1, all_threads=True)  # a stack dump into anki.log before a kill
faulthandler.enable(all_threads=True)  # and one if Anki crashes
import aqt
# Anki before 25.07 ignores ANKI_SINGLE_INSTANCE_KEY: one key per user, so a second
# sandbox Anki would hand its arguments to the first and exit
aqt.AnkiApp.KEY = os.environ["ANKI_SINGLE_INSTANCE_KEY"]
sys.argv = ["anki", "-b", sys.argv[1], "-p", sys.argv[2]]
aqt.run()
"""


def prepare_base(base: Path, profile: str = PROFILE) -> None:
    """Create the profiles database with first-run settings already answered."""
    base.mkdir(parents=True, exist_ok=True)
    from aqt.profiles import ProfileManager

    pm = ProfileManager(ProfileManager.get_created_base_folder(str(base)))
    pm.setupMeta()
    pm.create(profile)
    pm.meta["firstRun"] = False
    pm.meta.setdefault("defaultLang", None)
    if not pm.meta.get("defaultLang"):
        pm.meta["defaultLang"] = "en_US"
    pm.meta["last_loaded_profile_name"] = profile
    # pm.save() needs a loaded profile; write the global settings row directly.
    pm.db.execute("insert or replace into profiles values ('_global', ?)", pm._pickle(pm.meta))
    pm.db.commit()
    pm.db.close()


def install_addon(base: Path, addon_file: Path) -> Path:
    """Install a built add-on file into BASE/addons21 the way Tools > Add-ons > Install
    from file does (``AddonManager.install``): the user's config in meta.json is kept."""
    from aqt.addons import AddonManager, InstallOk
    from aqt.profiles import ProfileManager

    class FileInstaller(AddonManager):
        """Anki's installer without a main window. An old copy is deleted for good
        rather than sent to the desktop trash (this runs at every start)."""

        def __init__(self, addons_folder: str) -> None:  # no menu to wire, no sys.path change
            self._folder = addons_folder

        def addonsFolder(self, module: str | None = None) -> str:
            return self._folder if module is None else os.path.join(self._folder, module)

        def deleteAddon(self, module: str) -> None:
            shutil.rmtree(self.addonsFolder(module))

    pm = ProfileManager(ProfileManager.get_created_base_folder(str(base)))
    # force_enable, as Tools > Add-ons > Install from file does
    result = FileInstaller(pm.addonFolder()).install(str(addon_file), force_enable=True)
    if not isinstance(result, InstallOk):
        raise RuntimeError(f"Anki refused {addon_file}: {result.errmsg}")
    return base / "addons21" / ADDON_FOLDER


def built_addon() -> Path:
    """This checkout's add-on file, rebuilt if the sources changed since the last build."""
    from .build import ensure_built

    return ensure_built()


def _has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) or sys.platform in ("darwin", "win32")


def child_environment(base: Path, args: argparse.Namespace, ready_file: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["ANKI_SINGLE_INSTANCE_KEY"] = "ankiconnect-ws-" + hashlib.sha1(str(base).encode()).hexdigest()[:16]
    env[CHILD_FLAG] = "1"
    env[READY_FILE] = str(ready_file)
    if args.headless or not _has_display():
        env["QT_QPA_PLATFORM"] = "offscreen"
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        flags = env.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
        if "--no-sandbox" not in flags:
            env["QTWEBENGINE_CHROMIUM_FLAGS"] = (flags + " --no-sandbox").strip()
    if args.port is not None:
        env["ANKICONNECT_BIND_PORT"] = str(args.port)
    if args.bind is not None:
        env["ANKICONNECT_BIND_ADDRESS"] = args.bind
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def run(args: argparse.Namespace) -> int:
    base = Path(args.base).expanduser().resolve()
    if args.addon:
        addon_file = Path(args.addon).resolve()
        if not addon_file.is_file():
            sys.stderr.write(f"ankiconnect-ws: no add-on file {addon_file}\n")
            return 2
    else:
        from .build import BuildError

        try:
            addon_file = built_addon()
        except BuildError as exc:
            sys.stderr.write(f"ankiconnect-ws: cannot build the add-on: {exc}\n")
            return 1
    # stdout carries one line, the address; importing aqt prints a notice there in
    # Anki up to 23.12 ("Running with temporary Qt5 compatibility shims.")
    with contextlib.redirect_stdout(sys.stderr):
        prepare_base(base, args.profile)
        install_addon(base, addon_file)
    fd, ready_name = tempfile.mkstemp(prefix="ankiconnect-ws-ready-")
    os.close(fd)
    ready_file = Path(ready_name)
    ready_file.write_text("")
    log_path = base / "anki.log"
    with open(log_path, "ab") as log:
        child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(base), args.profile],
            cwd=str(base),
            env=child_environment(base, args, ready_file),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    stopping = False

    def stop(_signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        deadline = time.monotonic() + args.timeout
        while True:
            text = ready_file.read_text().strip()
            if text.startswith("error "):
                sys.stderr.write(text[len("error "):] + "\n")
                stop(0, None)
                child.wait(STOP_TIMEOUT)
                return 1
            if text:
                host, port = text.rsplit(" ", 1)
                shown = f"[{host}]" if ":" in host else host
                print(f"ankiconnect-ws listening on http://{shown}:{port}", flush=True)
                break
            if child.poll() is not None or stopping:
                sys.stderr.write(f"ankiconnect-ws: Anki exited before the server started; see {log_path}\n")
                sys.stderr.write(_tail(log_path))
                return child.returncode or 1
            if time.monotonic() > deadline:
                sys.stderr.write(f"ankiconnect-ws: no server after {args.timeout}s; see {log_path}\n")
                stop(0, None)
                try:
                    child.wait(STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    child.kill()
                return 1  # a failed start, even though Anki then closed cleanly
            time.sleep(0.05)
        stop_deadline: float | None = None
        while True:
            try:
                code = child.wait(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                if stopping and stop_deadline is None:
                    stop_deadline = time.monotonic() + STOP_TIMEOUT
                if stop_deadline is not None and time.monotonic() > stop_deadline:
                    sys.stderr.write(f"ankiconnect-ws: Anki did not close within {STOP_TIMEOUT:.0f}s; killing it "
                                     f"(where each thread was: {log_path})\n")
                    child.send_signal(signal.SIGUSR1)
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        child.wait(timeout=1)
                    child.kill()
        return 0 if stopping and code in (0, -signal.SIGTERM) else code
    finally:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
        ready_file.unlink(missing_ok=True)
        # Anki is gone; a stop asked for now is moot. Python restores the default
        # handlers while it shuts down, so a SIGTERM arriving then (a caller stopping us
        # just as Anki exits by itself, e.g. after guiExitAnki) would turn our exit code
        # into -15. Ignored signals stay ignored.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "".join(path.read_text(errors="replace").splitlines(keepends=True)[-lines:])
    except OSError:
        return ""


class ReadyFile:
    """In the child: tells the waiting command where the API listens, or why it cannot
    (a line in the file named by ``ANKICONNECT_WS_READY_FILE``; see :func:`run`)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def serving(self, address: tuple[str, int]) -> None:
        self.path.write_text(f"{address[0]} {address[1]}\n", encoding="utf-8")

    def cannot_listen(self, message: str) -> None:
        self.path.write_text(f"error {message}\n", encoding="utf-8")


def install_in_anki(addon: AddOn) -> None:
    """In Anki started by :func:`run` (nothing otherwise): report where the API listens,
    and make SIGTERM/SIGINT close Anki the normal way (collection saved).

    The signal handlers replace Anki's own (``AnkiQt.onUnixSignal``), which closes at
    once: during start-up that close is lost, and headless an Add window would wait
    forever on its "discard?" question (see ui.close_for_exit).
    """
    if not os.environ.get(CHILD_FLAG):
        return
    ready_file = os.environ.get(READY_FILE)
    if ready_file:
        addon.watch_serving(ReadyFile(Path(ready_file)))

    from aqt.qt import QTimer

    mw = addon.mw

    def close_when_settled() -> None:
        # A close while the profile is still loading would be lost: wait for it.
        if mw.state == "startup":
            mw.progress.single_shot(200, close_when_settled, False)
        else:
            from .ui import close_for_exit

            close_for_exit(mw)

    def close(_signum: int, _frame: Any) -> None:
        # Python runs this on the main thread. A timer, not Anki's task queue: a batch of
        # that queue can wait behind a modal box, while timers fire inside its loop too.
        QTimer.singleShot(0, close_when_settled)

    signal.signal(signal.SIGTERM, close)
    signal.signal(signal.SIGINT, close)
    # Python runs signal handlers only when it gets control; Qt's loop is C++. The
    # timer belongs to the main window (its Qt parent keeps it).
    timer = QTimer(mw)
    timer.timeout.connect(lambda: None)
    timer.start(200)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ankiconnect_ws")
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="start real Anki with this add-on")
    run_parser.add_argument("--base", default="./.anki-data", help="Anki base folder (default ./.anki-data)")
    run_parser.add_argument("--port", type=int, default=None, help="port (0 picks a free one)")
    run_parser.add_argument("--bind", default=None, help="bind address (default 127.0.0.1)")
    run_parser.add_argument("--headless", action="store_true", help="no window (offscreen Qt)")
    run_parser.add_argument("--addon", default=None,
                            help="install this .ankiaddon file (default: build this checkout's)")
    run_parser.add_argument("--profile", default=PROFILE, help=argparse.SUPPRESS)
    run_parser.add_argument("--timeout", type=float, default=120.0, help=argparse.SUPPRESS)
    sub.add_parser("build", help="write dist/ankiconnect-ws.ankiaddon", add_help=False)
    schema_parser = sub.add_parser("schema", help="write the API's documents: docs/openapi.json, docs/asyncapi.json, web/ankiconnect-ws.d.ts")
    schema_parser.add_argument("--output", default=None,
                               help="one folder for all three (default: docs/ and web/ of this checkout)")
    schema_parser.add_argument("--check", action="store_true",
                               help="write nothing; exit 1 if the files differ from what the code generates")
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["build"]:
        from .build import main as build_main

        return build_main(argv[1:])
    args = parser.parse_args(argv)
    if args.command == "run":
        return run(args)
    if args.command == "schema":
        return write_schema_documents(args)
    return 2


def write_schema_documents(args: argparse.Namespace) -> int:
    """``schema``: (re)generate the committed API documents, or check them (CI)."""
    from .schema import write_documents

    checkout = Path(__file__).resolve().parent.parent
    folder = Path(args.output) if args.output else checkout / "docs"
    types_folder = Path(args.output) if args.output else checkout / "web"
    differing = write_documents(folder, check=args.check, types_folder=types_folder)
    for path in differing:
        print(f"{'differs' if args.check else 'wrote'}: {path}")
    if args.check and differing:
        print("the API documents are out of date: run python -m ankiconnect_ws schema", file=sys.stderr)
        return 1
    return 0
