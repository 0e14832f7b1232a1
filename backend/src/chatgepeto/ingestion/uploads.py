"""Accept files into a collection: check size, type and content, store them, queue jobs.

Used by the HTTP upload and by `chatgepeto ingest`. Every file is checked before anything is
stored, so a refused file leaves no trace.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from chatgepeto.errors import InvalidInput, TooLarge, UnsupportedMedia
from chatgepeto.ingestion.filetypes import UnsupportedFileType, detect_type, safe_filename
from chatgepeto.storage.db import session_scope
from chatgepeto.storage.files import FileStore
from chatgepeto.storage.models import Document, Job

_COPY_BUFFER = 1024 * 1024


@dataclass
class StagedFile:
    filename: str
    path: Path
    size: int
    sha256: str
    content_type: str


def stage_file(stream: BinaryIO, filename: str | None, folder: Path, limit: int) -> StagedFile:
    """Copy an upload to a temporary file in `folder`, hashing it and enforcing `limit` bytes."""
    name = safe_filename(filename)
    digest = hashlib.sha256()
    size = 0
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".upload")
    target = Path(tmp)
    with open(fd, "wb") as out:
        while chunk := stream.read(_COPY_BUFFER):
            size += len(chunk)
            if size > limit:
                raise TooLarge(
                    f"'{name}' is larger than the {limit // (1024 * 1024)} MB limit per file."
                )
            digest.update(chunk)
            out.write(chunk)
    if size == 0:
        raise InvalidInput(f"'{name}' is empty.")
    try:
        content_type = detect_type(name, target)
    except UnsupportedFileType as exc:
        raise UnsupportedMedia(str(exc)) from exc
    return StagedFile(name, target, size, digest.hexdigest(), content_type)


class Registered(NamedTuple):
    """One file of an upload once registered: its document, the job that ingests it (the
    last one, for a duplicate left as it is), and whether the content was there already."""

    document: Document
    job_id: str | None
    duplicate: bool


def register_files(
    sessions: sessionmaker[Session],
    files: FileStore,
    collection_id: str,
    staged: list[StagedFile],
) -> tuple[list[Registered], list[str]]:
    """Create documents and jobs for new content; report duplicates as they are.

    Returns the upload items and the ids of the jobs to run. A file whose earlier upload
    failed is queued again.
    """
    items: list[Registered] = []
    new_jobs: list[str] = []
    saved_keys: list[str] = []
    try:
        with session_scope(sessions) as session:
            seen: dict[str, Registered] = {}
            for file in staged:
                if file.sha256 in seen:  # the same bytes twice in one request
                    items.append(seen[file.sha256]._replace(duplicate=True))
                    continue
                existing = session.scalar(
                    select(Document).where(
                        Document.collection_id == collection_id, Document.sha256 == file.sha256
                    )
                )
                if existing is not None and existing.status != "failed":
                    last_job = session.scalar(
                        select(Job.id)
                        .where(Job.document_id == existing.id)
                        .order_by(Job.created_at.desc())
                        .limit(1)
                    )
                    item = Registered(existing, last_job, duplicate=True)
                elif existing is not None:
                    existing.status, existing.progress, existing.error = "queued", 0.0, None
                    existing.error_code = None
                    job = Job(document_id=existing.id)
                    session.add(job)
                    session.flush()
                    new_jobs.append(job.id)
                    item = Registered(existing, job.id, duplicate=True)
                else:
                    document = Document(
                        collection_id=collection_id,
                        filename=file.filename,
                        content_type=file.content_type,
                        size_bytes=file.size,
                        sha256=file.sha256,
                        storage_key="",
                        status="queued",
                    )
                    session.add(document)
                    session.flush()
                    document.storage_key = f"{collection_id}/{document.id}"
                    files.save(document.storage_key, file.path, file.content_type)
                    saved_keys.append(document.storage_key)
                    job = Job(document_id=document.id)
                    session.add(job)
                    session.flush()
                    new_jobs.append(job.id)
                    item = Registered(document, job.id, duplicate=False)
                seen[file.sha256] = item
                items.append(item)
    except BaseException:
        for key in saved_keys:
            files.delete(key)
        raise
    return items, new_jobs
