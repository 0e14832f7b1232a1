"""Ingestion jobs on a real RQ queue in a real Redis, run by real `chatgepeto worker` processes.

Skipped unless TEST_REDIS_URL names a Redis database (.ci/run sets redis://127.0.0.1:6379/15;
an unreachable one is then a failure). Every test uses a queue of its own and removes its keys.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
import sqlalchemy as sa
from rq import Queue
from rq.executions import Execution
from rq.job import Job as RQJob
from rq.job import JobStatus
from rq.worker import Worker as RQWorker

from chatgepeto.settings import Settings
from chatgepeto.storage.models import Chunk

from conftest import AUTH, create_collection, free_port, redis_test_url, upload, wait_for_document
from utils.documents import book_pdf, make_corrupt_pdf


@pytest.fixture
def redis_url() -> Iterator[str]:
    yield redis_test_url(explicit_only=True)


@pytest.fixture
def queue_name(redis_url) -> Iterator[str]:
    """A queue of the test's own; its RQ keys (queue, registries, jobs) are removed after."""
    name = f"test-{uuid.uuid4().hex[:10]}"
    yield name
    connection = redis.Redis.from_url(redis_url)
    queue = Queue(name, connection=connection)
    job_ids = set(queue.job_ids)
    for registry in (
        queue.started_job_registry,
        queue.finished_job_registry,
        queue.failed_job_registry,
        queue.scheduled_job_registry,
    ):
        job_ids |= set(registry.get_job_ids(cleanup=False))
    keys = list(connection.scan_iter(f"rq:*{name}*"))
    for job_id in job_ids:
        keys += connection.scan_iter(f"rq:*{job_id}*")
    if keys:
        connection.delete(*keys)
    connection.srem("rq:queues", queue.key)
    connection.close()


@pytest.fixture
def queue_settings(make_settings, redis_url, queue_name) -> Callable[..., Settings]:
    """Settings whose jobs go to the test's queue, with quick retries and heartbeats."""

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "redis_url": redis_url,
            "job_queue": queue_name,
            "job_retry_intervals": "1,1,1",
            "job_heartbeat_seconds": 1,
            "embedding_batch_size": 8,
            "ratelimit_enabled": False,
        }
        values.update(overrides)
        return make_settings(**values)

    return build


