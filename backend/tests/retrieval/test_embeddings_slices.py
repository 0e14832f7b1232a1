"""How ingestion hands chunks to the embedding tasks: a small first slice (embedding starts
after the first page or two, not after a full slice), slices doubling up to `slice_size`, and
the end of a document cut into one piece per ingestion thread."""

from __future__ import annotations

import threading
from functools import partial

import pytest
from langchain_core.embeddings import Embeddings

from chatgepeto.retrieval.vectorstore import (
    FIRST_SLICE,
    VectorIndex,
    chunk_metadata,
    make_chroma_client,
    tail_slices,
)


class Recorder(Embeddings):
    def __init__(self) -> None:
        self.slices: list[int] = []
        self.called = threading.Event()
        self.lock = threading.Lock()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        with self.lock:
            self.slices.append(len(texts))
        self.called.set()
        return [[1.0, float(len(t)), 0.5] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def _index(tmp_path, encoders: dict[str, Embeddings], slice_size: int = 32) -> VectorIndex:
    client = partial(make_chroma_client, host="", port=0, ssl=False, persist_dir=tmp_path)
    factories = {name: (lambda e=e: e) for name, e in encoders.items()}
    return VectorIndex(client, factories, ingest_workers=2, slice_size=slice_size)


def _add(writer, start: int, stop: int) -> None:
    ids = [f"c{i}" for i in range(start, stop)]
    writer.add(ids, [f"trecho {i}" for i in range(start, stop)], [
        chunk_metadata("doc", "livro.pdf", i + 1, i) for i in range(start, stop)
    ])


def test_the_first_slice_embeds_while_the_document_is_still_being_read(tmp_path):
    a, b = Recorder(), Recorder()
    index = _index(tmp_path, {"a": a, "b": b})
    assert FIRST_SLICE <= 4
    with index.writer("col") as writer:
        _add(writer, 0, FIRST_SLICE)  # the first page's chunks
        # Both models start on them before the next page arrives.
        assert a.called.wait(10) and b.called.wait(10)
        for i in range(FIRST_SLICE, 29):  # the rest, a chunk at a time
            _add(writer, i, i + 1)
        writer.finish()
    for encoder in (a, b):
        # 4, 8, 16 as the slices double; the last chunk alone (too few to split).
        assert encoder.slices == [4, 8, 16, 1]
    assert index.count("col") == 29


def test_the_end_of_a_document_is_split_across_the_ingestion_threads(tmp_path):
    a = Recorder()
    index = _index(tmp_path, {"a": a})
    with index.writer("col") as writer:
        _add(writer, 0, 50)
        writer.finish()
    # 4 + 8 + 16 = 28 in doubling slices; the 22 left go as two pieces, one per thread.
    assert a.slices[:3] == [4, 8, 16]
    assert sorted(a.slices[3:]) == [11, 11]
    assert index.count("col") == 50


def test_slices_stop_doubling_at_the_slice_size(tmp_path):
    a = Recorder()
    index = _index(tmp_path, {"a": a}, slice_size=16)
    with index.writer("col") as writer:
        _add(writer, 0, 60)
        writer.finish()
    assert a.slices[:5] == [4, 8, 16, 16, 16]


@pytest.mark.parametrize(
    ("n", "workers", "sizes"),
    [(0, 2, []), (1, 2, [1]), (7, 2, [7]), (8, 2, [4, 4]), (9, 2, [5, 4]), (31, 2, [16, 15]),
     (31, 1, [31]), (12, 4, [4, 4, 4]), (40, 4, [10, 10, 10, 10])],
)
def test_tail_slices(n, workers, sizes):
    assert tail_slices(n, workers) == sizes
