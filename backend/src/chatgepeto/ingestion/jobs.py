"""Job runners, and the in-process one: jobs on a background thread of this process.

Most jobs ingest a document (`kind` "ingest"); study sets are built by jobs of kind "study" on
the same runner, each kind run by its handler. With REDIS_URL the jobs go to an RQ queue instead
(`ingestion.queue`). Either way the SQL `jobs` row is the source of truth for a job's status,
progress and attempts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from chatgepeto.errors import Conflict
from chatgepeto.ingestion.pipeline import Ingestor
from chatgepeto.observability.logging import get_logger
from chatgepeto.storage.db import session_scope
from chatgepeto.storage.lookup import get_or_404
from chatgepeto.storage.models import Document, Job

log = get_logger(__name__)

INGEST = "ingest"
STUDY = "study"
# Runs one job of a kind (claim, lease, outcome recorded in SQL); returns the outcome.
JobHandler = Callable[[str], str]


def job_kind(sessions: sessionmaker[Session], job_id: str) -> str | None:
    """The kind of a job, None if there is no such job."""
    with sessions() as session:
        return session.scalar(select(Job.kind).where(Job.id == job_id))


class JobRunner(Protocol):
    """What the API and the CLI need from whatever runs ingestion jobs."""

    def submit(self, job_id: str) -> Any:
        """Run a queued job soon."""

    def submit_queued(self) -> int:
        """Submit every queued job not already on its way; returns how many."""

    def requeue_interrupted(self) -> None:
        """Queue again the jobs whose run stopped halfway (a stopped process or worker)."""

    def start(self) -> None:
        """Keep looking for jobs to take up (stale or forgotten ones) in the background."""

    def retry(self, job_id: str) -> None:
        """Run a failed or stuck job again (NotFound; Conflict if it is queued, done, or
        running with a live runner)."""

    def status(self) -> dict[str, Any]:
        """For /api/ready: the runner's kind and state."""

    def shutdown(self, wait: bool = False) -> None: ...


def reset_failed(sessions: sessionmaker[Session], job_id: str) -> None:
    """Move a failed job and its document back to `queued`, errors cleared, for a new run.

    NotFound if there is no such job; Conflict unless it failed and is its document's latest
    job (a newer upload of the same file has its own job).
    """
    with session_scope(sessions) as session:
        job = get_or_404(session, Job, job_id)
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


def take_back_stuck(ingestor: Ingestor, job_id: str) -> bool:
    """For a teacher's retry: take back a `running` job whose runner went silent.

    True if it was taken back (queued again), False if the job is not running; Conflict while
    its runner is still beating (it is at work, not stuck).
    """
    with ingestor.sessions() as session:
        job = get_or_404(session, Job, job_id)
        if job.status != "running":
            return False
        age = ingestor.heartbeat_age(job)
    if ingestor.take_back(job_id) is None:
        raise Conflict(
            f"Job {job_id!r} is running (its worker reported {age or 0:.0f} s ago); it can be "
            f"retried if its worker stays silent for {ingestor.lease_seconds:.0f} s."
        )
    return True


class InProcessJobRunner:
    """Run queued jobs one at a time on a worker thread (embedding is CPU-bound; a study set's
    build waits behind an upload's ingestion, as on the queue).

    Jobs live in SQL, so whatever a stopped process left is found again: a keeper thread
    (`start()`) looks every heartbeat for queued jobs nobody runs and for running jobs whose
    holder went silent (a gunicorn worker killed, a process gone), takes those back and runs
    them. Several API processes may share the database: the claim decides who runs a job.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        ingestor: Ingestor,
        workers: int = 1,
        *,
        handlers: Mapping[str, JobHandler] | None = None,
        min_queued_age: float | None = None,
    ):
        self.sessions = sessions
        self.ingestor = ingestor
        # Ingestion unless another handler is named for the job's kind.
        self.handlers: dict[str, JobHandler] = {INGEST: ingestor.run_job, **(handlers or {})}
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ingest")
        # Jobs on their way in this process's pool (each is submitted once).
        self._pending: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._keeper: threading.Thread | None = None
        # A queued job is left to the process that queued it for this long (its upload runs it).
        self.min_queued_age = ingestor.lease_seconds if min_queued_age is None else min_queued_age

    def start(self) -> None:
        """Start the keeper thread (once): stale and forgotten jobs are taken up every beat."""
        with self._lock:
            if self._keeper is not None or self._stop.is_set():
                return
            self._keeper = threading.Thread(target=self._keep, name="job-keeper", daemon=True)
            self._keeper.start()

    def _keep(self) -> None:
        while not self._stop.wait(self.ingestor.heartbeat_seconds):
            try:
                self.sweep()
            except Exception as exc:  # the database away for a moment: look again next beat
                log.warning("job_keeper_failed", error=str(exc))

    def sweep(self) -> int:
        """Take back stale jobs and run them, with any queued job nobody is running."""
        recovered = self.ingestor.recover_stale()
        if recovered:
            log.warning("stale_jobs_taken_back", count=len(recovered))
        return self.submit_queued(min_age=self.min_queued_age)

    def submit(self, job_id: str) -> Future[None] | None:
        """Run a job soon; while shutting down it stays queued for the next start."""
        with self._lock:
            if job_id in self._pending:
                return None
            self._pending.add(job_id)
        try:
            return self._pool.submit(self._run, job_id)
        except RuntimeError:
            with self._lock:
                self._pending.discard(job_id)
            log.warning("job_left_queued", job_id=job_id)
            return None

    def _run(self, job_id: str) -> None:
        try:
            kind = job_kind(self.sessions, job_id) or INGEST
            self.handlers.get(kind, self.ingestor.run_job)(job_id)
        except Exception:
            log.exception("job_crashed", job_id=job_id)
        finally:
            with self._lock:
                self._pending.discard(job_id)

    def requeue_interrupted(self) -> None:
        """Take back what a stopped process left `running` (once its lease has run out)."""
        self.ingestor.recover_stale()

    def retry(self, job_id: str) -> None:
        """Run a failed job again, or a running one whose runner went silent (stuck)."""
        if not take_back_stuck(self.ingestor, job_id):
            reset_failed(self.sessions, job_id)
        self.submit(job_id)

    def submit_queued(self, min_age: float = 0.0) -> int:
        """Run every queued job (older than `min_age` seconds); a job claimed elsewhere is
        skipped when it comes up."""
        cutoff = datetime.now(UTC) - timedelta(seconds=min_age)
        with self.sessions() as session:
            job_ids = list(
                session.scalars(
                    select(Job.id)
                    .where(Job.status == "queued", Job.created_at <= cutoff)
                    .order_by(Job.created_at)
                )
            )
        return sum(self.submit(job_id) is not None for job_id in job_ids)

    def status(self) -> dict[str, Any]:
        with self.sessions() as session:
            counts = dict(
                session.execute(
                    select(Job.status, func.count())
                    .where(Job.status.in_(("queued", "running")))
                    .group_by(Job.status)
                ).all()
            )
        return {
            "status": "ok",
            "runner": "thread",
            "keeper": "alive" if self._keeper is not None and self._keeper.is_alive() else "off",
            "queued": counts.get("queued", 0),
            "running": counts.get("running", 0),
            "stale": len(self.ingestor.stale_jobs()),
        }

    def shutdown(self, wait: bool = False) -> None:
        self._stop.set()
        if self._keeper is not None:
            self._keeper.join(timeout=5)
        self._pool.shutdown(wait=wait, cancel_futures=True)
