"""Ingest one document: load pages, chunk, embed into Chroma, store chunks in SQL.

The stages overlap: each page is chunked as soon as it is read, and its chunks go to the vector
index's writer, which embeds them on other threads while the next pages are read. The chunks
reach SQL at the end, in one transaction with the document's `ready`. A failure at any step
leaves no chunks or vectors of the document behind.

A running job holds a lease on its SQL row: its holder ("host:pid") beats `heartbeat_at` every
`heartbeat_seconds`, whichever runner runs it (a thread of the API, an RQ worker). A job whose
holder has been silent for 3 beats (killed, out of memory, machine gone) is stale, and any
runner may take it back to `queued` (`recover_stale`). The attempt number is the lease's
fencing token: every write of a run (progress, failure, the final `ready`) is conditional on
it, so a holder that was only slow, not dead, cannot overwrite the run that replaced it.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from chatgepeto.ingestion.chunk_rows import ChunkFields, chunk_fields, store_chunks
from chatgepeto.ingestion.chunking import Chunker, ChunkRecord
from chatgepeto.ingestion.filetypes import PDF
from chatgepeto.ingestion.loaders import DocumentError, Page, iter_pages
from chatgepeto.ingestion.reader_process import ParseLimits
from chatgepeto.observability.logging import get_logger
from chatgepeto.observability.metrics import (
    INGESTED_CHUNKS,
    INGESTION_JOBS,
    INGESTION_SECONDS,
    INGESTION_SECONDS_PER_PAGE,
)
from chatgepeto.retrieval.vectorstore import VectorIndex, chunk_metadata
from chatgepeto.storage.db import session_scope
from chatgepeto.storage.files import FileStore
from chatgepeto.storage.models import Chunk, Document, Job, seconds_since

log = get_logger(__name__)


LEASE_BEATS = 3
ABANDONED = "The process working on this file stopped before finishing."


class DocumentGone(Exception):
    """The document was deleted while it was being ingested."""


class LeaseLost(Exception):
    """This run's job was taken up by another runner (its lease expired meanwhile)."""


