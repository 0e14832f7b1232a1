"""The vector index's writer: (slice, model) tasks on the ingestion threads, every vector
stored once, failures surfaced, nothing written after the caller moves on."""

from __future__ import annotations

import threading
import time
from functools import partial

import pytest
from langchain_core.embeddings import Embeddings

from chatgepeto.retrieval.vectorstore import VectorIndex, chunk_metadata, make_chroma_client


class Encoder(Embeddings):
    """A small deterministic encoder that records the slices it was given."""

    def __init__(self, fail_on: str | None = None, barrier: threading.Barrier | None = None):
        self.fail_on = fail_on
        self.barrier = barrier
        self.slices: list[list[str]] = []
        self.lock = threading.Lock()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if self.barrier is not None:
            self.barrier.wait(timeout=20)  # raises unless another model embeds at the same time
        if self.fail_on in texts:
            time.sleep(0.2)  # let the other tasks get going
            raise RuntimeError("encoder crashed")
        with self.lock:
            self.slices.append(list(texts))
        return [[1.0, float(len(t)), float(sum(map(ord, t)) % 97)] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def _index(tmp_path, encoders: dict[str, Embeddings], workers: int = 2) -> VectorIndex:
    client = partial(make_chroma_client, host="", port=0, ssl=False, persist_dir=tmp_path)
    factories = {name: (lambda e=e: e) for name, e in encoders.items()}
    return VectorIndex(client, factories, ingest_workers=workers, slice_size=4)


def _chunks(n: int) -> tuple[list[str], list[str], list[dict]]:
    ids = [f"c{i}" for i in range(n)]
    texts = [f"trecho número {i} sobre evolução" for i in range(n)]
    return ids, texts, [chunk_metadata("doc", "livro.pdf", i // 2 + 1, i) for i in range(n)]


def test_every_model_stores_every_chunk_in_slices(tmp_path):
    a, b = Encoder(), Encoder()
    index = _index(tmp_path, {"a": a, "b": b})
    ids, texts, metadatas = _chunks(10)
    progress: list[tuple[int, int]] = []
    with index.writer("col") as writer:
        for i in range(0, 10, 3):  # added a page at a time, not slice-aligned
            writer.add(ids[i : i + 3], texts[i : i + 3], metadatas[i : i + 3])
        writer.finish(lambda done, total: progress.append((done, total)))
    assert progress[-1] == (20, 20)
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)
    for encoder in (a, b):
        assert sorted(len(s) for s in encoder.slices) == [2, 4, 4]
    for model in ("a", "b"):
        assert index.count("col", model) == 10
    got = index.collection("col", "a").get(ids=["c3"], include=["metadatas"])
    assert got["metadatas"][0]["page"] == 2


def test_vectors_are_stored_a_slice_size_at_a_time_not_per_small_slice(tmp_path):
    # A short document goes out in slices of FIRST_SLICE (4) chunks so that embedding starts
    # early, but each Chroma write has a fixed cost: a model's vectors are written once a
    # slice_size (32) of them wait, and the rest at the end.
    a, b = Encoder(), Encoder()
    client = partial(make_chroma_client, host="", port=0, ssl=False, persist_dir=tmp_path)
    index = VectorIndex(client, {"a": lambda: a, "b": lambda: b}, ingest_workers=2, slice_size=32)
    writes: list[int] = []
    original = index._store

    def store(collection, ids, vectors, metadatas):
        writes.append(len(ids))
        original(collection, ids, vectors, metadatas)

    index._store = store  # type: ignore[method-assign]
    ids, texts, metadatas = _chunks(29)
    with index.writer("col") as writer:
        for i in range(0, 29, 2):  # a page of two chunks at a time, as a short PDF arrives
            writer.add(ids[i : i + 2], texts[i : i + 2], metadatas[i : i + 2])
        writer.finish()
    assert len(a.slices) > 4 and all(len(s) <= 8 for s in a.slices)  # many small slices
    assert sorted(writes) == [29, 29]  # one write per model
    assert index.count("col", "a") == index.count("col", "b") == 29
    writes.clear()
    index.upsert("col", *_chunks(100))
    assert sum(writes) == 200 and len(writes) <= 8  # 32 at a time or the rest, per model


def test_models_embed_at_the_same_time(tmp_path):
    barrier = threading.Barrier(2)
    index = _index(tmp_path, {"a": Encoder(barrier=barrier), "b": Encoder(barrier=barrier)})
    index.upsert("col", *_chunks(8), batch_size=4)
    assert index.count("col") == 8


def test_a_failed_task_surfaces_and_nothing_is_written_after(tmp_path):
    ids, texts, metadatas = _chunks(24)
    a = Encoder(fail_on=texts[4])
    index = _index(tmp_path, {"a": a, "b": Encoder()})
    with pytest.raises(RuntimeError, match="encoder crashed"), index.writer("col") as writer:
        writer.add(ids, texts, metadatas)
        writer.finish()
    stored = index.count("col", "a"), index.count("col", "b")
    time.sleep(0.5)
    assert (index.count("col", "a"), index.count("col", "b")) == stored
    assert stored[0] < 24


def test_adding_after_a_failure_raises_at_once(tmp_path):
    ids, texts, metadatas = _chunks(8)
    index = _index(tmp_path, {"a": Encoder(fail_on=texts[0])}, workers=1)
    with pytest.raises(RuntimeError, match="encoder crashed"), index.writer("col") as writer:
        writer.add(ids[:4], texts[:4], metadatas[:4])
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # the caller keeps reading pages meanwhile
            writer.add(ids[4:5], texts[4:5], metadatas[4:5])
            time.sleep(0.05)
        pytest.fail("the failure never surfaced")


def test_mismatched_lengths_are_refused(tmp_path):
    index = _index(tmp_path, {"a": Encoder()})
    with pytest.raises(ValueError, match="same length"), index.writer("col") as writer:
        writer.add(["x"], ["a", "b"], [{}])


def test_a_client_opened_with_chromas_defaults_shares_ours(tmp_path, monkeypatch):
    import chromadb

    # Chroma refuses a second client of one folder with other settings; ours turns telemetry
    # off, and building it makes that Chroma's default in this process too.
    monkeypatch.delenv("ANONYMIZED_TELEMETRY", raising=False)
    ours = make_chroma_client(host="", port=0, ssl=False, persist_dir=tmp_path)
    ours.get_or_create_collection("shared")
    theirs = chromadb.PersistentClient(path=str(tmp_path))
    assert [c.name for c in theirs.list_collections()] == ["shared"]


def test_vector_indexes_search_their_hnsw_graph_400_deep_old_ones_too(tmp_path):
    # Chroma's default ef_search (100) makes a top-100 candidate list approximate and
    # different from one ingestion of the same files to the next; HNSW_EF_SEARCH (400) is
    # given to new collections and to those made before, ahead of their first query.
    # One client for the folder, as in the app (two would lock each other out of its SQLite).
    client = make_chroma_client(host="", port=0, ssl=False, persist_dir=tmp_path)
    old = client.get_or_create_collection(
        "cg-col-a", embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
    )
    assert old.configuration_json["hnsw"]["ef_search"] == 100
    index = VectorIndex(lambda: client, {"a": Encoder, "b": Encoder}, ef_search=400)
    assert index.collection("col", "a").configuration_json["hnsw"]["ef_search"] == 400
    assert index.collection("col", "b").configuration_json["hnsw"]["ef_search"] == 400
    again = client.get_or_create_collection("cg-col-a", embedding_function=None)
    assert again.configuration_json["hnsw"] == {**old.configuration_json["hnsw"], "ef_search": 400}