class Worker:
    """A `chatgepeto worker` process (and the scheduler process it forks), in a session of its
    own so the test can kill them all like a container stop would."""

    def __init__(self, settings: Settings, folder: Path, **env: str) -> None:
        binary = Path(sys.executable).parent / "chatgepeto"
        values = {
            "DATA_DIR": str(settings.storage.data_dir),
            "DATABASE_URL": settings.storage.database_url,
            "REDIS_URL": settings.storage.redis_url,
            "JOB_QUEUE": settings.jobs.job_queue,
            "JOB_RETRY_INTERVALS": settings.jobs.job_retry_intervals,
            "JOB_HEARTBEAT_SECONDS": str(settings.jobs.job_heartbeat_seconds),
            "JOB_TIMEOUT": str(settings.jobs.job_timeout),
            "EMBEDDING_MODEL": settings.embeddings.embedding_model,
            "EMBEDDING_BATCH_SIZE": str(settings.embeddings.embedding_batch_size),
            "CHROMA_HOST": settings.storage.chroma_host,
            "CHROMA_PORT": str(settings.storage.chroma_port),
            "ADMIN_TOKEN": "unused",
            "LOG_LEVEL": "INFO",
            "WORKER_METRICS_HOST": "127.0.0.1",
            "WORKER_METRICS_PORT": str(free_port()),
        }
        values.update(env)
        self.metrics_url = f"http://127.0.0.1:{values['WORKER_METRICS_PORT']}/metrics"
        folder.mkdir(parents=True, exist_ok=True)
        self.log_path = folder / f"worker-{uuid.uuid4().hex[:6]}.log"
        self._log = self.log_path.open("wb")
        # cwd: no backend/.env is read.
        self.process = subprocess.Popen(
            [str(binary), "worker"],
            env={**os.environ, **values},
            cwd=folder,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """kill -9 of the worker and its scheduler, as when a container is killed."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM (warm shutdown) and wait; kill -9 if it does not end in time."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGUSR1)  # every thread's stack, into the log
            time.sleep(1)
            self.kill()
            raise AssertionError(f"worker did not stop in {timeout} s:\n{self.log}") from None
        finally:
            self._reap()
        return code

    def _reap(self) -> None:
        # Its forked scheduler process goes too (it stops with a warm shutdown anyway).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self._log.close()


@pytest.fixture
def start_worker(tmp_path) -> Iterator[Callable[..., Worker]]:
    started: list[Worker] = []

    def start(settings: Settings, **env: str) -> Worker:
        worker = Worker(settings, tmp_path / "workers", **env)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.process.poll() is None:
            worker.kill()
        worker._reap()


def finished_in_rq(settings: Settings, job_id: str, worker: Worker) -> RQJob:
    """The RQ job once RQ has recorded it finished: our SQL row says `ready` first (the task
    commits it), RQ marks its own job a moment later, after the task returns."""
    wait_until(
        lambda: rq_queue(settings).fetch_job(job_id).get_status() == JobStatus.FINISHED,
        30,
        "RQ records the job finished",
        (worker,),
    )
    return rq_queue(settings).fetch_job(job_id)


def wait_until(
    check: Callable[[], Any], timeout: float, what: str, workers: tuple[Worker, ...] = ()
) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            logs = "\n".join(w.log[-4000:] for w in workers)
            raise AssertionError(f"{what}: not within {timeout} s\n{logs}")
        time.sleep(0.1)


def rq_queue(settings: Settings) -> Queue:
    return Queue(
        settings.jobs.job_queue, connection=redis.Redis.from_url(settings.storage.redis_url)
    )


def sql_chunk_ids(app, document_id: str) -> set[str]:
    with app.extensions["chatgepeto"].sessions() as session:
        return set(session.scalars(sa.select(Chunk.id).where(Chunk.document_id == document_id)))


def chroma_ids(settings: Settings, collection_id: str, document_id: str) -> list[str]:
    """The document's vector ids, read by another process (as the workers wrote them: an
    embedded Chroma directory is not shared by live processes)."""
    script = (
        "import json, sys\n"
        "from chatgepeto.retrieval.vectorstore import make_chroma_client\n"
        "from pathlib import Path\n"
        "host, port, path, name, document_id = sys.argv[1:]\n"
        "client = make_chroma_client(\n"
        "    host=host, port=int(port), ssl=False, persist_dir=Path(path)\n"
        ")\n"
        "found = client.get_collection(name).get(where={'document_id': document_id}, include=[])\n"
        "print(json.dumps(found['ids']))\n"
    )
    args = [
        settings.storage.chroma_host,
        str(settings.storage.chroma_port),
        str(settings.storage.chroma_dir),
        f"cg-{collection_id}-multilingual",
        document_id,
    ]
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# -- the runner, without a worker -------------------------------------------------------------


def test_uploads_go_to_the_queue_not_to_a_thread(make_app, queue_settings, biology_pdf):
    settings = queue_settings()
    app = make_app(settings)
    client = app.test_client()
    collection_id = create_collection(client)
    item = upload(client, collection_id, ("bio.pdf", biology_pdf)).get_json()["items"][0]
    queue = rq_queue(settings)
    assert queue.job_ids == [item["job_id"]]  # the RQ job id is the SQL job id
    rq_job = queue.fetch_job(item["job_id"])
    assert rq_job.func_name == "chatgepeto.ingestion.tasks.ingest"
    assert list(rq_job.args) == [item["job_id"]]
    assert rq_job.retries_left == 3 and rq_job.retry_intervals == [1, 1, 1]
    time.sleep(0.5)  # nothing in this process runs it
    job = client.get(f"/api/jobs/{item['job_id']}").get_json()
    assert job["status"] == "queued" and job["attempts"] == 0

    # A restarted API enqueues what is queued in SQL only if RQ does not have it already.
    runner = app.extensions["chatgepeto"].jobs
    assert runner.submit_queued() == 0
    rq_job.delete()
    assert runner.submit_queued() == 1
    assert queue.job_ids == [item["job_id"]]


def test_a_job_whose_worker_died_is_requeued_or_failed(make_app, queue_settings, biology_pdf):
    """The recovery step alone: a job left `started` by a worker that stopped beating."""
    # Beats far apart: this test sweeps by hand, the API process's own sweep stays out of it.
    settings = queue_settings(job_retry_intervals="5", job_heartbeat_seconds=600)
    app = make_app(settings)
    client = app.test_client()
    svc = app.extensions["chatgepeto"]
    collection_id = create_collection(client)
    item = upload(client, collection_id, ("bio.pdf", biology_pdf)).get_json()["items"][0]
    job_id = item["job_id"]
    queue = rq_queue(settings)

    def started_then_dead() -> RQJob:
        # What a worker does when it takes the job (dequeue, execution, claim) ... then dies.
        rq_job = queue.fetch_job(job_id)
        queue.remove(job_id)
        rq_job.set_status(JobStatus.STARTED)
        with queue.connection.pipeline() as pipe:
            Execution.create(rq_job, ttl=0, pipeline=pipe)  # its last beat: just now
            pipe.execute()
        assert svc.ingestor.claim(job_id)
        return rq_job

    started_then_dead()
    time.sleep(1.1)
    assert svc.jobs.recover_abandoned() == [job_id]
    assert svc.jobs.recover_abandoned() == []  # claimed once
    job = client.get(f"/api/jobs/{job_id}").get_json()
    assert job["status"] == "queued" and job["attempts"] == 1
    assert "worker" in job["error"] and job["error_code"] == "internal_error"
    document = client.get(f"/api/documents/{item['id']}").get_json()
    assert document["status"] == "queued" and document["error"] is None
    # Back on the queue at once (no backoff wait: the job did not fail, its worker did).
    assert queue.job_ids == [job_id]
    assert queue.fetch_job(job_id).retries_left == 0

    started_then_dead()
    time.sleep(1.1)
    svc.jobs.requeue_interrupted()  # what an API process does at start
    job = client.get(f"/api/jobs/{job_id}").get_json()
    assert job["status"] == "failed" and job["attempts"] == 2
    assert job["error_code"] == "internal_error"
    assert job_id in queue.failed_job_registry
    assert queue.job_ids == []
    items = client.get("/api/jobs?status=failed", headers=AUTH).get_json()["items"]
    assert [j["id"] for j in items] == [job_id]


# -- with real worker processes ---------------------------------------------------------------


def _metric(text: str, name: str, **labels: str) -> float:
    """A sample's value from a Prometheus text page (0 when absent)."""
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in text.splitlines():
        if line.startswith(f"{name}{{{want}}} ") or (not labels and line.startswith(f"{name} ")):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_a_worker_serves_its_metrics(make_app, queue_settings, start_worker, biology_pdf):
    settings = queue_settings()
    client = make_app(settings).test_client()
    collection_id = create_collection(client)
    worker = start_worker(settings)
    item = upload(client, collection_id, ("bio.pdf", biology_pdf)).get_json()["items"][0]
    assert wait_for_document(client, item["id"], timeout=120)["status"] == "ready", worker.log
    page = wait_until(
        lambda: (
            (text := httpx.get(worker.metrics_url, timeout=5).text)
            and _metric(text, "chatgepeto_ingestion_jobs_total", outcome="ready") == 1
            and text
        ),
        30,
        "the worker's metrics",
        (worker,),
    )
    assert _metric(page, "chatgepeto_ingestion_seconds_per_page_count") == 1
    assert _metric(page, "chatgepeto_ingestion_seconds_per_page_sum") > 0
    assert "chatgepeto_ingestion_seconds_bucket" in page
    queue = settings.jobs.job_queue
    assert _metric(page, "chatgepeto_queue_jobs", queue=queue, state="queued") == 0
    assert _metric(page, "chatgepeto_queue_jobs", queue=queue, state="failed") == 0
    assert f'chatgepeto_queue_jobs{{queue="{queue}",state="started"}}' in page
    assert worker.stop() == 0


