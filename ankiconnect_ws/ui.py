"""The add-on's own Qt bits: the permission prompt and the Tools menu entry.

Everything here runs on the main thread and never blocks it: the prompt is a
non-modal window whose answer arrives through a future.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import webbrowser
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .actions.context import PromptAnswer
from .config import Config

if TYPE_CHECKING:  # pragma: no cover
    from aqt.main import AnkiQt
    from aqt.qt import QAction

__all__ = ["PermissionPrompts", "open_prompts", "install_menu", "nobody_can_answer", "close_for_exit"]

#: Anki's windows that ask "discard current input?" before closing
_ASKING_WINDOWS = ("AddCards", "NewAddCards")
#: Qt object name of our permission prompts, to find them among Anki's windows
PROMPT_NAME = "ankiconnect_ws_permission_prompt"


def nobody_can_answer() -> bool:
    """True when Anki runs without a screen (offscreen Qt): no one could answer a prompt."""
    from aqt.qt import QGuiApplication

    return QGuiApplication.platformName() in ("offscreen", "minimal")


def _dismiss_boxes() -> None:
    """Close the modal boxes on show (there is no screen to answer them on).

    A page's JavaScript alert is one: Anki shows it in a box, and the page's scripts
    wait until it is closed - so does closing the Browser, which first saves its editor
    through that page's script. The exit would wait forever.
    """
    from aqt.qt import QApplication, QDialog

    for _ in range(20):  # boxes on boxes; a box that refuses to close stops the loop
        box = QApplication.activeModalWidget()
        if box is None:
            return
        if isinstance(box, QDialog):
            box.reject()
        else:
            box.close()
        if QApplication.activeModalWidget() is box:
            return


#: the timer of :func:`_keep_dismissing_boxes` (kept referenced until Anki exits)
_dismisser: Any = None


def _keep_dismissing_boxes() -> None:
    """Close boxes that open while Anki closes, too: a page that Anki's close replaces
    can still fail its request and alert ("Failed to fetch"). A timer, because it also
    fires inside such a box's nested event loop; parented to the application, which
    outlives the main window."""
    global _dismisser
    from aqt.qt import QApplication, QTimer

    if _dismisser is None:
        _dismisser = QTimer(QApplication.instance())
        _dismisser.timeout.connect(_dismiss_boxes)
        _dismisser.start(200)


def close_for_exit(mw: AnkiQt) -> None:
    """Close Anki the normal way (collection saved).

    Without a screen, an Add window holding input would ask "discard?" and wait forever
    for an answer nobody can give, so it is closed without asking first, and open modal
    boxes are closed. With a screen the user sees them, as in Anki itself.
    """
    import aqt

    if nobody_can_answer():
        _dismiss_boxes()
        _keep_dismissing_boxes()
        for name in _ASKING_WINDOWS:
            entry = aqt.dialogs._dialogs.get(name)
            window = entry[1] if entry else None
            if window is not None:
                try:
                    window._close()
                except Exception:  # already closing: Anki's own close goes on
                    pass
    mw.close()


class PermissionPrompts:
    """The requestPermission prompts (main thread). A Yes adds the origin to
    ``webCorsOriginList``, a No with "ignore" ticked to ``ignoreOriginList``."""

    def __init__(self, mw: AnkiQt, settings: Callable[[], Config],
                 save_config_value: Callable[[str, Any], None]) -> None:
        self.mw = mw
        self.settings = settings
        self.save_config_value = save_config_value
        #: origins whose prompt is on screen, and how many prompts were shown
        self.on_screen: list[str] = []
        self.shown = 0

    def facts(self) -> dict[str, Any]:
        """For serverStatus (``anki``): who is waiting for the user."""
        return {"permissionPrompts": list(self.on_screen), "permissionPromptsShown": self.shown}

    def ask(self, origin: str) -> PromptAnswer:
        from aqt.qt import QCheckBox, QMessageBox, Qt

        answer: concurrent.futures.Future[bool] = concurrent.futures.Future()
        box = QMessageBox(self.mw)
        box.setWindowTitle("A website wants to access to Anki")
        box.setText(f'"{origin}" requests permission to use Anki through ankiconnect-ws. Do you want to give it access?')
        box.setInformativeText("By granting permission, you'll allow the website to modify your collection on your behalf, including the execution of destructive actions such as deck deletion.")
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        ignore = QCheckBox(f'Ignore further requests from "{origin}"', box)
        box.setCheckBox(ignore)
        box.setWindowFlags(box.windowFlags() | Qt.WindowType.WindowStaysOnTopHint)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setObjectName(PROMPT_NAME)
        box.setProperty("origin", origin)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def finished(result: int) -> None:
            granted = result == QMessageBox.StandardButton.Yes.value or box.clickedButton() is box.button(QMessageBox.StandardButton.Yes)
            config = self.settings()
            if granted:
                self.save_config_value("webCorsOriginList", [*config.webCorsOriginList, origin])
            elif ignore.isChecked() and origin:
                self.save_config_value("ignoreOriginList", [*config.ignoreOriginList, origin])
            if not answer.done():
                answer.set_result(granted)
            self.on_screen = open_prompts()

        def withdraw() -> None:
            if not answer.done():
                answer.set_result(False)
            # the user may have closed it just now (it deletes itself on close)
            with contextlib.suppress(RuntimeError):
                box.close()

        box.finished.connect(finished)
        box.show()
        self.shown += 1
        self.on_screen = open_prompts()
        return PromptAnswer(answer, withdraw)


def open_prompts() -> list[str]:
    """The origins whose permission prompt is on screen, read from Qt's own window list."""
    from aqt.qt import QApplication

    return [
        str(widget.property("origin"))
        for widget in QApplication.topLevelWidgets()
        if widget.objectName() == PROMPT_NAME and widget.isVisible()
    ]


def install_menu(mw: AnkiQt, address: Callable[[], tuple[str, int] | None],
                 listen_error: Callable[[], str | None]) -> QAction:
    """Tools > ankiconnect-ws status page, which opens the page at ``address()``, or
    says why there is none (``listen_error()``) instead of doing nothing."""
    from aqt.qt import QAction

    action = QAction("ankiconnect-ws status page", mw)

    def open_page() -> None:
        bound = address()
        if not bound:
            from aqt.utils import tooltip

            tooltip(listen_error() or "ankiconnect-ws is not listening yet", period=10000)
            return
        host, port = bound
        host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        host = f"[{host}]" if ":" in host else host  # an IPv6 address in a URL
        webbrowser.open(f"http://{host}:{port}/status")

    action.triggered.connect(open_page)
    mw.form.menuTools.addAction(action)
    return action
