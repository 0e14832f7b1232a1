"""The in-process job runner: ingestion jobs on a background thread of this process."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from chatgepeto.ingestion.pipeline import Ingestor
from chatgepeto.observability.logging import get_logger
from chatgepeto.storage.db import session_scope
from chatgepeto.storage.models import Document, Job

log = get_logger(__name__)


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
