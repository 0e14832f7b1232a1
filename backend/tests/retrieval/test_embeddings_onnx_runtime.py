"""MiniLM on ONNX Runtime runs without sentence-transformers' torch glue (OnnxSentenceEmbeddings):
the same vectors, and the pipelines it cannot reproduce exactly keep the sentence-transformers
path."""

from __future__ import annotations

import json

import numpy as np
import pytest
from langchain_huggingface import HuggingFaceEmbeddings

from chatgepeto.retrieval import embeddings as emb
from chatgepeto.retrieval.embeddings import OnnxSentenceEmbeddings, make_embeddings

TEXTS = [
    "Natural selection acts on heritable variation.",
    "  O que é seleção natural?  ",
    "",
    "UPPER case, Ünïcode: ação, coração, pôr",
    "word " * 400,  # past the 256-token limit: truncated as sentence-transformers does
]


@pytest.fixture(scope="module")
def cache_dir():
    """The machine's model cache (`make install` exports there): no second export."""
    return emb._cache_dir(None)


@pytest.mark.slow
@pytest.mark.parametrize("threads", [1, 2])
def test_onnx_minilm_runs_on_onnx_runtime_directly_with_the_same_vectors(
    cache_dir, monkeypatch, threads
):
    direct = make_embeddings("minilm", backend="onnx-int8", cache_dir=cache_dir, threads=threads)
    # The win: no HuggingFaceEmbeddings / sentence-transformers (and torch) on the hot path.
    assert isinstance(direct, OnnxSentenceEmbeddings)
    assert direct.max_length == 256
    monkeypatch.setattr(OnnxSentenceEmbeddings, "supports", staticmethod(lambda folder: False))
    through_st = make_embeddings(
        "minilm", backend="onnx-int8", cache_dir=cache_dir, threads=threads
    )
    assert isinstance(through_st, HuggingFaceEmbeddings)
    got = np.array(direct.embed_documents(TEXTS))
    want = np.array(through_st.embed_documents(TEXTS))
    assert got.shape == (len(TEXTS), 384)
    assert np.abs(got - want).max() < 1e-5
    assert direct.embed_query(TEXTS[1]) == pytest.approx(through_st.embed_query(TEXTS[1]), abs=1e-5)
    assert direct.embed_documents([]) == []


def _folder(tmp_path, modules: list[str], pooling: dict) -> object:
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    (tmp_path / "sentence_bert_config.json").write_text('{"max_seq_length": 128}')
    paths = ["", "1_Pooling", "2_Normalize"]
    (tmp_path / "modules.json").write_text(
        json.dumps(
            [
                {"idx": i, "name": str(i), "path": paths[i], "type": f"sentence_transformers.{t}"}
                for i, t in enumerate(modules)
            ]
        )
    )
    return tmp_path


MEAN = {"word_embedding_dimension": 384, "pooling_mode_mean_tokens": True}


@pytest.mark.parametrize(
    ("modules", "pooling", "supported"),
    [
        (["models.Transformer", "models.Pooling", "models.Normalize"], MEAN, True),
        (["models.Transformer", "models.Pooling"], MEAN, True),
        (
            ["models.Transformer", "models.Pooling"],
            {**MEAN, "pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True},
            False,
        ),
        (
            ["models.Transformer", "models.Pooling"],
            {**MEAN, "pooling_mode_max_tokens": True},
            False,
        ),
        (["models.Transformer", "models.Pooling", "models.Dense"], MEAN, False),
    ],
)
def test_only_pipelines_it_reproduces_run_directly(tmp_path, modules, pooling, supported):
    assert OnnxSentenceEmbeddings.supports(_folder(tmp_path, modules, pooling)) is supported


def test_a_folder_without_sentence_transformers_files_is_not_supported(tmp_path):
    assert OnnxSentenceEmbeddings.supports(tmp_path) is False
