"""Job leases: a job whose runner is gone is taken up again, by whoever looks next.

The in-process runner (the default, no Redis) is what `make run` uses: a gunicorn worker killed
with SIGKILL while it ingests must not leave its document `running` until a full restart.
The first tests drive the lease by hand; the last one kills a real `chatgepeto serve` worker.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from chatgepeto.ingestion.pipeline import ABANDONED
from chatgepeto.storage.models import Document, Job

from conftest import AUTH, create_collection, free_port, upload, wait_for_document
from utils.documents import book_pdf
from utils.servers import serve_env, start_serve


def _left_running(services, job_id: str, *, seconds_ago: float, holder: str = "gone:1"):
    """What a process that died (or is at work) leaves: the job `running`, its last beat."""
    beat = datetime.now(UTC) - timedelta(seconds=seconds_ago)
    with services.sessions.begin() as session:
        session.execute(
            sa.update(Job)
            .where(Job.id == job_id)
            .values(status="running", attempts=1, started_at=beat, heartbeat_at=beat, holder=holder)
        )
        session.execute(sa.update(Document).values(status="running", progress=0.4))


@pytest.fixture
def stopped(make_app, settings, biology_pdf):
    """An upload in a "process" that runs nothing: the job stays as the test leaves it."""
    app = make_app(settings, start_jobs=False)
    services = app.extensions["chatgepeto"]
    services.jobs.shutdown(wait=True)
    client = app.test_client()
    collection_id = create_collection(client)
    item = upload(client, collection_id, ("bio.pdf", biology_pdf)).get_json()["items"][0]
    return services, client, item


def test_a_job_whose_holder_went_silent_is_taken_up_at_start(make_app, settings, stopped):
    services, _, item = stopped
    _left_running(services, item["job_id"], seconds_ago=120)
    restarted = make_app(settings).test_client()
    assert wait_for_document(restarted, item["id"])["status"] == "ready"
    job = restarted.get(f"/api/jobs/{item['job_id']}").get_json()
    assert job["status"] == "ready" and job["attempts"] == 2 and job["error"] is None


def test_a_job_whose_holder_still_beats_is_left_to_it(make_app, settings, stopped):
    services, _, item = stopped
    _left_running(services, item["job_id"], seconds_ago=1, holder="other-host:7")
    restarted = make_app(settings).test_client()
    document = restarted.get(f"/api/documents/{item['id']}").get_json()
    assert document["status"] == "running"
    # A teacher cannot take it from a runner that is at work...
    response = restarted.post(f"/api/jobs/{item['job_id']}/retry", headers=AUTH)
    assert response.status_code == 409
    body = response.get_json()["error"]
    assert body["code"] == "conflict" and "running" in body["message"] and body["request_id"]


def test_a_teacher_retries_a_stuck_job(make_app, settings, stopped):
    services, _, item = stopped
    app = make_app(settings, start_jobs=False)  # no sweep: only the teacher's retry helps
    client = app.test_client()
    _left_running(services, item["job_id"], seconds_ago=90)
    response = client.post(f"/api/jobs/{item['job_id']}/retry", headers=AUTH)
    assert response.status_code == 202, response.get_json()
    assert wait_for_document(client, item["id"])["status"] == "ready"
    assert client.get(f"/api/jobs/{item['job_id']}").get_json()["attempts"] == 2


def test_the_keeper_takes_up_a_job_that_goes_silent_later(make_app, make_settings, stopped):
    """A process already running finds, at its next beat, a job another one abandoned."""
    services, _, item = stopped
    _left_running(services, item["job_id"], seconds_ago=0)
    running = make_app(make_settings(job_heartbeat_seconds=1)).test_client()
    # Alive at first (beat just now), then silent for 3 beats: taken up by the keeper.
    assert running.get(f"/api/documents/{item['id']}").get_json()["status"] == "running"
    assert wait_for_document(running, item["id"], timeout=60)["status"] == "ready"
    jobs = running.get("/api/ready").get_json()["checks"]["jobs"]
    assert jobs["runner"] == "thread" and jobs["keeper"] == "alive" and jobs["stale"] == 0


def _silence(services, job_id: str, seconds: float) -> None:
    """The job's holder has not beaten for `seconds`."""
    beat = datetime.now(UTC) - timedelta(seconds=seconds)
    with services.sessions.begin() as session:
        session.execute(
            sa.update(Job).where(Job.id == job_id).values(started_at=beat, heartbeat_at=beat)
        )


def test_a_file_that_kills_its_runner_every_time_ends_failed(stopped):
    services, client, item = stopped
    ingestor = services.ingestor
    for _ in range(ingestor.max_attempts):
        assert ingestor.claim(item["job_id"])
        _silence(services, item["job_id"], ingestor.lease_seconds + 5)
        status = ingestor.take_back(item["job_id"])
        if status == "failed":
            break
        assert status == "queued"
    document = client.get(f"/api/documents/{item['id']}").get_json()
    assert document["status"] == "failed" and document["error_code"] == "internal_error"
    assert document["error"] == ABANDONED


