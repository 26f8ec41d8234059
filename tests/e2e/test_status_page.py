"""The status page in a real headless Chromium (Debian's /usr/bin/chromium, driven by
Playwright) against the real Anki. Screenshots go to test-artifacts/ (path printed)."""

from __future__ import annotations

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
