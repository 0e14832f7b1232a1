"""Documents: upload, list, show, open the original, delete; a cited chunk in its context;
a document whose text arrives already cut into chunks (an evaluation or benchmark corpus)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from chatgepeto.errors import InvalidInput, NotFound
from chatgepeto.ingestion.chunk_rows import store_chunks
from chatgepeto.ingestion.chunking import ChunkRecord
from chatgepeto.ingestion.jobs import JobRunner
from chatgepeto.ingestion.pipeline import Ingestor
from chatgepeto.ingestion.uploads import Registered, register_files, stage_file
from chatgepeto.resources.collections import require_collection
from chatgepeto.retrieval.vectorstore import VectorIndex
from chatgepeto.storage.db import session_scope
from chatgepeto.storage.files import FileStore
from chatgepeto.storage.lookup import get_or_404, not_found
from chatgepeto.storage.models import Chunk, Document
from chatgepeto.storage.versions import bump_index_version


@dataclass(frozen=True)
class Upload:
    """One file of an upload: its bytes as they arrive, and the name the client gave."""

    stream: BinaryIO
    filename: str | None


@dataclass(frozen=True)
class UploadLimits:
    max_files: int
    max_bytes: int


class ChunkInContext(NamedTuple):
    """A chunk, its document's file name and the text of the chunks just before and after
    it in that document."""

    chunk: Chunk
    filename: str
    before: str | None
    after: str | None


class LocalIngest(NamedTuple):
    """A local file after `Documents.ingest_local`: its document, and whether it was
    ingested now (False: the collection held the same content already)."""

    document: Document
    new: bool


class TextPiece(NamedTuple):
    """One chunk of a pre-chunked document: its id, page, and where its text starts."""

    id: str
    page: int | None
    start_offset: int
    text: str


@dataclass(frozen=True)
class ChunkedText:
    """A document that arrives already cut into chunks, with no file for ingestion to read
    (a BEIR corpus, a benchmark's synthetic text); `storage_key` names its original text in
    the file store if the caller saved one there."""

    filename: str
    sha256: str
    size_bytes: int
    pieces: Sequence[TextPiece]
    content_type: str = "text/plain"
    storage_key: str = ""
    pages: int | None = None


class Documents:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        files: FileStore,
        vectors: VectorIndex,
        jobs: JobRunner,
        ingestor: Ingestor,
        limits: UploadLimits,
        tmp_dir: Path,
    ) -> None:
        self.sessions = sessions
        self.files = files
        self.vectors = vectors
        self.jobs = jobs
        self.ingestor = ingestor
        self.limits = limits
        self.tmp_dir = tmp_dir

    def upload(
        self, collection_id: str, uploads: Sequence[Upload]
    ) -> tuple[list[Registered], bool]:
        """Store the files as documents of the collection and queue their ingestion.

        Every file is checked first (size, type, content); if any is refused, nothing is
        stored. Returns the upload items and whether any new job was queued (a duplicate of
        a stored document queues none).
        """
        if not uploads:
            raise InvalidInput("Send one or more files in the multipart field 'files'.")
        if len(uploads) > self.limits.max_files:
            raise InvalidInput(f"At most {self.limits.max_files} files per upload.")
        items, new_jobs = self._register(collection_id, uploads)
        for job_id in new_jobs:
            self.jobs.submit(job_id)
        return items, bool(new_jobs)

    def _register(
        self, collection_id: str, uploads: Sequence[Upload]
    ) -> tuple[list[Registered], list[str]]:
        """Stage and check every file, then register them all (documents and jobs) or none."""
        with self.sessions() as session:
            require_collection(session, collection_id)
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.tmp_dir) as folder:
            staged = [
                stage_file(u.stream, u.filename, Path(folder), self.limits.max_bytes)
                for u in uploads
            ]
            return register_files(self.sessions, self.files, collection_id, staged)

    def ingest_local(
        self,
        collection_id: str,
        path: Path,
        on_progress: Callable[[float], None] | None = None,
    ) -> LocalIngest:
        """Store a file from disk as a document of the collection and ingest it in this
        thread, not on the job queue (the CLI, `make eval`, `make bench`): checked and
        registered as an upload is, its job run at once. The document's status tells how the
        ingestion ended."""
        with path.open("rb") as fh:
            items, new_jobs = self._register(collection_id, [Upload(fh, path.name)])
        for job_id in new_jobs:
            self.ingestor.run_job(job_id, on_progress=on_progress)
        return LocalIngest(self.get(items[0].document.id), bool(new_jobs))

    def list(self, collection_id: str, ids: Sequence[str] | None = None) -> list[Document]:
        """A collection's documents, newest first; with `ids`, only those of them."""
        stmt = select(Document).where(Document.collection_id == collection_id)
        if ids is not None:
            stmt = stmt.where(Document.id.in_(ids))
        with self.sessions() as session:
            require_collection(session, collection_id)
            return list(session.scalars(stmt.order_by(Document.created_at.desc())))

    def get(self, document_id: str) -> Document:
        """One document with its ingestion status and progress, or NotFound."""
        with self.sessions() as session:
            return get_or_404(session, Document, document_id)

    def open_file(self, document_id: str) -> tuple[Document, BinaryIO]:
        """The document and its original file, opened (from whichever store holds it)."""
        document = self.get(document_id)
        try:
            return document, self.files.open(document.storage_key)
        except FileNotFoundError as exc:
            raise NotFound("The original file of this document is missing.") from exc

    def delete(self, document_id: str) -> None:
        """Delete a document with its chunks, vectors and file: the vectors inside the
        transaction that deletes the rows (if they fail, nothing is gone), the file after it
        (a file left behind is only bytes; a row without its file would be a broken link)."""
        with session_scope(self.sessions) as session:
            document = get_or_404(session, Document, document_id)
            collection_id, key = document.collection_id, document.storage_key
            self.vectors.delete_document(collection_id, document.id)
            session.delete(document)
            bump_index_version(session, collection_id)
        self.files.delete(key)

    def add_chunked(self, collection_id: str, text: ChunkedText) -> list[ChunkRecord]:
        """Store `text` as a ready document of the collection with its chunks (SQL rows and
        BM25 terms, by ingestion's own write), in one transaction; its chunk records, for the
        caller to embed (`VectorIndex.upsert`)."""
        if not text.pieces:
            raise InvalidInput(f"{text.filename} has no chunks to store.")
        with session_scope(self.sessions) as session:
            require_collection(session, collection_id)
            document = Document(
                collection_id=collection_id,
                filename=text.filename,
                content_type=text.content_type,
                size_bytes=text.size_bytes,
                sha256=text.sha256,
                storage_key=text.storage_key,
                pages=text.pages,
                chunks=len(text.pieces),
                status="ready",
                progress=1.0,
            )
            session.add(document)
            session.flush()
            records = [
                ChunkRecord(
                    id=piece.id,
                    document_id=document.id,
                    collection_id=collection_id,
                    filename=text.filename,
                    page=piece.page,
                    chunk_index=index,
                    start_offset=piece.start_offset,
                    end_offset=piece.start_offset + len(piece.text),
                    text=piece.text,
                )
                for index, piece in enumerate(text.pieces)
            ]
            store_chunks(session, records)
        return records

    def chunk(self, chunk_id: str) -> ChunkInContext:
        """A chunk with its neighbours' text (the source viewer's context for text sources)."""
        with self.sessions() as session:
            chunk = session.get(Chunk, chunk_id)
            if chunk is None:
                raise not_found("Chunk", chunk_id, "; its document may be gone")
            document = session.get(Document, chunk.document_id)
            neighbours = {
                n.chunk_index: n.text
                for n in session.scalars(
                    select(Chunk).where(
                        Chunk.document_id == chunk.document_id,
                        Chunk.chunk_index.in_([chunk.chunk_index - 1, chunk.chunk_index + 1]),
                    )
                )
            }
            return ChunkInContext(
                chunk,
                document.filename if document else "",
                neighbours.get(chunk.chunk_index - 1),
                neighbours.get(chunk.chunk_index + 1),
            )
