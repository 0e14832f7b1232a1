"""`chatgepeto worker`: an RQ worker running ingestion jobs with services built once.

Why `SimpleWorker` (jobs run in the worker process) rather than RQ's default `Worker` (a
forked "work horse" per job): a fresh horse would either load the embedding models for every
job (seconds each) or inherit them across `fork()`, and the numerical libraries behind them
(torch and OpenBLAS thread pools) are not fork-safe — a child can hang on a lock one of the
parent's threads held at the fork. In-process, the models and the SQL and Chroma clients are
built once per worker and reused by every job. What the forking worker gave, we put back:

- its heartbeat while a job runs (the parent beats while the horse works; a SimpleWorker is
  busy in the job): a keeper thread beats every JOB_HEARTBEAT_SECONDS, keeping the job's
  StartedJobRegistry entry (and the worker's key) 3 beats ahead;
- its isolation: a job that takes the process down takes the worker with it. The job is then
  abandoned, and the keeper of any other worker — or of the next one started — requeues it
  within 3 beats (`ingestion.queue.recover_abandoned`).

Shutdown is RQ's: SIGTERM (or Ctrl-C) is a warm shutdown — the current job finishes, then the
worker exits; a second one is a cold shutdown: the job is interrupted, its SQL row goes back to
`queued`, and RQ retries it (another worker, or this one's next start).

RQ forks its scheduler from the worker; killed with SIGKILL, the worker could not stop it, and
the orphan lived on (holding the scheduler lock and a copy of the models' memory). Every child
the worker forks now gets SIGTERM when the worker dies (Linux's PR_SET_PDEATHSIG).

A worker that will not stop can be asked where it is: SIGUSR1 prints every thread's stack to
its log (faulthandler) and it carries on.

Metrics: the worker serves Prometheus on WORKER_METRICS_PORT (/metrics): ingestion runs by
outcome, seconds per page, and the queue's depth (queued, started, scheduled, failed jobs)
read from Redis at each scrape.
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import os
import signal
import threading
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from prometheus_client import REGISTRY, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from rq import Queue
from rq.exceptions import AbandonedJobError
from rq.job import Job as RQJob
from rq.utils import now
from rq.worker import SimpleWorker
from sqlalchemy.orm import Session, sessionmaker

from chatgepeto.ingestion.queue import RQJobRunner, connect
from chatgepeto.observability.logging import get_logger
from chatgepeto.settings import Settings

if TYPE_CHECKING:
    from chatgepeto.ingestion.pipeline import Ingestor
    from chatgepeto.study.builder import StudyBuilder

log = get_logger(__name__)

_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class TaskServices:
    """What the RQ tasks (ingestion/tasks.py) use, built once per worker process."""

    sessions: sessionmaker[Session]
    ingestor: Ingestor
    study_builder: StudyBuilder


# The services of the job being run, set by the IngestWorker running it for as long as it runs.
# RQ calls a task by its import path with only the job's arguments (serialised in Redis) and
# offers no way to reach the worker from inside it, so the worker hands its services over here;
# a context variable rather than a global, so nothing outlives the job or leaks to other threads.
_running: ContextVar[TaskServices] = ContextVar("task_services")


def task_services() -> TaskServices:
    """The services of the worker running the current job (inside a task only)."""
    try:
        return _running.get()
    except LookupError:
        raise RuntimeError(
            "ChatGepeto's tasks run in `chatgepeto worker` (ingestion/worker.py), which builds "
            "their services; a plain `rq worker` has none."
        ) from None


def _die_with_parent() -> None:
    """In a forked child: be sent SIGTERM when the process that forked it dies."""
    # Not Linux: no prctl, and the child may outlive a killed worker.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class QueueCollector(Collector):
    """The queue's depth, read from Redis at each scrape."""

    def __init__(self, queues: list[Queue]) -> None:
        self.queues = queues

    @staticmethod
    def _family() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "chatgepeto_queue_jobs",
            "Jobs of the ingestion queue, by state.",
            labels=["queue", "state"],
        )

    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Without it, registering would collect once, at start.
        yield self._family()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = self._family()
        for queue in self.queues:
            try:
                # Counted as they are: RQ's `count` would first clean the registries up, and
                # retry abandoned jobs its own way, behind `recover_abandoned`'s back.
                counts = {
                    "queued": queue.count,
                    "started": queue.started_job_registry.get_job_count(cleanup=False),
                    "scheduled": queue.scheduled_job_registry.get_job_count(cleanup=False),
                    "failed": queue.failed_job_registry.get_job_count(cleanup=False),
                }
            except Exception as exc:  # Redis away: no figures rather than a failed scrape
                log.warning("queue_metrics_failed", error=str(exc))
                continue
            for state, value in counts.items():
                family.add_metric([queue.name, state], value)
        yield family


