"""A file from disk ingested in the caller's thread (CLI, `make eval`, `make bench`)."""

import pytest

from chatgepeto.errors import NotFound, UnsupportedMedia
from chatgepeto.services import build_services

from conftest import BIOLOGY_PAGES
from utils.documents import make_corrupt_pdf, make_pdf


@pytest.fixture
def svc(settings, embeddings):
    services = build_services(settings, embeddings=embeddings)
    yield services
    services.close()


def test_a_local_file_is_ingested_at_once_and_only_once(svc, tmp_path):
    collection_id = svc.collections.create("Biologia").id
    pdf = make_pdf(tmp_path / "biologia.pdf", BIOLOGY_PAGES)
    progress: list[float] = []
    document, new = svc.documents.ingest_local(collection_id, pdf, progress.append)
    assert new and document.status == "ready" and document.pages == len(BIOLOGY_PAGES)
    assert progress and progress[-1] == 1.0
    again, new = svc.documents.ingest_local(collection_id, pdf)
    assert (again.id, new) == (document.id, False)
    assert len(svc.documents.list(collection_id)) == 1


def test_a_damaged_local_file_ends_failed_with_its_reason(svc, tmp_path):
    collection_id = svc.collections.create("Biologia").id
    document, new = svc.documents.ingest_local(
        collection_id, make_corrupt_pdf(tmp_path / "cortado.pdf")
    )
    assert new and document.status == "failed" and document.error


def test_a_local_file_of_an_unsupported_type_is_refused_and_nothing_is_stored(svc, tmp_path):
    collection_id = svc.collections.create("Biologia").id
    path = tmp_path / "planilha.xlsx"
    path.write_bytes(b"PK\x03\x04 not a document we read")
    with pytest.raises(UnsupportedMedia, match="not a supported type"):
        svc.documents.ingest_local(collection_id, path)
    assert svc.documents.list(collection_id) == []


def test_a_local_file_needs_its_collection(svc, tmp_path):
    with pytest.raises(NotFound):
        svc.documents.ingest_local("nope", make_pdf(tmp_path / "a.pdf", ["Texto."]))
