"""Model (note type) actions: :mod:`.notetypes` lists, creates and edits whole note
types (templates' text, CSS, find and replace); :mod:`.parts` renames, moves, adds and
removes their fields and card templates and sets the fields' fonts and descriptions.

Edits work on a deep copy of the note type and are saved with one ``update_dict`` call,
so a failed check never leaves Anki's cached note type half-changed
(:mod:`._notetype` has the shared lookups and the save).
"""

from __future__ import annotations

from . import notetypes, parts  # noqa: F401  (registers the actions)