def test_a_slow_holder_cannot_overwrite_the_run_that_replaced_it(stopped):
    services, _, item = stopped
    ingestor, job_id = services.ingestor, item["job_id"]
    first = ingestor.claim(job_id)
    assert first == 1 and ingestor.beat(job_id, first)
    _silence(services, job_id, ingestor.lease_seconds + 5)
    assert ingestor.take_back(job_id) == "queued"
    assert ingestor.take_back(job_id) is None  # taken once
    second = ingestor.claim(job_id)
    assert second == 2
    # The first run wakes up: its lease is gone, its writes are refused.
    assert not ingestor.beat(job_id, first) and ingestor.beat(job_id, second)
    from chatgepeto.ingestion.pipeline import LeaseLost

    with pytest.raises(LeaseLost):
        ingestor._set(job_id, item["id"], first, progress=0.9)
    with services.sessions() as session:
        assert session.get(Job, job_id).holder is not None
        assert session.get(Job, job_id).attempts == 2


# -- for real: `chatgepeto serve`, its gunicorn worker killed with SIGKILL ----------------------


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


@pytest.mark.timeout(600)
def test_a_gunicorn_worker_killed_mid_ingestion_is_replaced_and_its_job_taken_up(
    tmp_path, database_url
):
    """The default `make run` setup: SQLite or the suite's database, embedded Chroma, no Redis,
    the default heartbeat. gunicorn boots a new worker; that worker takes the job up."""
    port = free_port()
    env = serve_env(tmp_path, port, database_url, EMBEDDING_MODEL="multilingual")
    env.pop("JOB_HEARTBEAT_SECONDS", None)  # the default heartbeat, as a user gets it
    base = f"http://127.0.0.1:{port}"
    master, log_path = start_serve(tmp_path, env)
    http = httpx.Client(base_url=base, timeout=30)

    def wait(predicate, timeout: float, what: str):
        deadline = time.monotonic() + timeout
        while True:
            assert master.poll() is None, f"server exited:\n{log_path.read_text()[-3000:]}"
            try:
                value = predicate()
                if value:
                    return value
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
            time.sleep(0.2)

    def document(document_id: str) -> dict:
        return http.get(f"/api/documents/{document_id}").json()

    def send(collection: str, book: bytes) -> dict:
        response = http.post(
            f"/api/collections/{collection}/documents",
            files={"files": ("livro.pdf", book, "application/pdf")},
            headers=AUTH,
        )
        assert response.status_code == 202, response.text
        return response.json()["items"][0]

    def collection(name: str) -> str:
        response = http.post("/api/collections", json={"name": name}, headers=AUTH)
        assert response.status_code == 201, response.text
        return response.json()["id"]

    try:
        wait(lambda: http.get("/api/health").status_code == 200, 120, "server up")
        book = book_pdf(tmp_path, 120)
        reference = send(collection("Referência"), book)
        expected = wait(
            lambda: (d := document(reference["id"]))["status"] == "ready" and d, 300, "reference"
        )["chunks"]

        item = send(collection("Interrompida"), book)
        wait(lambda: document(item["id"])["progress"] >= 0.3, 300, "ingestion halfway")
        (worker,) = _children(master.pid)
        os.kill(worker, signal.SIGKILL)
        killed_at = time.monotonic()
        # gunicorn boots another worker, which takes the job up once its lease has run out.
        wait(lambda: _children(master.pid) not in ([], [worker]), 60, "a new worker")
        wait(
            lambda: http.get(f"/api/jobs/{item['job_id']}").json()["attempts"] == 2,
            60,
            "the job taken up again",
        )
        recovered_in = time.monotonic() - killed_at
        done = wait(lambda: (d := document(item["id"]))["status"] == "ready" and d, 300, "ready")
        assert done["chunks"] == expected
        job = http.get(f"/api/jobs/{item['job_id']}").json()
        assert job["status"] == "ready" and job["error"] is None
        # 3 missed beats of 10 s, then the new worker's next beat.
        assert recovered_in < 60, recovered_in
        assert "job_taken_back" in log_path.read_text()
    finally:
        master.send_signal(signal.SIGTERM)
        try:
            master.wait(timeout=30)
        except subprocess.TimeoutExpired:
            master.kill()
            master.wait(timeout=10)
        http.close()
    # Exactly the vectors of an uninterrupted run, in each model's collection.
    import chromadb

    chroma = chromadb.PersistentClient(path=str(tmp_path / "data" / "chroma"))
    counts = {
        c.name: c.count() for c in chroma.list_collections() if done["collection_id"] in c.name
    }
    assert counts and set(counts.values()) == {expected}, counts
