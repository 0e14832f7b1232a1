"""How ingestion hands chunks to the embedding tasks: a small first slice (embedding starts
after the first page or two, not after a full slice), slices growing to `slice_size`, the end
of a document cut into pieces for every ingestion thread, and each slice's slowest model
handed to the pool first."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
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


def _chunks(n: int) -> tuple[list[str], list[str], list[dict]]:
    return (
        [f"c{i}" for i in range(n)],
        [f"trecho {i}" for i in range(n)],
        [chunk_metadata("doc", "livro.pdf", i + 1, i) for i in range(n)],
    )


def _add(writer, start: int, stop: int) -> None:
    ids = [f"c{i}" for i in range(start, stop)]
    writer.add(
        ids,
        [f"trecho {i}" for i in range(start, stop)],
        [chunk_metadata("doc", "livro.pdf", i + 1, i) for i in range(start, stop)],
    )


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
        # Slices of 4 until 20 chunks are sent, then a quarter of those sent; 4 left at the end.
        assert encoder.slices == [4, 4, 4, 4, 4, 5, 4]
    assert index.count("col") == 29


def test_the_end_of_a_document_is_split_across_the_ingestion_threads(tmp_path):
    a = Recorder()
    index = _index(tmp_path, {"a": a})
    with index.writer("col") as writer:
        _add(writer, 0, 55)
        writer.finish()
    # All 55 arrive at once: 4, 4, 4, 4, 4, 5, 6, 7, 9 (47), then the 8 left in two pieces.
    assert a.slices[:9] == [4, 4, 4, 4, 4, 5, 6, 7, 9]
    assert sorted(a.slices[9:]) == [4, 4]
    assert index.count("col") == 55


def test_slices_stop_doubling_at_the_slice_size(tmp_path):
    a = Recorder()
    index = _index(tmp_path, {"a": a}, slice_size=16)
    with index.writer("col") as writer:
        _add(writer, 0, 100)
        writer.finish()
    assert a.slices[:12] == [4, 4, 4, 4, 4, 5, 6, 7, 9, 11, 14, 16]
    assert max(a.slices) == 16


@pytest.mark.parametrize(
    ("n", "workers", "sizes"),
    [
        (0, 2, []),
        (1, 2, [1]),
        (7, 2, [7]),
        (8, 2, [4, 4]),
        (9, 2, [5, 4]),
        (22, 2, [6, 6, 5, 5]),
        (31, 1, [31]),
        (12, 4, [4, 4, 4]),
        (40, 4, [5] * 8),
    ],
)
def test_tail_slices(n, workers, sizes):
    assert tail_slices(n, workers) == sizes


class Slow(Recorder):
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        import time

        time.sleep(0.01 * len(texts))
        return super().embed_documents(texts)


def test_each_slices_slowest_model_goes_to_the_pool_first(tmp_path):
    quick, slow = Recorder(), Slow()
    index = _index(tmp_path, {"quick": quick, "slow": slow})
    order: list[str] = []
    original = index._embed

    def embed(model, texts):
        order.append(model)
        return original(model, texts)

    index._embed = embed  # type: ignore[method-assign]
    index._ingest_pool = ThreadPoolExecutor(max_workers=1)  # tasks run in the order sent
    index.upsert("col", *_chunks(12))
    assert index.seconds_per_chunk["slow"] > index.seconds_per_chunk["quick"]
    order.clear()
    index.upsert("col", *_chunks(12))
    # Once timed, the slow model's task of every slice comes first.
    assert order == ["slow", "quick"] * (len(order) // 2)
