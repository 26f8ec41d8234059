"""One real Anki per test session (start-up takes seconds), started through the CLI."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from anki.collection import Collection

from ankiconnect_ws.cli import PROFILE
from bench.anki_process import AnkiProcess

from ..support.clock import far_day_start

#: small limits so the limit tests need small payloads
TEST_CONFIG = {"maxBodyBytes": 1_000_000, "wsMaxMessageBytes": 1_000_000, "subscriberQueueSize": 50,
               "permissionPromptTimeout": 2}
API_KEY = "s3cret-key"
#: a second profile in the shared Anki, for profile-switch tests
SECOND_PROFILE = "Second"


@pytest.fixture(scope="session")
def day_start_hour() -> int:
    """When the shared Anki's collection starts its day: 12 hours from the session's start."""
    return far_day_start()


@pytest.fixture(scope="session")
def anki(tmp_path_factory: pytest.TempPathFactory, day_start_hour: int) -> Iterator[AnkiProcess]:
    base = tmp_path_factory.mktemp("anki")
    # the profile's collection, made before Anki opens it
    (base / PROFILE).mkdir()
    collection = Collection(str(base / PROFILE / "collection.anki2"))
    collection.set_config("rollover", day_start_hour)
    collection.close()
    config = {**TEST_CONFIG, "apiLogPath": str(base / "api.log")}
    process = AnkiProcess(base, config=config, extra_profiles=(SECOND_PROFILE,))
    try:
        yield process
    finally:
        code = process.stop()
        if code != 0:
            print(process.log_tail())


@pytest.fixture(scope="session")
def anki_keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnkiProcess]:
    """A second Anki whose apiKey comes from the environment (ANKICONNECT_API_KEY)."""
    process = AnkiProcess(tmp_path_factory.mktemp("anki-keyed"), env={"ANKICONNECT_API_KEY": API_KEY})
    try:
        yield process
    finally:
        process.stop()
