from __future__ import annotations

import hashlib
import itertools
import re

import pytest

from chatgepeto.ingestion.chunking import Chunker, ChunkRecord, chunk_id
from chatgepeto.ingestion.loaders import Page

SENTENCES = [
    "A seleção natural favorece variações hereditárias vantajosas.",
    "Em São Paulo, estudos com moscas mostraram deriva genética.",
    "A evolução é a mudança nas frequências alélicas ao longo das gerações.",
    "Charles Darwin propôs a seleção natural em 1859.",
    "Populações pequenas sofrem mais com a deriva.",
]


def long_text(paragraphs: int, seed: int = 0) -> str:
    blocks = []
    for p in range(paragraphs):
        sentences = [SENTENCES[(p + seed + i) % len(SENTENCES)] for i in range(6 + p % 4)]
        blocks.append(" ".join(sentences))
    return "\n\n".join(blocks)


def chunk(pages: list[Page], **kwargs) -> list[ChunkRecord]:
    """A document's chunks, its pages given one by one as ingestion does."""
    chunker = Chunker(
        document_id="doc-1",
        collection_id="col-1",
        filename="biologia.pdf",
        content_sha256="ab" * 32,
        **kwargs,
    )
    return [record for page in pages for record in chunker.add(page)]


def assert_exact(records: list[ChunkRecord], pages: list[Page]) -> None:
    texts = {page.number: page.text for page in pages}
    for record in records:
        assert record.text == texts[record.page][record.start_offset : record.end_offset]


def test_chunk_id_is_deterministic_and_short():
    first = chunk_id("col-1", "ab" * 32, 0)
    assert first == chunk_id("col-1", "ab" * 32, 0)
    assert first == hashlib.sha256(f"col-1:{'ab' * 32}:0".encode()).hexdigest()[:32]
    assert re.fullmatch("[0-9a-f]{32}", first)
    assert len({first, chunk_id("col-1", "ab" * 32, 1), chunk_id("col-2", "ab" * 32, 0)}) == 3
    assert chunk_id("col-1", "cd" * 32, 0) != first


def test_offsets_are_exact_and_chunks_stay_on_their_page():
    pages = [Page(1, long_text(8)), Page(2, long_text(5, seed=2)), Page(4, long_text(12, seed=1))]
    records = chunk(pages, chunk_size=300, chunk_overlap=60)
    assert len(records) > 10
    assert_exact(records, pages)
    assert {r.page for r in records} == {1, 2, 4}
    assert all(len(r.text) <= 300 for r in records)


def test_chunk_index_runs_over_the_document_and_ids_follow_it():
    pages = [Page(1, long_text(6)), Page(2, long_text(6, seed=3))]
    records = chunk(pages, chunk_size=250, chunk_overlap=40)
    assert [r.chunk_index for r in records] == list(range(len(records)))
    assert [r.id for r in records] == [chunk_id("col-1", "ab" * 32, i) for i in range(len(records))]
    assert all(
        (r.document_id, r.collection_id, r.filename) == ("doc-1", "col-1", "biologia.pdf")
        for r in records
    )


def test_reingesting_the_same_content_gives_the_same_records():
    pages = [Page(1, long_text(7)), Page(2, long_text(3))]
    assert chunk(pages, chunk_size=200, chunk_overlap=30) == chunk(
        pages, chunk_size=200, chunk_overlap=30
    )


def test_consecutive_chunks_of_a_page_overlap_and_move_forward():
    page = Page(1, long_text(10))
    records = chunk([page], chunk_size=200, chunk_overlap=80)
    pairs = list(itertools.pairwise(records))
    for before, after in pairs:
        assert before.start_offset < after.start_offset
        assert after.start_offset <= before.end_offset + 2  # overlap, or one separator apart
    assert any(after.start_offset < before.end_offset for before, after in pairs)


def test_sentences_end_chunks_rather_than_start_them():
    records = chunk([Page(1, " ".join(SENTENCES * 6))], chunk_size=200, chunk_overlap=0)
    assert len(records) > 3
    assert not any(r.text.startswith((".", " ")) for r in records)
    assert all(r.text.endswith(".") for r in records[:-1])


def test_repeated_text_keeps_exact_increasing_offsets():
    page = Page(1, ("Repetição idêntica. " * 200).strip())
    records = chunk([page], chunk_size=100, chunk_overlap=20)
    assert_exact(records, [page])
    starts = [r.start_offset for r in records]
    assert starts == sorted(set(starts))
    assert records[-1].end_offset == len(page.text)


def test_text_without_separators_is_cut_by_characters():
    page = Page(None, "x" * 2500)
    records = chunk([page], chunk_size=1000, chunk_overlap=150)
    assert [r.page for r in records] == [None] * len(records)
    assert [(r.start_offset, r.end_offset) for r in records] == [
        (0, 1000),
        (850, 1850),
        (1700, 2500),
    ]
    assert_exact(records, [page])


def test_short_pages_are_one_chunk_each_with_defaults():
    pages = [Page(1, "Mitose é a divisão celular."), Page(2, "Meiose gera gametas.")]
    records = chunk(pages)
    assert [(r.page, r.text, r.start_offset, r.end_offset) for r in records] == [
        (1, "Mitose é a divisão celular.", 0, 27),
        (2, "Meiose gera gametas.", 0, 20),
    ]


def test_nothing_to_chunk():
    assert chunk([]) == []
    assert chunk([Page(1, "   ")]) == []


@pytest.mark.parametrize(("size", "overlap"), [(0, 0), (100, 100), (100, -1)])
def test_bad_sizes_are_rejected(size, overlap):
    with pytest.raises(ValueError):
        chunk([Page(1, "texto")], chunk_size=size, chunk_overlap=overlap)
