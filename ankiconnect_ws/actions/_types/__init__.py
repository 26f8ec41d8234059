"""The shapes of the API's structured values, for the actions' type hints, one module
per domain: :mod:`.common` (leniency markers, flags, ids, tags), :mod:`.notes` (notes
and media), :mod:`.cards` (cards, reviews, the GUI's windows), :mod:`.models` (note
types and deck options), :mod:`.server` (``multi``, permissions, subscriptions,
``serverStatus``). Every name is importable from this package.

The API's schema (ankiconnect_ws/schema) is built from these hints: TypedDicts for
objects, aliases for values that need a word more than their Python type (see
:mod:`ankiconnect_ws.schema.hints`); a ``#:`` comment above a TypedDict's field is that
field's description (read from the source by :func:`ankiconnect_ws.schema.convert.field_docs`).
Hints are documentation and schema only: nothing checks them when an action runs.

The hints are text at run time (``from __future__ import annotations``): only the schema
builder evaluates them, on Python 3.11+, when the add-on is built or run from a checkout.
The built add-on ships the schemas it made, so Anki on Python 3.9 never evaluates them.
Aliases used as values (``IntOrText = Union[int, str]``) are spelt the 3.9 way.
"""

from .cards import (  # noqa: F401
    AddDialogClosed,
    CardEase,
    CardId,
    CardIds,
    CardInfo,
    CardModTime,
    CurrentCard,
    Ease,
    GuiNote,
    ReorderCards,
    Review,
    ReviewRow,
    SpecificValueOutcome,
)
from .common import (  # noqa: F401
    CHECKED,
    FALSE_OTHERWISE,
    OWN_CHECK,
    PER_ITEM,
    FieldText,
    FilePath,
    Flag,
    IntOrText,
    NotFound,
    Tags,
    TagString,
)
from .models import (  # noqa: F401
    CardTemplate,
    DeckConfig,
    DeckConfigUpdate,
    DeckStats,
    FieldFont,
    FindAndReplace,
    ModelStylingUpdate,
    ModelTemplatesUpdate,
    NamedCardTemplate,
    Notetype,
    Styling,
    TemplateSides,
    TemplateTexts,
)
from .notes import (  # noqa: F401
    AddDetail,
    DuplicateScopeOptions,
    FieldValue,
    Media,
    MediaSpec,
    NoteFieldsUpdate,
    NoteIds,
    NoteInfo,
    NoteModelChange,
    NoteModTime,
    NoteOptions,
    NoteSpec,
    NoteUpdate,
)
from .server import (  # noqa: F401
    AnkiFigures,
    ApiReflection,
    ClientFigures,
    EventFigures,
    MultiItem,
    PermissionDenied,
    PermissionGranted,
    PermissionRequest,
    RecentRequest,
    Refusal,
    Seq,
    ServerFigures,
    ServerStatus,
    SubscriptionState,
    Topic,
    Topics,
    Traffic,
    TrafficTotals,
)
