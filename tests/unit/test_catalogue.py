"""The action catalogue cannot silently shrink: apiReflect must list upstream's 122
actions (spec/ankiconnect-reference.md section 1) plus this project's own additions, and
docs/compatibility.md must account for every one of them."""

from __future__ import annotations

import re
from pathlib import Path

from ..support.catalogue import OUR_ADDITIONS, UPSTREAM_122
from ..support.local_api import LocalApi

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
