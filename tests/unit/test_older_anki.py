"""What the add-on does where an older Anki lacks something (actions/_older_anki.py).
Here on this checkout's (newest) Anki; the older paths run for real on stock Anki 2.1.66
to 25.02 in tests/install and tests/compat (the anki-connect-api client's every function)."""

from __future__ import annotations

import pytest
from anki.buildinfo import version

from ankiconnect_ws.actions import _older_anki
from ankiconnect_ws.errors import ActionError


def test_this_ankis_version_is_read_as_numbers() -> None:
    assert ".".join(str(part) for part in _older_anki.ANKI_VERSION) == ".".join(
        str(int(part)) for part in version.split(".")[:3])


def test_an_action_needing_a_newer_anki_says_which() -> None:
    _older_anki.require((2, 1, 66), "guiImportFile")  # this one is newer: nothing happens
    with pytest.raises(ActionError) as newer_anki:
        _older_anki.require((99, 10), "guiImportFile")
    assert str(newer_anki.value) == "guiImportFile is only supported from Anki version >=99.10"
    with pytest.raises(ActionError) as calendar:
        _older_anki.require((99, 2), "guiImportFile")  # Anki writes months with two digits
    assert str(calendar.value) == "guiImportFile is only supported from Anki version >=99.02"