def test_a_worker_ingests_an_upload(make_app, queue_settings, start_worker, biology_pdf):
    settings = queue_settings()
    app = make_app(settings)
    client = app.test_client()
    collection_id = create_collection(client)
    item = upload(client, collection_id, ("bio.pdf", biology_pdf)).get_json()["items"][0]
    worker = start_worker(settings)
    document = wait_for_document(client, item["id"], timeout=120)
    assert document["status"] == "ready", worker.log
    assert document["chunks"] >= 3 and document["pages"] == 3
    job = client.get(f"/api/jobs/{item['job_id']}").get_json()
    assert job["status"] == "ready" and job["attempts"] == 1 and job["error"] is None
    rq_job = finished_in_rq(settings, item["job_id"], worker)
    assert rq_job.return_value() == "ready"
    assert worker.stop() == 0
    assert sorted(chroma_ids(settings, collection_id, item["id"])) == sorted(
        sql_chunk_ids(app, item["id"])
    )


def test_a_worker_builds_a_study_set_from_the_same_queue(
    make_app, queue_settings, start_worker, biology_pdf
):
    settings = queue_settings()
    client = make_app(settings).test_client()
    collection_id = create_collection(client)
    item = upload(client, collection_id, ("bio.pdf", biology_pdf)).get_json()["items"][0]
    worker = start_worker(settings)
    assert wait_for_document(client, item["id"], timeout=120)["status"] == "ready", worker.log
    created = client.post(
        "/api/study/sets", json={"kind": "guide", "collection_id": collection_id}
    ).get_json()
    wait_until(
        lambda: client.get(f"/api/study/sets/{created['id']}").get_json()["status"] == "ready",
        60,
        "the study set built",
        (worker,),
    )
    guide = client.get(f"/api/study/sets/{created['id']}").get_json()
    assert guide["items"] and guide["mode"] == "extractive"
    rq_job = finished_in_rq(settings, created["job_id"], worker)
    assert rq_job.func_name == "chatgepeto.ingestion.tasks.build_study"
    assert rq_job.return_value() == "ready"
    assert worker.stop() == 0