class IngestWorker(SimpleWorker):
    """A SimpleWorker with a keeper thread: heartbeats, abandoned jobs, forgotten jobs."""

    def __init__(
        self,
        queues: list[Queue],
        *,
        runner: RQJobRunner,
        services: TaskServices,
        heartbeat_seconds: int,
        metrics_address: tuple[str, int] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(queues, **kwargs)
        self.runner = runner
        self.services = services
        self.metrics_address = metrics_address
        self.beat_seconds = heartbeat_seconds
        self.lease_seconds = 3 * heartbeat_seconds
        self._current: RQJob | None = None
        self._keeper: threading.Thread | None = None
        self._stop_keeper = threading.Event()
        # Should RQ's own registry cleanup find an abandoned job first, the SQL row follows.
        self.push_exc_handler(self._abandoned_found_by_rq)

    def subscribe(self) -> None:
        """RQ's, with the listening thread's wait at 1 s, not 60: at shutdown RQ unsubscribes,
        then redis-py's `stop()` waits for that thread to end, and one that took the
        unsubscribe reply before the stop goes back to waiting for a subscription — for the
        whole wait. A worker then stayed up to a minute after its last job (worker.log:
        `join` in `PubSubWorkerThread.stop`)."""
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=1, daemon=True, exception_handler=self._pubsub_exception_handler
        )

    def get_heartbeat_ttl(self, job: RQJob) -> int:
        """How far ahead a running job's entry is kept: 3 beats (RQ: job timeout + 60 s)."""
        return self.lease_seconds

    def execute_job(self, job: RQJob, queue: Queue) -> None:
        # A SimpleWorker runs the task in this thread, inside this call: it sees the services.
        self._current, running = job, _running.set(self.services)
        try:
            super().execute_job(job, queue)
        finally:
            _running.reset(running)
            self._current = None

    def run_maintenance_tasks(self) -> None:
        # First called from work(), after RQ forked its scheduler process: no thread of ours
        # is running at that fork.
        self._start_keeper()
        super().run_maintenance_tasks()

    def clean_registries(self) -> None:
        # Ours first: abandoned jobs requeued at once, with their SQL rows in step.
        self.runner.recover_abandoned()
        super().clean_registries()

    def teardown(self) -> None:
        self._stop_keeper.set()
        if self._keeper is not None:
            self._keeper.join(timeout=self.beat_seconds + 10)
        super().teardown()

    # -- the keeper thread ----------------------------------------------------------------------

    def _start_keeper(self) -> None:
        if self._keeper is None:
            self._keeper = threading.Thread(target=self._keep, name="rq-keeper", daemon=True)
            self._keeper.start()
            self._serve_metrics()

    def _serve_metrics(self) -> None:
        """Prometheus on its own port (after RQ's fork: the scheduler must not inherit it)."""
        if self.metrics_address is None:
            return
        host, port = self.metrics_address
        REGISTRY.register(QueueCollector(self.queues))
        try:
            start_http_server(port, addr=host)
        except OSError as exc:  # the port taken (another worker on this host): run without
            log.warning("worker_metrics_not_served", port=port, error=str(exc))
            return
        log.info("worker_metrics_served", port=port)

    def _keep(self) -> None:
        beats = 0
        while not self._stop_keeper.wait(self.beat_seconds):
            beats += 1
            try:
                self._beat()
                self.runner.recover_abandoned()
                self.runner.recover_lost()
                if beats % 3 == 0:
                    # Jobs in SQL that never reached Redis (it was down at upload time).
                    self.runner.submit_queued(min_age=self.lease_seconds)
                if beats % 6 == 0:
                    self._report_backlog()
            except Exception:
                log.warning("worker_keeper_failed", exc_info=True)

    def _report_backlog(self) -> None:
        """Log how many jobs wait on each queue: the metric behind the backlog alarm (CloudWatch
        turns these lines into a metric in production, terraform/monitoring.tf)."""
        for queue in self.queues:
            log.info("queue_backlog", queue=queue.name, queued=queue.count)

    def _beat(self) -> None:
        job, execution = self._current, self.execution
        if job is None or execution is None:
            return  # idle: RQ's dequeue loop keeps the worker alive
        with self.connection.pipeline() as pipe:
            self.heartbeat(self.lease_seconds + self.beat_seconds, pipeline=pipe)
            # xx: an execution that ended meanwhile is not put back in the registry.
            execution.heartbeat(job.started_job_registry, self.lease_seconds, pipe)
            job.heartbeat(now(), self.lease_seconds, pipeline=pipe)
            pipe.execute()

    def _abandoned_found_by_rq(self, job: RQJob, exc_type: type, *_: Any) -> None:
        if isinstance(exc_type, type) and issubclass(exc_type, AbandonedJobError):
            self.runner.sync_abandoned(job.id, job.should_retry)


