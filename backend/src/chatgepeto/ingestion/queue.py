"""Ingestion jobs on an RQ queue in Redis (REDIS_URL), run by `chatgepeto worker` processes.

- The RQ job id is the SQL job id, and the SQL `jobs` row stays the source of truth for status,
  progress and attempts; RQ holds the queue, the retries and the dead letters (its
  FailedJobRegistry of the queue).
- A job that raises (a crash, a timeout) is retried by RQ after JOB_RETRY_INTERVALS, its SQL row
  `queued` meanwhile; a broken file fails at once (the task tells RQ not to retry it).
- A job whose worker died (kill -9, out of memory, machine gone) stays in RQ's
  StartedJobRegistry. RQ alone would notice it `job_timeout + 60` s after the job started (an
  in-process worker does not beat while a job runs) and only when a worker next runs its
  maintenance (every 10 minutes). Our workers beat every JOB_HEARTBEAT_SECONDS (10 s) while a
  job runs, keeping its registry entry 3 beats ahead, and every worker and every API process
  looks for expired entries at each beat (`recover_abandoned`): such a job is requeued at once
  if it has retries left (its SQL row first), else failed. With the defaults a killed worker's
  job is back on the queue within 40 s, whether or not another worker is running.
- A job RQ lost altogether (Redis restarted without its data) is found from SQL: `running` with
  a lease run out (ingestion.pipeline) and not started in RQ, it is queued again
  (`recover_lost`); one that never reached Redis is enqueued by the next sweep.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

import redis
from rq import Queue, Retry, Worker
from rq.exceptions import NoSuchJobError
from rq.executions import Execution
from rq.job import Job as RQJob
from rq.job import JobStatus
from rq.utils import as_text, current_timestamp, parse_composite_key
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from chatgepeto.errors import Conflict
from chatgepeto.ingestion.jobs import INGEST, STUDY, job_kind, reset_failed, take_back_stuck
from chatgepeto.ingestion.pipeline import Ingestor
from chatgepeto.observability.logging import get_logger
from chatgepeto.storage.models import Job, seconds_since

log = get_logger(__name__)

# The function RQ runs for each kind of job, by name: importing it needs nothing heavy.
TASK = "chatgepeto.ingestion.tasks.ingest"
TASKS = {INGEST: TASK, STUDY: "chatgepeto.ingestion.tasks.build_study"}
# RQ states in which a job is on its way: not to be enqueued again.
ACTIVE = {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.STARTED, JobStatus.DEFERRED}
ABANDONED = "The worker processing this file stopped before finishing."


def connect(url: str, *, socket_timeout: float | None = 5.0) -> redis.Redis:
    """A Redis client for RQ (bytes responses); API requests never wait long on it."""
    return redis.Redis.from_url(
        url, socket_connect_timeout=5, socket_timeout=socket_timeout, health_check_interval=30
    )


def recover_abandoned(queue: Queue, sync: Callable[[str, bool], Any]) -> list[str]:
    """Requeue (or fail, with no retry left) the jobs of the queue whose worker stopped beating.

    `sync(job_id, retry)` brings the SQL row in step first: `queued` for a retry, else `failed`,
    so a worker that dequeues the job finds it claimable. Several processes may look at once:
    removing a registry entry is what claims it. Returns the ids of the jobs recovered.
    """
    connection = queue.connection
    registry = queue.started_job_registry
    recovered: list[str] = []
    for entry in connection.zrangebyscore(registry.key, 0, current_timestamp()):
        if not connection.zrem(registry.key, entry):
            continue  # another worker has it
        job_id, execution_id = parse_composite_key(as_text(entry))
        try:
            job = queue.job_class.fetch(job_id, connection=connection, serializer=queue.serializer)
        except NoSuchJobError:
            continue
        if job.get_status(refresh=False) != JobStatus.STARTED:
            continue  # a stale entry: the job ended
        retry = job.should_retry
        try:
            sync(job_id, retry)
        except Exception:
            # The job must not run again before its SQL row says `queued`: look at the next beat.
            connection.zadd(registry.key, {entry: 0})
            log.exception("abandoned_job_sync_failed", job_id=job_id)
            continue
        with connection.pipeline() as pipe:
            Execution(execution_id, job_id, connection).delete(job=job, pipeline=pipe)
            if not retry:
                job.set_status(JobStatus.FAILED, pipeline=pipe)
                queue.failed_job_registry.add(
                    job,
                    ttl=job.failure_ttl,
                    exc_string=f"AbandonedJobError: {ABANDONED}",
                    pipeline=pipe,
                )
            pipe.execute()
        if retry:
            # Straight back on the queue: the job did not fail, its worker did.
            job.retries_left = (job.retries_left or 1) - 1
            job.started_at = None
            queue.enqueue_job(job)
        log.warning("job_abandoned", job_id=job_id, retried=retry, retries_left=job.retries_left)
        recovered.append(job_id)
    return recovered


class RQJobRunner:
    """Put ingestion jobs on the RQ queue; `chatgepeto worker` processes run them."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        ingestor: Ingestor,
        connection: redis.Redis,
        queue_name: str,
        *,
        retry_intervals: list[int],
        job_timeout: int,
    ) -> None:
        self.sessions = sessions
        self.ingestor = ingestor
        self.connection = connection
        self.queue = Queue(queue_name, connection=connection)
        self.retry_intervals = list(retry_intervals)
        self.job_timeout = job_timeout
        self._stop = threading.Event()
        self._keeper: threading.Thread | None = None

    # -- the JobRunner interface ----------------------------------------------------------------

    def submit(self, job_id: str) -> RQJob | None:
        """Enqueue a job; if Redis is unreachable it stays queued in SQL for a later sweep."""
        try:
            return self._enqueue(job_id)
        except redis.RedisError as exc:
            log.warning("job_not_enqueued", job_id=job_id, error=str(exc))
            return None

    def submit_queued(self, min_age: float = 0.0) -> int:
        """Enqueue the SQL-queued jobs RQ does not have (Redis was down, or lost its data).

        `min_age` (seconds) leaves alone jobs created just now, which their upload enqueues.
        """
        with self.sessions() as session:
            rows = session.execute(
                select(Job.id, Job.created_at)
                .where(Job.status == "queued")
                .order_by(Job.created_at)
            ).all()
        now = datetime.now(UTC)
        submitted = 0
        for job_id, created_at in rows:
            if min_age and seconds_since(created_at, now) < min_age:
                continue
            try:
                if self.rq_status(job_id) in ACTIVE:
                    continue
                self._enqueue(job_id)
            except redis.RedisError as exc:
                log.warning("queued_jobs_not_enqueued", error=str(exc))
                break
            submitted += 1
        return submitted

    def requeue_interrupted(self) -> None:
        """Recover the jobs of workers that died (workers do it too, at every beat)."""
        try:
            self.recover_abandoned()
            self.recover_lost()
        except redis.RedisError as exc:
            log.warning("abandoned_jobs_not_checked", error=str(exc))

    def start(self) -> None:
        """Sweep every heartbeat from this (API) process too: a killed worker's job goes back on
        the queue even while no other worker runs, and jobs Redis missed are enqueued."""
        if self._keeper is None and not self._stop.is_set():
            self._keeper = threading.Thread(target=self._keep, name="job-keeper", daemon=True)
            self._keeper.start()

    def _keep(self) -> None:
        while not self._stop.wait(self.ingestor.heartbeat_seconds):
            try:
                self.requeue_interrupted()
                self.submit_queued(min_age=self.ingestor.lease_seconds)
            except Exception as exc:
                log.warning("job_keeper_failed", error=str(exc))

    def retry(self, job_id: str) -> None:
        """Run a failed job again, as a fresh RQ job (all its retries), out of the dead letters;
        or a running one whose worker is gone (stuck)."""
        if self._retry_stuck(job_id):
            return
        reset_failed(self.sessions, job_id)
        self.submit(job_id)

    def _retry_stuck(self, job_id: str) -> bool:
        with self.sessions() as session:
            job = session.get(Job, job_id)
            if job is None or job.status != "running":
                return False
        try:
            # A dead worker's job whose lease ran out: back on the queue now, not at the next beat.
            self.recover_abandoned()
            started = self.rq_status(job_id) == JobStatus.STARTED
        except redis.RedisError as exc:
            log.warning("abandoned_jobs_not_checked", error=str(exc))
            started = False
        with self.sessions() as session:
            job = session.get(Job, job_id)
            if job is not None and job.status == "queued":
                return True  # just recovered
        if started:
            raise Conflict(
                f"Job {job_id!r} is running on a worker that is still reporting; it can be "
                f"retried if that worker stays silent for {self.ingestor.lease_seconds:.0f} s."
            )
        if take_back_stuck(self.ingestor, job_id):
            self.submit(job_id)
            return True
        return False

    def status(self) -> dict[str, Any]:
        """For /api/ready: whether Redis answers, how many workers are alive, the queue depth."""
        try:
            self.connection.ping()
            # Registered workers whose key has not expired (RQ's own liveness: a killed worker
            # drops out when its key does, within worker_ttl).
            workers = len(Worker.all(queue=self.queue))
            queued = self.queue.count
        except redis.RedisError as exc:
            return {
                "status": "error",
                "runner": "rq",
                "queue": self.queue.name,
                "redis": "error",
                "error": str(exc)[:300],
            }
        return {
            # Uploads are kept and wait for a worker: degraded, not down.
            "status": "ok" if workers else "no_workers",
            "runner": "rq",
            "queue": self.queue.name,
            "redis": "ok",
            "workers": workers,
            "queued": queued,
        }

    def shutdown(self, wait: bool = False) -> None:
        self._stop.set()
        if self._keeper is not None:
            self._keeper.join(timeout=10)
        self.connection.close()

    # -- RQ side --------------------------------------------------------------------------------

    def recover_abandoned(self) -> list[str]:
        return recover_abandoned(self.queue, self.sync_abandoned)

    def recover_lost(self) -> list[str]:
        """Running jobs whose holder went silent and that RQ is not running (it lost them):
        queued again in SQL and on the queue. Jobs RQ has started are left to
        `recover_abandoned`, which keeps their retry count."""
        recovered = []
        for job_id in self.ingestor.stale_jobs():
            if self.rq_status(job_id) == JobStatus.STARTED:
                continue
            if self.ingestor.take_back(job_id) == "queued":
                self.submit(job_id)
                recovered.append(job_id)
        return recovered

    def sync_abandoned(self, job_id: str, retry: bool) -> None:
        """The SQL side of an abandoned job: `queued` for its retry, else `failed`."""
        if retry:
            self.ingestor.requeue(job_id, f"{ABANDONED} Trying again.")
        else:
            self.ingestor.give_up(job_id, ABANDONED)

    def rq_status(self, job_id: str) -> JobStatus | None:
        try:
            return RQJob.fetch(job_id, connection=self.connection).get_status(refresh=False)
        except NoSuchJobError:
            return None

    def _enqueue(self, job_id: str) -> RQJob:
        with suppress(NoSuchJobError):
            existing = RQJob.fetch(job_id, connection=self.connection)
            if existing.get_status(refresh=False) in ACTIVE:
                return existing
            # A job run before (a retried one) starts afresh: all its retries, no old failure.
            existing.delete()
        retry = (
            Retry(max=len(self.retry_intervals), interval=self.retry_intervals)
            if self.retry_intervals
            else None
        )
        kind = job_kind(self.sessions, job_id) or INGEST
        return self.queue.enqueue(
            TASKS.get(kind, TASK),
            job_id,
            job_id=job_id,
            retry=retry,
            job_timeout=self.job_timeout,
            description=f"{kind} {job_id}",
        )