def test_a_broken_file_is_not_retried_and_waits_in_the_dead_letters(
    make_app, queue_settings, start_worker, tmp_path
):
    settings = queue_settings()
    app = make_app(settings)
    client = app.test_client()
    collection_id = create_collection(client)
    broken = make_corrupt_pdf(tmp_path / "c.pdf").read_bytes()
    item = upload(client, collection_id, ("corrompido.pdf", broken)).get_json()["items"][0]
    worker = start_worker(settings)
    document = wait_for_document(client, item["id"], timeout=120)
    assert document["status"] == "failed" and document["error_code"] == "damaged_pdf"
    queue = rq_queue(settings)
    wait_until(
        lambda: item["job_id"] in queue.failed_job_registry, 10, "in the dead letters", (worker,)
    )
    time.sleep(2.5)  # longer than the retry interval: no retry comes
    job = client.get(f"/api/jobs/{item['job_id']}").get_json()
    assert job["status"] == "failed" and job["attempts"] == 1
    assert queue.fetch_job(item["job_id"]).retries_left == 0
    failed = client.get("/api/jobs?status=failed", headers=AUTH).get_json()["items"]
    assert [(j["id"], j["error_code"]) for j in failed] == [(item["job_id"], "damaged_pdf")]

    # Retried by the teacher: out of the dead letters, queued, run (and failed) once more.
    response = client.post(f"/api/jobs/{item['job_id']}/retry", headers=AUTH)
    assert response.status_code == 202
    assert client.get(f"/api/documents/{item['id']}").get_json()["error"] is None
    wait_until(
        lambda: client.get(f"/api/jobs/{item['job_id']}").get_json()["attempts"] == 2,
        60,
        "second attempt",
        (worker,),
    )
    document = wait_for_document(client, item["id"], timeout=60)
    assert document["status"] == "failed" and document["error_code"] == "damaged_pdf"
    wait_until(lambda: item["job_id"] in queue.failed_job_registry, 10, "back in the dead letters")
    assert worker.stop() == 0


