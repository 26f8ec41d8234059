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

No module here uses ``from __future__ import annotations``: TypedDicts must see
``NotRequired`` as a type, not as text.
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