def run_worker(settings: Settings, *, burst: bool = False, name: str | None = None) -> bool:
    """Build the services once, load the embedding models, and work the queue until stopped.

    Returns whether any job was run (burst mode stops when the queue is empty).
    """
    from chatgepeto.services import build_services

    if not settings.storage.redis_url:
        raise ValueError("`chatgepeto worker` needs REDIS_URL (the queue lives in Redis).")
    jobs = settings.jobs.model_copy(update={"job_runner": "rq"})
    settings = settings.model_copy(update={"jobs": jobs})
    # RQ's scheduler is forked from this process: it must not outlive it (a kill -9).
    os.register_at_fork(after_in_child=_die_with_parent)
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    services = build_services(settings)
    runner = services.jobs
    assert isinstance(runner, RQJobRunner)
    try:
        # Loaded now, once: every job of this process reuses them. RQ then forks its scheduler
        # process, which only talks to Redis and never touches them.
        services.warm_up()
        connection = connect(settings.storage.redis_url, socket_timeout=None)
        worker = IngestWorker(
            [Queue(settings.jobs.job_queue, connection=connection)],
            connection=connection,
            runner=runner,
            services=TaskServices(services.sessions, services.ingestor, services.study_builder),
            heartbeat_seconds=settings.jobs.job_heartbeat_seconds,
            metrics_address=(
                (
                    settings.observability.worker_metrics_host,
                    settings.observability.worker_metrics_port,
                )
                if settings.observability.worker_metrics_port
                else None
            ),
            name=name,
            # RQ's maintenance (registry cleanup, and starting a scheduler if none runs: a
            # killed worker's scheduler holds its lock for 61 s) every minute rather than 10.
            maintenance_interval=60,
            # An idle worker's blocking read of the queue ends every 5 s (RQ: worker_ttl - 15).
            # Python runs signal handlers in the main thread only: a SIGTERM the kernel hands to
            # another thread (the keeper, an encoder's pool) is acted on when that read ends, so
            # a warm shutdown starts within 5 s, not within the minute a longer read took.
            worker_ttl=20,
        )
        log.info(
            "worker_started",
            queue=settings.jobs.job_queue,
            worker=worker.name,
            heartbeat_seconds=settings.jobs.job_heartbeat_seconds,
        )
        return worker.work(
            burst=burst, with_scheduler=True, logging_level=settings.observability.log_level.upper()
        )
    finally:
        services.close()
