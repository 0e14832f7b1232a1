"""Original uploaded files, kept under opaque keys (never the user's file name).

Two stores with one interface: a folder under DATA_DIR (the default) and an S3 bucket
(`S3_BUCKET`), which every API process and worker of a deployment shares. Keys are ids we
generate (`<collection id>/<document id>`), so they are never paths a user chose.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, Protocol, runtime_checkable

from chatgepeto.observability.logging import get_logger

log = get_logger(__name__)


@runtime_checkable
class FileStore(Protocol):
    """Where original files live; every caller goes through this interface."""

    def save(self, key: str, source: Path, content_type: str | None = None) -> None:
        """Store the file at `source` under `key` (replacing what was there)."""

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove one file; a missing file is not an error."""

    def delete_prefix(self, prefix: str) -> None:
        """Remove every file under the folder `prefix` (a collection's files)."""

    def open(self, key: str) -> BinaryIO:
        """A seekable binary stream of the file; FileNotFoundError if it is missing."""

    def local_copy(self, key: str) -> Any:
        """A context manager giving a local path to read the file from (for the loaders).

        The path is only valid inside the `with` block; a downloaded copy is removed after.
        FileNotFoundError if the file is missing.
        """


def _check_key(key: str) -> str:
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"invalid storage key {key!r}")
    return key


class LocalFileStore:
    """Files in a folder under DATA_DIR; keys are ids we generate, so no path tricks."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"invalid storage key {key!r}")
        return path

    def save(self, key: str, source: Path, content_type: str | None = None) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        shutil.copyfile(source, tmp)
        tmp.replace(path)

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> None:
        shutil.rmtree(self._path(prefix), ignore_errors=True)

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    @contextmanager
    def local_copy(self, key: str) -> Iterator[Path]:
        path = self._path(key)
        if not path.is_file():
            raise FileNotFoundError(f"stored file {key!r} is missing")
        yield path


class S3FileStore:
    """Files as objects in an S3 bucket, under `prefix` (credentials: the standard AWS chain).

    `endpoint_url` points at an S3-compatible server (MinIO, or moto in the tests).
    """

    def __init__(
        self,
        bucket: str,
        prefix: str = "uploads/",
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        tmp_dir: Path | None = None,
        client: Any = None,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        self.tmp_dir = tmp_dir
        if client is None:
            import boto3
            from botocore.config import Config

            config = Config(
                retries={"mode": "standard", "max_attempts": 3},
                connect_timeout=5,
                read_timeout=60,
                # S3-compatible servers (MinIO) want bucket names in the path.
                s3={"addressing_style": "path"} if endpoint_url else None,
            )
            session = boto3.session.Session()
            # No region anywhere (or an empty AWS_DEFAULT_REGION): S3's default, us-east-1;
            # botocore follows a bucket elsewhere by its redirects.
            region = region or session.region_name or "us-east-1"
            client = session.client(
                "s3", endpoint_url=endpoint_url or None, region_name=region, config=config
            )
        self.client = client

    def object_key(self, key: str) -> str:
        return self.prefix + _check_key(key)

    def save(self, key: str, source: Path, content_type: str | None = None) -> None:
        extra = {"ContentType": content_type} if content_type else None
        self.client.upload_file(str(source), self.bucket, self.object_key(key), ExtraArgs=extra)

    def _head(self, key: str) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError

        try:
            return self.client.head_object(Bucket=self.bucket, Key=self.object_key(key))
        except ClientError as exc:
            if _status(exc) == 404:
                return None
            raise

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.object_key(key))

    def delete_prefix(self, prefix: str) -> None:
        folder = self.object_key(prefix.rstrip("/")) + "/"
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=folder):
            objects = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if not objects:
                continue
            answer = self.client.delete_objects(
                Bucket=self.bucket, Delete={"Objects": objects, "Quiet": True}
            )
            if answer.get("Errors"):
                raise OSError(f"S3 refused to delete some objects: {answer['Errors'][:3]}")

    def open(self, key: str) -> BinaryIO:
        head = self._head(key)
        if head is None:
            raise FileNotFoundError(f"stored file {key!r} is missing")
        return S3ObjectReader(self.client, self.bucket, self.object_key(key), head["ContentLength"])

    @contextmanager
    def local_copy(self, key: str) -> Iterator[Path]:
        from botocore.exceptions import ClientError

        if self.tmp_dir is not None:
            self.tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.tmp_dir, suffix=".s3")
        os.close(fd)
        path = Path(name)
        try:
            try:
                self.client.download_file(self.bucket, self.object_key(key), str(path))
            except ClientError as exc:
                if _status(exc) == 404:
                    raise FileNotFoundError(f"stored file {key!r} is missing") from exc
                raise
            yield path
        finally:
            path.unlink(missing_ok=True)


def _status(exc: Any) -> int | None:
    response = getattr(exc, "response", {}) or {}
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if status is None and response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
        return 404
    return status


class S3ObjectReader(io.RawIOBase):
    """A seekable read-only stream over one S3 object.

    Nothing is fetched until the first read; each read continues one ranged GetObject
    (`Range: bytes=<position>-`), and a seek starts a new one. So a Range request for the end
    of a large PDF fetches only that end.
    """

    def __init__(self, client: Any, bucket: str, key: str, size: int) -> None:
        super().__init__()
        self.client, self.bucket, self.key, self.size = client, bucket, key, size
        self._position = 0
        self._body: Any = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.size}[whence]
        position = max(0, base + offset)
        if position != self._position:
            self._close_body()
            self._position = position
        return position

    def readinto(self, buffer: Any) -> int:
        if self._position >= self.size or len(buffer) == 0:
            return 0
        if self._body is None:
            answer = self.client.get_object(
                Bucket=self.bucket, Key=self.key, Range=f"bytes={self._position}-"
            )
            self._body = answer["Body"]
        data = self._body.read(len(buffer))
        if not data:  # the object ended early (replaced meanwhile): stop here
            self._position = self.size
            return 0
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)

    def _close_body(self) -> None:
        if self._body is not None:
            try:
                self._body.close()
            except Exception:
                log.warning("s3_body_close_failed", key=self.key)
            self._body = None

    def close(self) -> None:
        self._close_body()
        super().close()


def make_file_store(settings: Any) -> FileStore:
    """The store the settings name: S3 when S3_BUCKET is set, else DATA_DIR/files."""
    if settings.storage.s3_bucket:
        return S3FileStore(
            settings.storage.s3_bucket,
            settings.storage.s3_prefix,
            endpoint_url=settings.storage.s3_endpoint_url or None,
            region=settings.storage.aws_region or None,
            tmp_dir=settings.storage.data_dir / "tmp",
        )
    return LocalFileStore(settings.storage.files_dir)
