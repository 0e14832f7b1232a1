"""Documents that arrive already cut into chunks: evaluation corpora and benchmark text,
stored through `Documents.add_chunked` (ingestion's own chunk write), never by hand."""

import json

import pytest

from chatgepeto.errors import InvalidInput, NotFound
from chatgepeto.evaluation.beir import index_corpus
from chatgepeto.resources.documents import ChunkedText, TextPiece
from chatgepeto.services import build_services

CORPUS = [
    {"_id": "d1", "title": "Natural selection", "text": "Favourable traits leave offspring."},
    {"_id": "d2", "title": "Genetic drift", "text": "Random allele frequency changes."},
    {"_id": "d3", "title": "Photosynthesis", "text": "Plants turn light into energy."},
]


@pytest.fixture
def svc(settings, embeddings):
    services = build_services(settings, embeddings=embeddings)
    yield services
    services.close()


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.jsonl"
    path.write_text("\n".join(json.dumps(d) for d in CORPUS))
    return path


def index_version(svc, collection_id: str) -> int:
    return svc.collections.get(collection_id).index_version


def test_a_chunked_document_is_ready_searchable_and_marks_the_index_changed(svc):
    collection_id = svc.collections.create("notes").id
    before = index_version(svc, collection_id)
    records = svc.documents.add_chunked(
        collection_id,
        ChunkedText(
            filename="notes.txt",
            sha256="a" * 64,
            size_bytes=60,
            pieces=[
                TextPiece("c1", 1, 0, "A deriva genética muda alelos ao acaso."),
                TextPiece("c2", 2, 41, "A fotossíntese transforma luz em energia."),
            ],
        ),
    )
    assert [(r.id, r.page, r.chunk_index, r.start_offset, r.end_offset) for r in records] == [
        ("c1", 1, 0, 0, 39),
        ("c2", 2, 1, 41, 82),
    ]
    [document] = svc.documents.list(collection_id)
    assert (document.status, document.chunks, document.filename) == ("ready", 2, "notes.txt")
    assert index_version(svc, collection_id) > before
    ranked = svc.retriever.rank(collection_id, "fotossíntese", 2, "bm25")
    assert ranked[0][0] == "c2"


def test_a_chunked_document_without_chunks_is_refused_and_nothing_is_stored(svc):
    collection_id = svc.collections.create("notes").id
    with pytest.raises(InvalidInput, match="no chunks"):
        svc.documents.add_chunked(
            collection_id,
            ChunkedText(filename="empty.txt", sha256="b" * 64, size_bytes=0, pieces=[]),
        )
    assert svc.documents.list(collection_id) == []


def test_a_chunked_document_needs_its_collection(svc):
    with pytest.raises(NotFound):
        svc.documents.add_chunked(
            "no-such-collection",
            ChunkedText("x.txt", "c" * 64, 1, [TextPiece("c1", None, 0, "x")]),
        )


def test_a_corpus_is_stored_once_and_found_again(svc, corpus):
    first = index_corpus(svc, corpus, "beir-test", lambda done, total: None)
    again = index_corpus(svc, corpus, "beir-test", lambda done, total: None)
    assert first == again
    [document] = svc.documents.list(first)
    assert document.chunks == len(CORPUS)
    assert svc.retriever.rank(first, "allele frequency", 1, "hybrid")[0][0] == "d2"


def test_a_corpus_collection_left_without_its_document_is_stored_again(svc, corpus):
    """A run killed between creating the collection and storing its document."""
    svc.collections.create("beir-test")
    collection_id = index_corpus(svc, corpus, "beir-test", lambda done, total: None)
    [document] = svc.documents.list(collection_id)
    assert document.chunks == len(CORPUS)
    assert [c.name for c in svc.collections.list()] == ["beir-test"]
