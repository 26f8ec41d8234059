"""apiLogPath output, without Anki."""

from __future__ import annotations

from pathlib import Path

from ankiconnect_ws.server.apilog import ApiLog


def test_requests_and_replies_logged_sorted_with_keys_redacted(tmp_path: Path) -> None:
    path = tmp_path / "api.log"
    path.write_text("old content\n")
    log = ApiLog(str(path))
    log.write("request", {"version": 6, "action": "deckNames", "key": "secret",
                          "params": {"actions": [{"action": "x", "key": "inner"}]}})
    log.write("reply", {"result": ["Default"], "error": None})
    log.close()
    text = path.read_text()
    assert "old content" not in text  # truncated at start, as upstream
    assert text.startswith("[request]\n{\n    \"action\": \"deckNames\",")
    assert "secret" not in text and "inner" not in text and text.count("<redacted>") == 2
    assert "[reply]\n{\n    \"error\": null,\n    \"result\": [\n        \"Default\"\n    ]\n}" in text
