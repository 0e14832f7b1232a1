"""The RQ tasks: run one ingestion job, or build one study set, in a `chatgepeto worker` process
(with the services that worker built once: `ingestion.worker.task_services`).

What RQ retries and what it does not:
- a problem with the file itself (damaged, encrypted, scanned, no text) is permanent: the job and
  document are `failed` with the reason, and the task raises `PermanentJobFailure` with the RQ
  job's retries set to 0, so it goes straight to RQ's FailedJobRegistry (the dead letters);
- anything else (a crash, the database or Chroma unreachable, the job timeout, a cold shutdown)
  is raised for RQ to retry while the job has retries left; the SQL row says `queued` meanwhile,
  with the error of the attempt. On the last attempt it is `failed` (`internal_error`).
"""

from __future__ import annotations

from rq import get_current_job

from chatgepeto.ingestion.pipeline import crash_message
from chatgepeto.ingestion.worker import task_services
from chatgepeto.storage.models import Job


class PermanentJobFailure(Exception):
    """The file cannot be ingested; running the job again cannot help."""


def build_study(job_id: str) -> str:
    """Build the study set of job `job_id` (a model failure is the builder's to handle: only a
    crash, such as the database away, is retried)."""
    svc = task_services()
    rq_job = get_current_job()
    will_retry = bool(rq_job is not None and rq_job.should_retry)
    try:
        return svc.study_builder.run_job(job_id, raise_crashes=will_retry)
    except BaseException as exc:
        if will_retry:
            svc.ingestor.requeue(job_id, crash_message(exc))
        else:
            svc.ingestor.give_up(job_id, crash_message(exc))
        raise


def ingest(job_id: str) -> str:
    """Run ingestion job `job_id` (claimed in SQL first: a job already done is skipped)."""
    svc = task_services()
    rq_job = get_current_job()
    will_retry = bool(rq_job is not None and rq_job.should_retry)
    try:
        outcome = svc.ingestor.run_job(job_id, raise_crashes=will_retry)
    except BaseException as exc:
        if will_retry:
            svc.ingestor.requeue(job_id, crash_message(exc))
        else:
            svc.ingestor.give_up(job_id, crash_message(exc))
        raise
    if outcome == "failed":
        with svc.sessions() as session:
            job = session.get(Job, job_id)
            reason = f"{job.error_code}: {job.error}" if job is not None else "failed"
        if rq_job is not None:
            rq_job.retries_left = 0  # read by the worker when the task raises: no retry
        raise PermanentJobFailure(reason)
    return outcome
