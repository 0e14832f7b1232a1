"""Original uploaded files, kept under opaque keys (never the user's file name)."""

from __future__ import annotations

import shutil
from pathlib import Path


class LocalFileStore:
    """Files in a folder under DATA_DIR; keys are ids we generate, so no path tricks."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"invalid storage key {key!r}")
        return path

    def save(self, key: str, source: Path) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        shutil.copyfile(source, tmp)
        tmp.replace(path)

    def local_path(self, key: str) -> Path:
        """A local path to read the file from."""
        return self._path(key)

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> None:
        shutil.rmtree(self._path(prefix), ignore_errors=True)
