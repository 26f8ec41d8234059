"""The action catalogue cannot silently shrink: apiReflect must list upstream's 122
actions (spec/ankiconnect-reference.md section 1) plus this project's own additions, and
docs/compatibility.md must account for every one of them."""

from __future__ import annotations

import re
from pathlib import Path

from ..conftest import LocalApi

UPSTREAM_122 = [
    "addNote", "addNotes", "addTags", "answerCards", "apiReflect", "areDue", "areSuspended",
    "canAddNote", "canAddNoteWithErrorDetail", "canAddNotes", "canAddNotesWithErrorDetail",
    "cardReviews", "cardsInfo", "cardsModTime", "cardsToNotes", "changeDeck",
    "clearUnusedTags", "cloneDeckConfigId", "createDeck", "createModel", "deckNameFromId",
    "deckNames", "deckNamesAndIds", "deleteDecks", "deleteMediaFile", "deleteNotes",
    "exportPackage", "findAndReplaceInModels", "findCards", "findModelsById",
    "findModelsByName", "findNotes", "forgetCards", "getActiveProfile",
    "getCollectionStatsHTML", "getDeckConfig", "getDeckStats", "getDecks", "getEaseFactors",
    "getIntervals", "getLatestReviewID", "getMediaDirPath", "getMediaFilesNames",
    "getNoteTags", "getNumCardsReviewedByDay", "getNumCardsReviewedToday", "getProfiles",
    "getReviewsOfCards", "getTags", "guiAddCards", "guiAddNoteSetData", "guiAnswerCard",
    "guiBrowse", "guiCheckDatabase", "guiCurrentCard", "guiDeckBrowser", "guiDeckOverview",
    "guiDeckReview", "guiEditNote", "guiExitAnki", "guiImportFile", "guiPlayAudio",
    "guiReviewActive", "guiSelectCard", "guiSelectNote", "guiSelectedNotes",
    "guiShowAnswer", "guiShowQuestion", "guiStartCardTimer", "guiUndo", "importPackage",
    "insertReviews", "loadProfile", "modelFieldAdd", "modelFieldDescriptions",
    "modelFieldFonts", "modelFieldNames", "modelFieldRemove", "modelFieldRename",
    "modelFieldReposition", "modelFieldSetDescription", "modelFieldSetFont",
    "modelFieldSetFontSize", "modelFieldsOnTemplates", "modelNameFromId", "modelNames",
    "modelNamesAndIds", "modelStyling", "modelTemplateAdd", "modelTemplateRemove",
    "modelTemplateRename", "modelTemplateReposition", "modelTemplates", "multi",
    "notesInfo", "notesModTime", "relearnCards", "reloadCollection", "removeDeckConfigId",
    "removeEmptyNotes", "removeTags", "replaceTags", "replaceTagsInAllNotes",
    "requestPermission", "retrieveMediaFile", "saveDeckConfig", "setDeckConfigId",
    "setDueDate", "setEaseFactors", "setSpecificValueOfCard", "storeMediaFile", "suspend",
    "suspended", "sync", "unsuspend", "updateModelStyling", "updateModelTemplates",
    "updateNote", "updateNoteFields", "updateNoteModel", "updateNoteTags", "version",
]

#: ours: the seed's names upstream dropped, and the WebSocket/status additions
OUR_ADDITIONS = ["createNewModel", "upgrade", "subscribe", "unsubscribe", "serverStatus", "unloadProfile"]

COMPATIBILITY = Path(__file__).resolve().parents[2] / "docs" / "compatibility.md"


def test_upstream_list_is_the_reference_122() -> None:
    assert len(UPSTREAM_122) == len(set(UPSTREAM_122)) == 122


def test_api_reflect_lists_exactly_upstream_plus_ours(api: LocalApi) -> None:
    reflected = api("apiReflect", scopes=["actions"], actions=None)["actions"]
    assert reflected == sorted(reflected)
    assert set(reflected) == set(UPSTREAM_122) | set(OUR_ADDITIONS)


def test_compatibility_doc_lists_every_action() -> None:
    text = COMPATIBILITY.read_text(encoding="utf-8")
    table = set(re.findall(r"^\| `([A-Za-z]+)` \|", text, flags=re.M))
    missing = (set(UPSTREAM_122) | set(OUR_ADDITIONS)) - table
    assert not missing, f"docs/compatibility.md has no row for: {sorted(missing)}"
    assert "122/122" in text
