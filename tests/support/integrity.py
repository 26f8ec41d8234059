"""The collection file, checked after Anki has closed it."""

from __future__ import annotations

from pathlib import Path


def check_collection(path: Path) -> tuple[str, str]:
    """SQLite's integrity check (through Anki's backend: the indexes use its ``unicase``
    collation), then Anki's own Check Database, which also repairs what it reports;
    returns (integrity_check's answer, Anki's problems text)."""
    from anki.collection import Collection

    col = Collection(str(path))
    try:
        integrity = "; ".join(row[0] for row in col.db.all("pragma integrity_check"))
        problems, _ok = col.fix_integrity()
    finally:
        col.close()
    return integrity, problems.strip().replace("\n", "; ")
