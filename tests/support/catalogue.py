"""The action names the API must offer: upstream AnkiConnect's 122
(spec/ankiconnect-reference.md section 1) and this project's own additions."""

from __future__ import annotations

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