def holder_id() -> str:
    """Who holds a lease: this host and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def crash_message(exc: BaseException) -> str:
    """The error recorded for a job that failed for a reason other than its file."""
    return f"Unexpected error while processing the file: {str(exc) or type(exc).__name__}"


class Ingestor:
    """Runs ingestion jobs against the SQL database, the file store and the vector index."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        files: FileStore,
        vectors: VectorIndex,
        *,
        chunk_size: int = 1000,
        chunk_overlap: int = 150,
        heartbeat_seconds: float = 10.0,
        max_attempts: int = 4,
        parse_limits: ParseLimits | None = None,
    ) -> None:
        self.sessions = sessions
        self.files = files
        self.vectors = vectors
        self.chunk_size = chunk_size
        self.chunk_overlap = chunk_overlap
        self.heartbeat_seconds = heartbeat_seconds
        self.lease_seconds = LEASE_BEATS * heartbeat_seconds
        # A job whose runner died this many times is failed rather than taken up again (a file
        # that kills its process each time must not loop forever).
        self.max_attempts = max_attempts
        # What reading one document may use (memory, CPU, text); see reader_process.
        self.parse_limits = parse_limits or ParseLimits()

    # -- leases ----------------------------------------------------------------------------------

    def claim(self, job_id: str) -> int | None:
        """Atomically move a queued job to running, leased to this process; returns the attempt
        number (the lease's fencing token), None if someone else has it."""
        now = datetime.now(UTC)
        with session_scope(self.sessions) as session:
            claimed = session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == "queued")
                .values(
                    status="running",
                    attempts=Job.attempts + 1,
                    started_at=now,
                    heartbeat_at=now,
                    holder=holder_id(),
                )
            ).rowcount
            if claimed != 1:
                return None
            return session.scalar(select(Job.attempts).where(Job.id == job_id))

    def beat(self, job_id: str, attempt: int) -> bool:
        """Renew this run's lease; False if the job is no longer this run's."""
        with session_scope(self.sessions) as session:
            renewed = session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == "running", Job.attempts == attempt)
                .values(heartbeat_at=datetime.now(UTC))
            ).rowcount
        return renewed == 1

    @contextmanager
    def lease(self, job_id: str, attempt: int) -> Iterator[threading.Event]:
        """Beat the lease on a thread while the block runs; the event is set if it was lost."""
        stop, lost = threading.Event(), threading.Event()

        def keep() -> None:
            while not stop.wait(self.heartbeat_seconds):
                try:
                    if not self.beat(job_id, attempt):
                        lost.set()
                        return
                except Exception as exc:  # the database away for a moment: beat again later
                    log.warning("job_heartbeat_failed", job_id=job_id, error=str(exc))

        thread = threading.Thread(target=keep, name=f"lease-{job_id[:8]}", daemon=True)
        thread.start()
        try:
            yield lost
        finally:
            stop.set()
            thread.join(timeout=5)

    def _stale(self) -> object:
        """The SQL condition of a running job whose holder has been silent for a lease."""
        cutoff = datetime.now(UTC) - timedelta(seconds=self.lease_seconds)
        # A row that never beat (left by a version without leases) is stale from its start.
        last_heard = func.coalesce(Job.heartbeat_at, Job.started_at)
        return and_(Job.status == "running", or_(last_heard.is_(None), last_heard < cutoff))

    def stale_jobs(self) -> list[str]:
        """Running jobs whose holder has been silent for a lease, oldest first."""
        with self.sessions() as session:
            return list(
                session.scalars(select(Job.id).where(self._stale()).order_by(Job.started_at))
            )

    def heartbeat_age(self, job: Job) -> float | None:
        """Seconds since a running job's holder last beat."""
        beat = job.heartbeat_at or job.started_at
        return None if beat is None else seconds_since(beat)

    def take_back(self, job_id: str) -> str | None:
        """Take a stale job back from its silent holder: `queued` again, or `failed` after
        `max_attempts` runs. Returns the new status, None if it is not stale (any more).

        Conditional on the job still being stale, so two runners cannot both take it, and a
        holder that beats meanwhile keeps it. Its partial vectors are left for the next run,
        which starts by deleting them (removing them here could race that run).
        """
        with session_scope(self.sessions) as session:
            job = session.scalar(select(Job).where(Job.id == job_id, self._stale()))
            if job is None:
                return None
            give_up = job.attempts >= self.max_attempts
            error = ABANDONED if give_up else f"{ABANDONED} Trying again."
            status = "failed" if give_up else "queued"
            moved = session.execute(
                update(Job)
                .where(Job.id == job_id, self._stale(), Job.attempts == job.attempts)
                .values(
                    status=status,
                    progress=0.0,
                    error=error,
                    error_code="internal_error",
                    holder=None,
                    finished_at=datetime.now(UTC) if give_up else None,
                )
            ).rowcount
            if not moved:
                return None
            document_id = job.document_id
            if not give_up and document_id is not None:
                # In the same transaction: the job is never queued behind a `running` document.
                session.execute(
                    update(Document)
                    .where(Document.id == document_id, Document.status == "running")
                    .values(status="queued", progress=0.0, error=None, error_code=None)
                )
        if give_up and document_id is not None:
            self._fail(job_id, document_id, error, "internal_error")
        log.warning("job_taken_back", job_id=job_id, status=status)
        return status

    def recover_stale(self) -> list[str]:
        """Take back every stale job; returns the ids of those queued again."""
        return [job_id for job_id in self.stale_jobs() if self.take_back(job_id) == "queued"]

    # -- runs ------------------------------------------------------------------------------------

    def run_job(
        self,
        job_id: str,
        on_progress: Callable[[float], None] | None = None,
        *,
        raise_crashes: bool = False,
    ) -> str:
        """Claim and run one ingestion job; the outcome is recorded on the job and document.

        Returns the outcome: `ready`, `failed`, `cancelled` (document deleted meanwhile) or
        `skipped` (not queued: someone else has it, or it is done). A problem with the file
        (damaged, encrypted, no text) always fails the job: running it again cannot help. Any
        other error (a crash) fails it too, unless `raise_crashes`: then it is raised, the job
        left `running`, for a queue that retries it (see `requeue`).
        """
        attempt = self.claim(job_id)
        if attempt is None:
            return "skipped"
        with self.sessions() as session:
            job = session.get(Job, job_id)
            document_id = job.document_id if job else None
        if document_id is None:
            return "skipped"
        started = time.perf_counter()
        outcome, pages = "failed", None
        try:
            with self.lease(job_id, attempt) as lost:
                self._set(job_id, document_id, attempt, status="running", progress=0.0)
                pages = self._ingest(job_id, document_id, attempt, lost, on_progress)
            outcome = "ready"
        except LeaseLost:
            # Another runner has the job now, and its vectors: touch nothing.
            outcome = "superseded"
            log.warning("job_lease_lost", document_id=document_id, job_id=job_id)
        except DocumentGone:
            outcome = "cancelled"
            self._cleanup_vectors(document_id)
        except DocumentError as exc:
            self._fail(job_id, document_id, exc.message, exc.code, attempt)
        except Exception as exc:  # any other failure is recorded on the document too
            log.exception("ingestion_crashed", document_id=document_id, job_id=job_id)
            if raise_crashes:
                outcome = "crashed"
                raise
            self._fail(job_id, document_id, crash_message(exc), "internal_error", attempt)
        except BaseException:  # interrupted (cold shutdown of a worker)
            outcome = "interrupted"
            raise
        finally:
            seconds = time.perf_counter() - started
            INGESTION_SECONDS.labels(outcome).observe(seconds)
            INGESTION_JOBS.labels(outcome).inc()
            if outcome == "ready" and pages:
                INGESTION_SECONDS_PER_PAGE.observe(seconds / pages)
            log.info(
                "ingestion_finished",
                document_id=document_id,
                job_id=job_id,
                outcome=outcome,
                seconds=round(time.perf_counter() - started, 2),
            )
        return outcome

    def requeue(self, job_id: str, error: str) -> bool:
        """Put a `running` job that crashed, or whose worker died, back to `queued` for a retry.

        An ingestion job's partial vectors are removed (the retry starts over anyway); the job
        keeps the error that ended the attempt, its document just shows `queued` again. A job
        of another kind (a study set's) has no document: only its row moves.
        """
        running, document_id = self._running(job_id)
        if not running:
            return False
        if document_id is not None:
            self._cleanup_vectors(document_id)
        with session_scope(self.sessions) as session:
            moved = session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == "running")
                .values(
                    status="queued",
                    progress=0.0,
                    error=error,
                    error_code="internal_error",
                    holder=None,
                )
            ).rowcount
            if moved and document_id is not None:
                session.execute(
                    update(Document)
                    .where(Document.id == document_id, Document.status == "running")
                    .values(status="queued", progress=0.0, error=None, error_code=None)
                )
        return moved == 1

    def give_up(self, job_id: str, error: str) -> bool:
        """Fail a `running` job that crashed, or whose worker died, with no retry left."""
        running, document_id = self._running(job_id)
        if not running:
            return False
        if document_id is not None:
            self._fail(job_id, document_id, error, "internal_error")
            return True
        with session_scope(self.sessions) as session:
            session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == "running")
                .values(
                    status="failed",
                    error=error,
                    error_code="internal_error",
                    finished_at=datetime.now(UTC),
                    holder=None,
                )
            )
        return True

    def _running(self, job_id: str) -> tuple[bool, str | None]:
        """Whether the job is running, and its document (None for a job without one)."""
        with self.sessions() as session:
            job = session.get(Job, job_id)
            if job is None or job.status != "running":
                return False, None
            return True, job.document_id

    def _ingest(
        self,
        job_id: str,
        document_id: str,
        attempt: int,
        lost: threading.Event,
        on_progress: Callable[[float], None] | None,
    ) -> int | None:
        """Ingest the document; returns its page count."""
        with self.sessions() as session:
            document = session.get(Document, document_id)
            if document is None:
                raise DocumentGone(document_id)
            collection_id, filename = document.collection_id, document.filename
            content_type, sha256, key = document.content_type, document.sha256, document.storage_key

        reported, written = [0.0], [0.0]
        read = [0, 0]  # pages read, pages in the document

        def progress(vectors_done: int, vectors_submitted: int) -> None:
            # Pages read, scaled by the share of their vectors stored: embedding keeps up with
            # reading, then finishes the last pages' vectors. It never goes back.
            shares = read[0] / max(read[1], 1) * vectors_done / max(vectors_submitted, 1)
            value = 0.97 * min(shares, 1.0)
            if value <= reported[0]:
                return
            reported[0] = value
            # Throttle writes: the database need not see every page.
            if value - written[0] >= 0.02:
                written[0] = value
                self._set(job_id, document_id, attempt, progress=round(value, 3))
            if on_progress is not None:
                on_progress(value)

        chunker = Chunker(
            document_id=document_id,
            collection_id=collection_id,
            filename=filename,
            content_sha256=sha256,
            chunk_size=self.chunk_size,
            chunk_overlap=self.chunk_overlap,
        )
        records: list[ChunkRecord] = []
        fields: list[ChunkFields] = []  # language, BM25 terms, reference list: each chunk
        last_page: int | None = None  # pages arrive in order
        # Vectors left by an earlier attempt that stopped halfway (a killed worker) would be
        # overwritten by the same ids, but not those of chunks that no longer exist (settings
        # changed in between): start from none.
        self.vectors.delete_document(collection_id, document_id)
        with (
            closing(self._pages(key, content_type, read)) as pages,
            self.vectors.writer(collection_id) as writer,
        ):
            for page in pages:
                if lost.is_set():
                    raise LeaseLost(job_id)
                new = chunker.add(page)
                writer.add(
                    [r.id for r in new],
                    [r.text for r in new],
                    [chunk_metadata(r.document_id, r.filename, r.page, r.chunk_index) for r in new],
                )
                records.extend(new)
                # Worked out here, while the encoders run, rather than after them.
                fields.extend(chunk_fields(r.text) for r in new)
                last_page = page.number if page.number is not None else last_page
                progress(writer.done, writer.submitted)
            if not records:
                raise DocumentError("No text could be extracted from this document.", "no_text")
            writer.finish(progress)
        with session_scope(self.sessions) as session:
            # The job first, then its document: the order every other writer takes them in.
            job = session.get(Job, job_id, with_for_update=True)
            if job is None or job.status != "running" or job.attempts != attempt:
                raise LeaseLost(job_id)
            document = session.get(Document, document_id, with_for_update=True)
            if document is None:
                raise DocumentGone(document_id)
            store_chunks(session, records, fields)
            document.status = "ready"
            document.progress = 1.0
            document.error = None
            document.error_code = None
            # A PDF's pages as a viewer counts them (blank ones included); DOCX by its breaks.
            if content_type == PDF and read[1]:
                document.pages = read[1]
            else:
                document.pages = last_page
            document.chunks = len(records)
            session.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(
                    status="ready",
                    progress=1.0,
                    finished_at=datetime.now(UTC),
                    error=None,
                    error_code=None,
                    holder=None,
                )
            )
            pages = document.pages
        INGESTED_CHUNKS.inc(len(records))
        if on_progress is not None:
            on_progress(1.0)
        return pages

    def _pages(self, key: str, content_type: str, read: list[int]) -> Iterator[Page]:
        """The stored file's pages as they are read; `read` follows [pages read, total]."""

        def on_page(done: int, total: int) -> None:
            read[:] = [done, total]

        try:
            with self.files.local_copy(key) as path:
                yield from iter_pages(path, content_type, on_page=on_page, limits=self.parse_limits)
        except FileNotFoundError as exc:
            raise DocumentError(
                "The uploaded file is missing from storage; upload it again.", "internal_error"
            ) from exc

    def _set(self, job_id: str, document_id: str, attempt: int, **values: object) -> None:
        """Record this run's state on its job and document (LeaseLost if it is not its own)."""
        with session_scope(self.sessions) as session:
            mine = session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == "running", Job.attempts == attempt)
                .values(**values)
            ).rowcount
            if not mine:
                raise LeaseLost(job_id)
            session.execute(update(Document).where(Document.id == document_id).values(**values))

    def _cleanup_vectors(self, document_id: str) -> None:
        with self.sessions() as session:
            collection_id = session.scalar(
                select(Document.collection_id).where(Document.id == document_id)
            )
        try:
            if collection_id is not None:
                self.vectors.delete_document(collection_id, document_id)
        except Exception:
            log.exception("vector_cleanup_failed", document_id=document_id)

    def _fail(
        self, job_id: str, document_id: str, message: str, code: str, attempt: int | None = None
    ) -> None:
        """Fail a job and its document, leaving nothing of it behind; with `attempt`, only if
        the job is still that run's."""
        if attempt is not None:
            with self.sessions() as session:
                job = session.get(Job, job_id)
                if job is None or job.status != "running" or job.attempts != attempt:
                    log.warning("job_failure_not_recorded", job_id=job_id, reason="lease lost")
                    return
        self._cleanup_vectors(document_id)
        with session_scope(self.sessions) as session:
            session.execute(delete(Chunk).where(Chunk.document_id == document_id))
            session.execute(
                update(Document)
                .where(Document.id == document_id)
                .values(status="failed", error=message, error_code=code, chunks=0)
            )
            session.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(
                    status="failed",
                    error=message,
                    error_code=code,
                    finished_at=datetime.now(UTC),
                    holder=None,
                )
            )
