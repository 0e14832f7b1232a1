"""The LangChain tutorial baseline of benchmarks/ (not product code) still runs as written."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
from langchain_core.embeddings import DeterministicFakeEmbedding

from utils.documents import make_pdf

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def baseline() -> ModuleType:
    pytest.importorskip("langchain_community")
    return _load("baseline")


def test_tutorial_splitter_settings(baseline: ModuleType) -> None:
    splitter = baseline.splitter()
    assert (splitter._chunk_size, splitter._chunk_overlap) == (1000, 200)


def test_ingest_pdfs_and_search(baseline: ModuleType, tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "a.pdf", ["Photosynthesis makes sugar.", "Mitosis splits cells."])
    base = baseline.Baseline(DeterministicFakeEmbedding(size=16))
    stats = base.ingest([pdf], tmp_path / "chroma")
    assert (stats.pages, stats.chunks) == (2, 2)
    assert stats.seconds > 0
    hits = base.search("Mitosis splits cells.", k=5)
    assert len(hits) == 2
    assert {h.metadata["page"] for h in hits} == {0, 1}


def test_corpus_mode_and_ranked_ids(baseline: ModuleType, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    rows = [
        {"_id": "1", "title": "T1", "text": "short"},
        {"_id": "2", "title": "T2", "text": "word " * 400},
    ]
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows))
    documents = baseline.corpus_documents(corpus)
    assert documents[0].page_content == "T1\nshort"
    base = baseline.Baseline(DeterministicFakeEmbedding(size=16))
    stats = base.ingest_documents(documents, tmp_path / "chroma")
    assert stats.pages == 2 and stats.chunks > 2  # the long abstract is split
    ranked = baseline.ranked_ids(base.search("word", k=10))
    assert sorted(ranked) == ["1", "2"]


def test_setting_parsing() -> None:
    bench = _load("bench_ingest")
    assert bench.parse_setting("multilingual,minilm:torch") == ("multilingual,minilm", "torch")
    assert bench.parse_setting("minilm:onnx-int8") == ("minilm", "onnx-int8")
    assert bench.parse_setting("minilm") == ("minilm", None)
