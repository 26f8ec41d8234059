"""The status page in a real headless Chromium (Debian's /usr/bin/chromium, driven by
Playwright) against the real Anki. Screenshots go to test-artifacts/ (path printed)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from bench.anki_process import AnkiProcess
from .conftest import API_KEY

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser: Browser, anki: AnkiProcess, scheme: str = "light") -> Page:
    page = browser.new_page(color_scheme=scheme, viewport={"width": 1200, "height": 1000})
    page.goto(f"{anki.url}/status")
    return page


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")


def test_status_page_live(browser: Browser, anki: AnkiProcess) -> None:
    page = open_page(browser, anki)
    expect(page.locator("#connection")).to_have_text("connected", timeout=10000)
    expect(page.locator("#anki-profile")).to_have_text("User 1", timeout=5000)
    expect(page.locator("#anki-collection")).to_have_text("open")

    # a request sent by the test shows up in the recent list within a second
    deck = f"Status {uuid.uuid4().hex[:6]}"
    anki("createDeck", deck=deck)
    expect(page.locator("#recent tr[data-action='createDeck']").first).to_be_visible(timeout=1500)

    # a review driven through the API updates the review panel
    anki("addNote", note={"deckName": deck, "modelName": "Basic", "fields": {"Front": "status front", "Back": "b"}})
    assert anki("guiDeckReview", name=deck) is True
    expect(page.locator("#review-deck")).to_have_text(deck, timeout=5000)
    expect(page.locator("#review-question")).to_contain_text("status front")
    assert anki("guiShowAnswer") is True
    assert anki("guiAnswerCard", ease=3) is True
    expect(page.locator("#review-answers li[data-ease='3']").first).to_be_visible(timeout=5000)
    expect(page.locator("#review-answers li").first).to_contain_text(deck)
    anki("guiDeckBrowser")
    expect(page.locator("#recent tr[data-action='guiDeckBrowser']").first).to_be_visible(timeout=1500)
    screenshot(page, "status-light.png")

    # closing the profile shows the closed state; reopening recovers without a reload
    assert anki("unloadProfile") is True
    expect(page.locator("#closed-banner")).to_be_visible(timeout=5000)
    expect(page.locator("#anki-collection")).to_have_text("closed")
    assert anki("loadProfile", name="User 1") is True
    expect(page.locator("#closed-banner")).to_be_hidden(timeout=5000)
    expect(page.locator("#anki-collection")).to_have_text("open")
    page.close()

    dark = open_page(browser, anki, "dark")
    expect(dark.locator("#connection")).to_have_text("connected", timeout=10000)
    expect(dark.locator("#anki-profile")).to_have_text("User 1", timeout=5000)
    screenshot(dark, "status-dark.png")
    dark.close()


def test_status_page_asks_for_the_key_first(browser: Browser, anki_keyed: AnkiProcess) -> None:
    page = open_page(browser, anki_keyed)
    expect(page.locator("#key-prompt")).to_be_visible(timeout=10000)
    expect(page.locator("#dashboard")).to_be_hidden()
    page.fill("#key-input", "wrong key")
    page.click("button[type=submit]")
    expect(page.locator("#key-error")).to_have_text("That key is not right.", timeout=5000)
    expect(page.locator("#dashboard")).to_be_hidden()
    page.fill("#key-input", API_KEY)
    page.keyboard.press("Enter")
    expect(page.locator("#dashboard")).to_be_visible(timeout=5000)
    expect(page.locator("#key-prompt")).to_be_hidden()
    expect(page.locator("#anki-profile")).to_have_text("User 1", timeout=5000)
    screenshot(page, "status-key-accepted.png")
    page.close()


def test_api_explorer_sends_requests_over_the_page_socket(browser: Browser, anki: AnkiProcess) -> None:
    deck = f"Explorer {uuid.uuid4().hex[:6]}"
    anki("createDeck", deck=deck)
    note_id = anki("addNote", note={"deckName": deck, "modelName": "Basic",
                                    "fields": {"Front": "explorer front", "Back": "b"}})
    page = open_page(browser, anki)
    expect(page.locator("#connection")).to_have_text("connected", timeout=10000)
    expect(page.locator("#view-status")).to_be_visible()  # the status stays the first, default view
    expect(page.locator("#view-api")).to_be_hidden()
    page.click("#tab-api")
    expect(page.locator("#view-status")).to_be_hidden()
    expect(page.locator("#explorer-status")).to_contain_text("actions", timeout=5000)
    listed = anki("apiReflect", scopes=["actions"])["actions"]
    expect(page.locator("#explorer-actions button[data-action]")).to_have_count(len(listed))

    # deckNames: no params; the reply is the real deck list
    page.fill("#explorer-filter", "decknames")
    expect(page.locator("#explorer-actions button[data-action]")).to_have_count(2)  # deckNames, deckNamesAndIds
    page.click("#explorer-actions button[data-action='deckNames']")
    expect(page.locator("#explorer-name")).to_have_text("deckNames")
    expect(page.locator("#explorer-result")).to_contain_text("string[]")
    expect(page.locator("#explorer-params")).to_have_value("{}")
    page.click("#explorer-send")
    expect(page.locator("#explorer-reply[data-state='ok']")).to_be_visible(timeout=5000)
    reply = json.loads(page.locator("#explorer-reply").text_content() or "")
    assert reply == {"result": anki("deckNames"), "error": None} and deck in reply["result"]

    # findNotes: its params skeleton, filled in with a query
    page.fill("#explorer-filter", "findnotes")
    page.click("#explorer-actions button[data-action='findNotes']")
    expect(page.locator("#explorer-param-rows")).to_contain_text("query")
    assert json.loads(page.locator("#explorer-params").input_value()) == {"query": None}
    page.fill("#explorer-params", json.dumps({"query": f'"deck:{deck}"'}))
    page.click("#explorer-send")
    expect(page.locator("#explorer-reply[data-state='ok']")).to_contain_text(str(note_id), timeout=5000)
    assert json.loads(page.locator("#explorer-reply").text_content() or "") == {"result": [note_id], "error": None}
    screenshot(page, "explorer-findnotes.png")

    # an error comes back as the reply's error; bad JSON never leaves the page
    page.fill("#explorer-params", json.dumps({"query": "deck:", "extra": 1}))
    page.click("#explorer-send")
    expect(page.locator("#explorer-reply[data-state='error']")).to_contain_text("extra", timeout=5000)
    page.fill("#explorer-params", "{not json")
    page.click("#explorer-send")
    expect(page.locator("#explorer-reply[data-state='error']")).to_contain_text("not valid JSON")
    page.click("#tab-status")
    expect(page.locator("#view-status")).to_be_visible()
    expect(page.locator("#view-api")).to_be_hidden()
    page.close()


def test_api_explorer_uses_the_page_key(browser: Browser, anki_keyed: AnkiProcess) -> None:
    page = open_page(browser, anki_keyed)
    expect(page.locator("#key-prompt")).to_be_visible(timeout=10000)
    page.fill("#key-input", API_KEY)
    page.keyboard.press("Enter")
    expect(page.locator("#dashboard")).to_be_visible(timeout=5000)
    page.click("#tab-api")
    page.fill("#explorer-filter", "deckNames")
    page.click("#explorer-actions button[data-action='deckNames']")
    page.click("#explorer-send")
    expect(page.locator("#explorer-reply[data-state='ok']")).to_contain_text("Default", timeout=5000)
    screenshot(page, "explorer-keyed.png")
    page.close()
