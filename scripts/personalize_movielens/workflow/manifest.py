"""The upload manifest: which prepared file went to which S3 key, for `import` to use.

Kept in the data directory beside the CSVs and written atomically, so it always describes
objects that are completely in S3.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from ..data.layout import INTERACTIONS_FILE, ITEMS_FILE, USERS_FILE
from ..errors import ConfigError

MANIFEST_NAME = "upload-manifest.json"
#: The dataset of user metadata, from the MovieLens releases with demographics only.
USERS = "Users"
#: Prepared file -> Personalize dataset type.
DATA_FILES: dict[str, str] = {
    INTERACTIONS_FILE: "Interactions",
    ITEMS_FILE: "Items",
    USERS_FILE: USERS,
}


@dataclass(frozen=True)
class UploadedFile:
    dataset_type: str
    file: str
    sha256: str
    size: int
    mtime_ns: int
    bucket: str
    key: str

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def manifest_path(data_dir: Path) -> Path:
    return data_dir / MANIFEST_NAME


def read_manifest(data_dir: Path) -> dict[str, UploadedFile]:
    """Dataset type -> uploaded file; empty when nothing was uploaded yet."""
    path = manifest_path(data_dir)
    if not path.exists():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {dtype: UploadedFile(**entry) for dtype, entry in raw["files"].items()}
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"{path}: unreadable upload manifest ({exc}).",
            hint="Delete it and run `personalize-movielens upload` again.",
        ) from None


def manifest_text(files: dict[str, UploadedFile]) -> str:
    """The manifest's JSON: dataset type -> uploaded file."""
    doc = {"version": 1, "files": {dtype: asdict(entry) for dtype, entry in sorted(files.items())}}
    return json.dumps(doc, indent=2) + "\n"
