"""Helpers for the data tests (a unique module name: conftest.py names clash across folders)."""

from __future__ import annotations

import zipfile
from pathlib import Path


def zip_with(path: Path, members: dict[str, bytes]) -> Path:
    """A zip holding exactly `members` (name -> bytes)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path
