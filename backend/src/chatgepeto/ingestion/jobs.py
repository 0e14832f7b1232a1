"""Job runners, and the in-process one: ingestion jobs on a background thread of this process.

With REDIS_URL the jobs go to an RQ queue instead (`ingestion.queue`). Either way the SQL
`jobs` row is the source of truth for a job's status, progress and attempts.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from chatgepeto.errors import Conflict, NotFound
from chatgepeto.ingestion.pipeline import Ingestor
from chatgepeto.observability.logging import get_logger
from chatgepeto.storage.db import session_scope
from chatgepeto.storage.models import Document, Job

log = get_logger(__name__)


class JobRunner(Protocol):
    """What the API and the CLI need from whatever runs ingestion jobs."""

    def submit(self, job_id: str) -> Any:
        """Run a queued job soon."""

    def submit_queued(self) -> int:
        """Submit every queued job not already on its way; returns how many."""

    def requeue_interrupted(self) -> None:
        """Queue again the jobs whose run stopped halfway (a stopped process or worker)."""

    def retry(self, job_id: str) -> None:
        """Run a failed job again (NotFound, Conflict if it has not failed)."""

    def shutdown(self, wait: bool = False) -> None: ...


def reset_failed(sessions: sessionmaker[Session], job_id: str) -> None:
    """Move a failed job and its document back to `queued`, errors cleared, for a new run.

    NotFound if there is no such job; Conflict unless it failed and is its document's latest
    job (a newer upload of the same file has its own job).
    """
    with session_scope(sessions) as session:
        job = session.get(Job, job_id)
        if job is None:
            raise NotFound(f"Job {job_id!r} does not exist.")
        if job.status != "failed":
            raise Conflict(f"Job {job_id!r} is {job.status}; only failed jobs can be retried.")
        latest = session.scalar(
            select(Job.id)
            .where(Job.document_id == job.document_id)
            .order_by(Job.created_at.desc())
            .limit(1)
        )
        if job.document_id is None or latest != job_id:
            raise Conflict(f"Job {job_id!r} is not its document's latest job.")
        moved = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == "failed")
            .values(status="queued", progress=0.0, error=None, error_code=None, finished_at=None)
        ).rowcount
        if not moved:  # another request retried it meanwhile
            raise Conflict(f"Job {job_id!r} is no longer failed.")
        session.execute(
            update(Document)
            .where(Document.id == job.document_id)
            .values(status="queued", progress=0.0, error=None, error_code=None)
        )


def requeue_interrupted(sessions: sessionmaker[Session]) -> None:
    """Move jobs and documents left `running` by a stopped process back to `queued`."""
    with session_scope(sessions) as session:
        session.execute(update(Job).where(Job.status == "running").values(status="queued"))
        session.execute(
            update(Document).where(Document.status == "running").values(status="queued")
        )


class InProcessJobRunner:
    """Run queued jobs one at a time on a worker thread (embedding is CPU-bound).

    Jobs live in SQL, so a restart finds what was queued or interrupted and runs it again.
    """

    def __init__(self, sessions: sessionmaker[Session], ingestor: Ingestor, workers: int = 1):
        self.sessions = sessions
        self.ingestor = ingestor
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ingest")

    def submit(self, job_id: str) -> Future[None] | None:
        """Run a job soon; while shutting down it stays queued for the next start."""
        try:
            return self._pool.submit(self._run, job_id)
        except RuntimeError:
            log.warning("job_left_queued", job_id=job_id)
            return None

    def _run(self, job_id: str) -> None:
        try:
            self.ingestor.run_job(job_id)
        except Exception:
            log.exception("job_crashed", job_id=job_id)

    def requeue_interrupted(self) -> None:
        """Queue again what a previous run left `running` (once, before any worker runs)."""
        requeue_interrupted(self.sessions)

    def retry(self, job_id: str) -> None:
        reset_failed(self.sessions, job_id)
        self.submit(job_id)

    def submit_queued(self) -> int:
        """Run every queued job; a job another worker already claimed is skipped."""
        with self.sessions() as session:
            job_ids = list(
                session.scalars(
                    select(Job.id).where(Job.status == "queued").order_by(Job.created_at)
                )
            )
        for job_id in job_ids:
            self.submit(job_id)
        return len(job_ids)

    def shutdown(self, wait: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=True)
