"""The study build job: leases like ingestion's, a run that lost its job writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from chatgepeto.storage.models import Job, StudyItem, StudySet
from chatgepeto.study.scope import Scope

from conftest import create_collection, upload, wait_for_document
from utils.documents import make_pdf

PAGES = [
    "Genética\n\nO gene é a unidade básica da hereditariedade. O alelo é cada uma das formas "
    "alternativas de um gene. A mutação é uma alteração na sequência do DNA.",
    "Populações\n\nA população é o conjunto de indivíduos da mesma espécie numa área. A "
    "frequência alélica mede quão comum um alelo é numa população.",
]


@pytest.fixture
def quiet_app(make_app, settings):
    """An app whose job runner does not start by itself: the test runs the jobs."""
    return make_app(settings, start_jobs=False)


@pytest.fixture
def queued_set(quiet_app, tmp_path) -> tuple[str, str]:
    client = quiet_app.test_client()
    svc = quiet_app.extensions["chatgepeto"]
    collection_id = create_collection(client, "Genética")
    pdf = make_pdf(tmp_path / "genetica.pdf", PAGES).read_bytes()
    item = upload(client, collection_id, ("genetica.pdf", pdf)).get_json()["items"][0]
    assert wait_for_document(client, item["id"])["status"] == "ready"
    created, job_id = svc.study.create("flashcards", Scope(collection_id), 5, "u_test")
    return created.id, job_id


def test_a_build_whose_runner_died_is_taken_back_and_built_once(quiet_app, queued_set):
    set_id, job_id = queued_set
    svc = quiet_app.extensions["chatgepeto"]
    # A runner claimed it, then died: its heartbeat is older than a lease.
    assert svc.ingestor.claim(job_id) == 1
    old = datetime.now(UTC) - timedelta(seconds=svc.ingestor.lease_seconds * 2)
    with svc.sessions() as session:
        session.execute(update(Job).where(Job.id == job_id).values(heartbeat_at=old))
        session.commit()
    assert svc.study_builder.run_job(job_id) == "skipped"  # not queued: somebody holds it
    assert svc.ingestor.recover_stale() == [job_id]
    assert svc.study_builder.run_job(job_id) == "ready"
    with svc.sessions() as session:
        job = session.get(Job, job_id)
        assert job.status == "ready" and job.attempts == 2 and job.progress == 1.0
        cards = session.query(StudyItem).filter_by(set_id=set_id).all()
    assert cards and len({c.prompt for c in cards}) == len(cards)
    assert svc.study_builder.run_job(job_id) == "skipped"  # done: never built twice


def test_a_run_that_lost_its_lease_writes_nothing(quiet_app, queued_set):
    set_id, job_id = queued_set
    svc = quiet_app.extensions["chatgepeto"]
    attempt = svc.ingestor.claim(job_id)
    # Another runner took the job over meanwhile (its attempt number moved on).
    with svc.sessions() as session:
        session.execute(update(Job).where(Job.id == job_id).values(attempts=attempt + 1))
        session.commit()
    with pytest.raises(Exception, match=job_id):
        svc.study_builder._store(job_id, attempt, set_id, "extractive", "pt", [])
    with svc.sessions() as session:
        assert session.get(Job, job_id).status == "running"
        assert session.get(StudySet, set_id).mode is None


def test_a_set_deleted_before_its_build_cancels_it(quiet_app, queued_set):
    set_id, job_id = queued_set
    svc = quiet_app.extensions["chatgepeto"]
    with svc.sessions() as session:
        session.delete(session.get(StudySet, set_id))
        session.commit()
    assert svc.study_builder.run_job(job_id) == "cancelled"
    with svc.sessions() as session:
        assert session.get(Job, job_id).status == "failed"
