"""EMBEDDING_BACKEND: ONNX exports cached once, int8 vectors kept apart, reindex fills gaps."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from pydantic import ValidationError

from chatgepeto.retrieval import embeddings as emb
from chatgepeto.retrieval.embeddings import (
    ONNX_FILES,
    export_onnx,
    make_embeddings,
    model_slug,
    prepare_models,
)
from chatgepeto.retrieval.reindex import reindex
from chatgepeto.services import build_services
from chatgepeto.settings import Settings

from conftest import BIOLOGY_PAGES
from utils.ingestion import queue_pdf

TEXTS = [
    "Natural selection acts on heritable variation.",
    "O que é seleção natural?",
    "How do I compile a C program with gcc?",
    "Genetic drift is stronger in small populations.",
]


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory):
    """One ONNX cache for the session: each backend is exported at most once per run."""
    return tmp_path_factory.mktemp("models")


def test_int8_vectors_get_a_collection_of_their_own():
    assert model_slug("minilm") == "minilm"
    assert model_slug("minilm", "torch") == "minilm"
    # fp32 ONNX vectors equal torch's (test below), so they share the index.
    assert model_slug("all-MiniLM-L6-v2", "onnx") == "minilm"
    assert model_slug("minilm", "onnx-int8") == "minilm-int8"
    # The numpy multilingual encoder has no backend.
    assert model_slug("multilingual", "onnx-int8") == "multilingual"
    custom = model_slug("/models/BAAI/bge-small-en-v1.5")
    assert model_slug("/models/BAAI/bge-small-en-v1.5", "onnx-int8") == f"{custom}-int8"
    with pytest.raises(ValueError, match="backend"):
        model_slug("minilm", "tensorrt")


def test_backend_settings(tmp_path, monkeypatch):
    monkeypatch.delenv("EMBEDDING_BACKEND", raising=False)
    monkeypatch.delenv("MODEL_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    settings = Settings(_env_file=None, data_dir=tmp_path)
    # The fastest setting within 0.01 nDCG@10 of torch (docs/benchmarks.md).
    assert settings.embeddings.embedding_backend == "onnx-int8"
    # One thread per encoder; ingestion runs one embedding task per core instead.
    assert settings.embeddings.embedding_threads == 1
    # One cache for every data folder: the export does not depend on the data.
    assert (
        settings.embeddings.model_cache_path
        == (tmp_path / "xdg" / "chatgepeto" / "models").resolve()
    )
    settings = Settings(_env_file=None, data_dir=tmp_path, embedding_backend="torch")
    assert settings.embeddings.embedding_backend == "torch"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    settings = Settings(_env_file=None, model_cache_dir="")
    assert settings.embeddings.model_cache_path == (
        tmp_path / "home" / ".cache" / "chatgepeto" / "models"
    )
    settings = Settings(_env_file=None, model_cache_dir=tmp_path / "cache")
    assert settings.embeddings.model_cache_path == tmp_path / "cache"
    for bad in ("int8", "ONNX", "openvino"):
        with pytest.raises(ValidationError):
            Settings(_env_file=None, embedding_backend=bad)
    with pytest.raises(ValidationError):
        Settings(_env_file=None, embedding_threads=-1)
    # The old default (an .env copied from an older .env.example) still starts: it means 1.
    assert Settings(_env_file=None, embedding_threads=0).embeddings.embedding_threads == 0


def test_concurrent_exports_run_once_and_are_reused(tmp_path, monkeypatch):
    """Two starts at once export once (lock + rename); later calls reuse the folder."""
    calls = []

    def fake_export(source, backend, folder):
        calls.append(backend)
        time.sleep(0.3)
        (folder / ONNX_FILES[backend]).parent.mkdir(parents=True)
        (folder / ONNX_FILES[backend]).write_bytes(b"onnx")

    monkeypatch.setattr(emb, "_export_into", fake_export)
    found = []
    threads = [
        threading.Thread(target=lambda: found.append(export_onnx("minilm", "onnx-int8", tmp_path)))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == ["onnx-int8"]
    assert found[0] == found[1] and found[0].name.startswith("minilm-onnx-int8-")
    assert export_onnx("minilm", "onnx-int8", tmp_path) == found[0]
    assert calls == ["onnx-int8"]
    # No temporary folder is left behind.
    assert [p.name for p in tmp_path.iterdir() if p.is_dir()] == [found[0].name]

    settings = Settings(
        _env_file=None,
        model_cache_dir=tmp_path,
        embedding_model="multilingual,minilm",
        embedding_backend="onnx-int8",
    )
    assert prepare_models(settings) == [found[0]]  # the numpy model needs no export
    assert calls == ["onnx-int8"]
    settings.embeddings.embedding_backend = "torch"
    assert prepare_models(settings) == []


def test_prepare_models_deletes_stale_exports_of_the_same_model_only(tmp_path, monkeypatch):
    def fake_export(source, backend, folder):
        (folder / ONNX_FILES[backend]).parent.mkdir(parents=True)
        (folder / ONNX_FILES[backend]).write_bytes(b"onnx")
        (folder / "chatgepeto-export.json").write_text("{}")

    monkeypatch.setattr(emb, "_export_into", fake_export)
    current = export_onnx("minilm", "onnx-int8", tmp_path)
    fingerprint = current.name.rsplit("-", 1)[1]
    older = tmp_path / current.name.replace(fingerprint, "0" * len(fingerprint))
    fp32 = tmp_path / f"minilm-onnx-{fingerprint}"  # another backend: still in use elsewhere
    foreign = tmp_path / f"minilm-onnx-int8-{'1' * len(fingerprint)}"  # not an export of ours
    for folder in (older, fp32):
        folder.mkdir()
        (folder / "chatgepeto-export.json").write_text("{}")
    foreign.mkdir()
    settings = Settings(
        _env_file=None,
        model_cache_dir=tmp_path,
        embedding_model="minilm",
        embedding_backend="onnx-int8",
    )
    assert prepare_models(settings) == [current]
    assert not older.exists()
    assert fp32.is_dir() and foreign.is_dir() and (current / ONNX_FILES["onnx-int8"]).is_file()


def test_a_failed_export_leaves_nothing(tmp_path, monkeypatch):
    def broken_export(source, backend, folder):
        (folder / "onnx").mkdir()
        raise RuntimeError("exporter crashed")

    monkeypatch.setattr(emb, "_export_into", broken_export)
    with pytest.raises(RuntimeError, match="crashed"):
        export_onnx("minilm", "onnx", tmp_path)
    assert not [p for p in tmp_path.iterdir() if p.is_dir()]


@pytest.mark.slow
def test_onnx_vectors_match_torch(model_cache, monkeypatch):
    torch_vectors = np.array(make_embeddings("minilm", threads=1).embed_documents(TEXTS))
    onnx = make_embeddings("minilm", backend="onnx", cache_dir=model_cache, threads=1)
    onnx_vectors = np.array(onnx.embed_documents(TEXTS))
    int8 = make_embeddings("minilm", backend="onnx-int8", cache_dir=model_cache, threads=1)
    int8_vectors = np.array(int8.embed_documents(TEXTS))
    assert onnx_vectors.shape == int8_vectors.shape == (len(TEXTS), 384)
    # Normalised, and the same vectors: fp32 ONNX may share torch's index.
    assert np.allclose(np.linalg.norm(int8_vectors, axis=1), 1, atol=1e-4)
    assert (onnx_vectors * torch_vectors).sum(axis=1).min() > 0.9999
    # int8 moves them a little (hence a collection of its own), without scrambling them.
    int8_cosines = (int8_vectors * torch_vectors).sum(axis=1)
    assert int8_cosines.min() > 0.98 and int8_cosines.max() < 0.99999
    assert onnx.embed_query(TEXTS[0]) == pytest.approx(onnx_vectors[0].tolist(), abs=1e-5)

    # The exports are reused: a second model loads without exporting again.
    def no_export(*args):
        raise AssertionError("exported twice")

    monkeypatch.setattr(emb, "_export_into", no_export)
    again = make_embeddings("minilm", backend="onnx-int8", cache_dir=model_cache, threads=1)
    # (Alone, not in a batch: dynamic quantisation scales activations per batch.)
    assert again.embed_query(TEXTS[2]) == pytest.approx(int8.embed_query(TEXTS[2]), abs=1e-6)


def test_reindex_fills_the_collection_of_a_new_model(make_settings, embeddings, tmp_path):
    """Switching to int8 (a new `minilm-int8` index) embeds the documents indexed before."""
    before = build_services(make_settings(embedding_model="multilingual"), embeddings=embeddings)
    collection_id, document_id, job_id = queue_pdf(before, tmp_path, BIOLOGY_PAGES)
    before.ingestor.run_job(job_id)
    chunks = before.vectors.count(collection_id)
    assert chunks >= 3
    before.close()

    # The shared test encoder stands in for MiniLM: what matters is which indexes fill.
    settings = make_settings(embedding_model="multilingual,minilm", embedding_backend="onnx-int8")
    svc = build_services(settings, embeddings=embeddings)
    assert svc.vectors.models == ["multilingual", "minilm-int8"]
    assert svc.vectors.count(collection_id, "minilm-int8") == 0

    progress = []
    results = reindex(svc, on_progress=lambda *args: progress.append(args))
    by_model = {r.model: r for r in results}
    assert by_model["multilingual"].missing == 0 and by_model["multilingual"].embedded == 0
    assert by_model["minilm-int8"].embedded == chunks
    assert progress[-1] == (collection_id, "minilm-int8", chunks, chunks)
    assert svc.vectors.count(collection_id, "minilm-int8") == chunks

    # Same metadata as ingestion writes, so deleting a document deletes these vectors too.
    store = svc.vectors.client.get_collection(
        svc.vectors.collection_name(collection_id, "minilm-int8")
    )
    metadata = store.get(include=["metadatas"])["metadatas"]
    assert {m["document_id"] for m in metadata} == {document_id}
    assert {m["filename"] for m in metadata} == {"livro.pdf"}
    assert sorted(m["chunk_index"] for m in metadata) == list(range(chunks))
    hits = svc.vectors.search(collection_id, "seleção natural", 3)
    assert len(hits["minilm-int8"]) == 3

    # Complete: a second run embeds nothing; a lost vector is put back alone.
    assert all(r.embedded == 0 for r in reindex(svc, collection_id))
    lost = store.get(limit=1)["ids"][0]
    store.delete(ids=[lost])
    again = {r.model: r for r in reindex(svc, collection_id)}
    assert again["minilm-int8"].embedded == 1 and again["multilingual"].embedded == 0
    assert svc.vectors.count(collection_id, "minilm-int8") == chunks
    svc.vectors.delete_document(collection_id, document_id)
    assert svc.vectors.count(collection_id, "minilm-int8") == 0
    svc.close()
