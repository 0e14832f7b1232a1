"""The ingestion pipeline: idempotent re-ingest, and no partial chunks or vectors on failure."""

import pytest
import sqlalchemy as sa
from langchain_core.embeddings import Embeddings

from chatgepeto.services import build_services
from chatgepeto.storage.db import session_scope
from chatgepeto.storage.models import Chunk, Document, Job

from conftest import BIOLOGY_PAGES
from utils.ingestion import queue_pdf


class FailingAfter(Embeddings):
    """A real encoder that breaks after `n` batches, like a crash halfway through a book."""

    def __init__(self, inner: Embeddings, n: int) -> None:
        self.inner, self.n = inner, n

    def embed_documents(self, texts):
        if self.n <= 0:
            raise RuntimeError("encoder crashed")
        self.n -= 1
        return self.inner.embed_documents(texts)

    def embed_query(self, text):
        return self.inner.embed_query(text)


def _count(svc, model, **where):
    with svc.sessions() as session:
        stmt = sa.select(sa.func.count()).select_from(model)
        for key, value in where.items():
            stmt = stmt.where(getattr(model, key) == value)
        return session.scalar(stmt)


def test_reingest_is_idempotent(settings, embeddings, tmp_path):
    svc = build_services(settings, embeddings=embeddings)
    collection_id, document_id, job_id = queue_pdf(svc, tmp_path, BIOLOGY_PAGES)
    svc.ingestor.run_job(job_id)
    chunks = _count(svc, Chunk, document_id=document_id)
    vectors = svc.vectors.count(collection_id)
    assert chunks >= 3 and vectors == chunks

    # Run the same document again (a retried job): same ids, nothing duplicated.
    with session_scope(svc.sessions) as session:
        job = Job(document_id=document_id)
        session.add(job)
        session.flush()
        again = job.id
    svc.ingestor.run_job(again)
    assert _count(svc, Chunk, document_id=document_id) == chunks
    assert svc.vectors.count(collection_id) == vectors
    svc.ingestor.run_job(again)  # already done: not claimed twice
    svc.close()


@pytest.mark.parametrize("batches_before_crash", [0, 1])
def test_failure_midway_leaves_no_chunks_or_vectors(
    settings, embeddings, tmp_path, batches_before_crash
):
    settings.embeddings.embedding_batch_size = 2
    svc = build_services(settings, embeddings=FailingAfter(embeddings, batches_before_crash))
    pages = [f"Página {i}. " + " ".join(["texto de exemplo"] * 200) for i in range(6)]
    collection_id, document_id, job_id = queue_pdf(svc, tmp_path, pages)
    svc.ingestor.run_job(job_id)
    with svc.sessions() as session:
        document = session.get(Document, document_id)
        job = session.get(Job, job_id)
        assert document.status == "failed" and "encoder crashed" in document.error
        assert job.status == "failed"
    assert _count(svc, Chunk, document_id=document_id) == 0
    assert svc.vectors.count(collection_id) == 0
    svc.close()


def test_pdf_page_count_includes_blank_pages(settings, embeddings, tmp_path):
    svc = build_services(settings, embeddings=embeddings)
    _, document_id, job_id = queue_pdf(
        svc, tmp_path, ["Primeira página com texto.", "Segunda.", ""]
    )
    svc.ingestor.run_job(job_id)
    with svc.sessions() as session:
        document = session.get(Document, document_id)
        assert document.status == "ready" and document.pages == 3
    svc.close()


def test_progress_only_goes_forward_and_ends_at_one(settings, embeddings, tmp_path):
    settings.embeddings.embedding_batch_size = 4
    svc = build_services(settings, embeddings=embeddings)
    pages = [
        f"Capítulo {i}. " + " ".join(["a seleção natural age sobre a variação"] * 60)
        for i in range(12)
    ]
    job_id = queue_pdf(svc, tmp_path, pages)[2]
    seen: list[float] = []
    assert svc.ingestor.run_job(job_id, on_progress=seen.append) == "ready"
    assert len(seen) > 5 and seen == sorted(seen) and seen[-1] == 1.0
    assert all(0.0 < value <= 0.97 for value in seen[:-1])
    svc.close()


def test_a_pdf_judged_scanned_after_its_text_pages_embedded_leaves_nothing(
    settings, embeddings, tmp_path
):
    # One short line among blank pages: too little text for 30 pages, which is only known
    # once every page is read, after the text page's chunks have gone to the encoders.
    settings.embeddings.embedding_batch_size = 1
    svc = build_services(settings, embeddings=embeddings)
    pages = ["Digitalizado por: Biblioteca."] + [""] * 29
    collection_id, document_id, job_id = queue_pdf(svc, tmp_path, pages)
    assert svc.ingestor.run_job(job_id) == "failed"
    with svc.sessions() as session:
        document = session.get(Document, document_id)
        assert document.error_code == "scanned_pdf" and document.chunks == 0
    assert _count(svc, Chunk, document_id=document_id) == 0
    assert svc.vectors.count(collection_id) == 0
    svc.close()