def test_a_crash_is_retried_with_backoff_then_dead_lettered_then_retried(
    make_app, queue_settings, start_worker, biology_pdf
):
    settings = queue_settings()
    app = make_app(settings)
    client = app.test_client()
    collection_id = create_collection(client)
    item = upload(client, collection_id, ("bio.pdf", biology_pdf)).get_json()["items"][0]
    job_url = f"/api/jobs/{item['job_id']}"
    # A worker whose vector store is unreachable: every attempt crashes.
    broken = start_worker(settings, CHROMA_HOST="127.0.0.1", CHROMA_PORT="9")
    seen: set[tuple[str, int]] = set()

    def attempts_done() -> bool:
        job = client.get(job_url).get_json()
        seen.add((job["status"], job["attempts"]))
        return job["status"] == "failed"

    wait_until(attempts_done, 120, "retries used up", (broken,))
    # Between attempts the job said it was waiting for its retry, with the reason.
    assert {("queued", 1), ("queued", 2), ("queued", 3)} <= seen, seen
    job = client.get(job_url).get_json()
    assert job["attempts"] == 4 and job["error_code"] == "internal_error"
    assert "Chroma" in job["error"] or "connect" in job["error"]
    document = client.get(f"/api/documents/{item['id']}").get_json()
    assert document["status"] == "failed" and document["error_code"] == "internal_error"
    queue = rq_queue(settings)
    wait_until(lambda: item["job_id"] in queue.failed_job_registry, 10, "dead-lettered")
    assert broken.stop() == 0

    # The vector store is back: the teacher retries the job; a healthy worker finishes it.
    worker = start_worker(settings)
    assert client.post(f"{job_url}/retry", headers=AUTH).status_code == 202
    document = wait_for_document(client, item["id"], timeout=120)
    assert document["status"] == "ready", worker.log
    job = client.get(job_url).get_json()
    assert job["status"] == "ready" and job["attempts"] == 5 and job["error"] is None
    assert item["job_id"] not in queue.failed_job_registry
    assert worker.stop() == 0
    assert len(chroma_ids(settings, collection_id, item["id"])) == document["chunks"]


def test_a_worker_killed_halfway_is_replaced_and_the_job_ends_exactly_once(
    make_app, queue_settings, start_worker, tmp_path
):
    settings = queue_settings()
    # No sweep from this API process: the new worker is the one to find the job.
    app = make_app(settings, start_jobs=False)
    client = app.test_client()
    collection_id = create_collection(client)
    book = book_pdf(tmp_path, 80)
    item = upload(client, collection_id, ("livro.pdf", book)).get_json()["items"][0]
    doc_url = f"/api/documents/{item['id']}"
    first = start_worker(settings)

    # Progress shows in SQL while the worker embeds, batch after batch.
    progress: list[float] = []

    def halfway() -> bool:
        document = client.get(doc_url).get_json()
        if document["status"] == "running" and document["progress"] not in progress:
            progress.append(document["progress"])
        return document["progress"] >= 0.45

    wait_until(halfway, 120, "halfway", (first,))
    first.kill()
    assert len([p for p in progress if 0 < p < 1]) >= 3, progress
    document = client.get(doc_url).get_json()
    assert document["status"] == "running" and document["progress"] < 1  # its worker is gone
    # What the killed worker left: some of the vectors, none of the SQL chunks.
    partial = chroma_ids(settings, collection_id, item["id"])
    assert partial and not sql_chunk_ids(app, item["id"])

    killed_at = time.monotonic()
    second = start_worker(settings)
    wait_until(
        lambda: client.get(f"/api/jobs/{item['job_id']}").get_json()["attempts"] == 2,
        60,
        "picked up again",
        (second,),
    )
    recovered_in = time.monotonic() - killed_at
    document = wait_for_document(client, item["id"], timeout=180)
    assert document["status"] == "ready", second.log
    job = client.get(f"/api/jobs/{item['job_id']}").get_json()
    assert job["status"] == "ready" and job["attempts"] == 2 and job["error"] is None
    assert second.stop() == 0
    # Exactly the document's chunks, in SQL and in Chroma: nothing twice, nothing stale.
    sql_ids = sql_chunk_ids(app, item["id"])
    vector_ids = chroma_ids(settings, collection_id, item["id"])
    assert len(sql_ids) == document["chunks"] > 50
    assert len(vector_ids) == len(set(vector_ids)) == len(sql_ids)
    assert set(vector_ids) == sql_ids and len(partial) < len(sql_ids)
    assert "job_abandoned" in second.log
    # Heartbeat 1 s: abandoned after 3 missed beats, plus the new worker's start-up.
    assert recovered_in < 45, recovered_in


def test_sigterm_lets_the_current_job_finish(make_app, queue_settings, start_worker, tmp_path):
    settings = queue_settings()
    app = make_app(settings)
    client = app.test_client()
    collection_id = create_collection(client)
    item = upload(client, collection_id, ("livro.pdf", book_pdf(tmp_path, 12))).get_json()["items"][
        0
    ]
    worker = start_worker(settings)
    wait_until(
        lambda: client.get(f"/api/documents/{item['id']}").get_json()["progress"] >= 0.3,
        120,
        "started",
        (worker,),
    )
    worker.process.send_signal(signal.SIGTERM)  # warm shutdown
    assert worker.process.wait(timeout=120) == 0
    document = client.get(f"/api/documents/{item['id']}").get_json()
    assert document["status"] == "ready", worker.log
    job = client.get(f"/api/jobs/{item['job_id']}").get_json()
    assert job["attempts"] == 1


def test_a_cold_shutdown_requeues_the_job(make_app, queue_settings, start_worker, tmp_path):
    settings = queue_settings()
    app = make_app(settings)
    client = app.test_client()
    collection_id = create_collection(client)
    item = upload(client, collection_id, ("livro.pdf", book_pdf(tmp_path, 80))).get_json()["items"][
        0
    ]
    job_url = f"/api/jobs/{item['job_id']}"
    worker = start_worker(settings)
    wait_until(
        lambda: client.get(f"/api/documents/{item['id']}").get_json()["progress"] >= 0.3,
        120,
        "started",
        (worker,),
    )
    worker.process.send_signal(signal.SIGTERM)
    # The second signal once the first is taken (RQ records when) and past RQ's 1-s window
    # for duplicates: sent on a clock alone, both could land in that window on a busy machine,
    # and the cold shutdown would be ignored.
    wait_until(
        lambda: any(w.shutdown_requested_date for w in RQWorker.all(queue=rq_queue(settings))),
        60,
        "warm shutdown taken",
        (worker,),
    )
    time.sleep(1.2)
    worker.process.send_signal(signal.SIGTERM)  # cold shutdown: the job is interrupted
    worker.process.wait(timeout=60)
    job = client.get(job_url).get_json()
    assert job["status"] == "queued" and job["attempts"] == 1, worker.log
    assert client.get(f"/api/documents/{item['id']}").get_json()["status"] == "queued"

    second = start_worker(settings)
    document = wait_for_document(client, item["id"], timeout=180)
    assert document["status"] == "ready", second.log
    assert client.get(job_url).get_json()["attempts"] == 2
    assert second.stop() == 0


def test_the_worker_command_needs_redis(tmp_path):
    from click.testing import CliRunner

    from chatgepeto.cli import main

    result = CliRunner().invoke(
        main, ["worker"], env={"REDIS_URL": "", "DATA_DIR": str(tmp_path)}, catch_exceptions=False
    )
    assert result.exit_code == 1 and "REDIS_URL" in result.output
