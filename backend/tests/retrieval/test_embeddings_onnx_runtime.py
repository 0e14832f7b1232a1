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


@pytest.mark.slow
def test_embedding_max_tokens_truncates_passages_on_every_path(cache_dir, monkeypatch):
    # EMBEDDING_MAX_TOKENS (224 by default): a passage past it reads as its first 224 tokens,
    # on ONNX Runtime directly and through sentence-transformers alike; shorter ones unchanged.
    long_text = "natural selection acts on heritable variation " * 60
    short = make_embeddings("minilm", backend="onnx-int8", cache_dir=cache_dir, threads=1)
    cut = make_embeddings(
        "minilm", backend="onnx-int8", cache_dir=cache_dir, threads=1, max_tokens=224
    )
    assert cut.max_length == 224 and short.max_length == 256
    head = cut._tokenizer.decode(cut._tokenizer(long_text)["input_ids"][1:223])
    got, head_vector, full = np.array(cut.embed_documents([long_text, head, TEXTS[0]]))
    assert np.abs(got - head_vector).max() < 1e-5
    assert np.abs(got - np.array(short.embed_documents([long_text])[0])).max() > 1e-3
    assert np.abs(full - np.array(short.embed_documents([TEXTS[0]])[0])).max() < 1e-6
    monkeypatch.setattr(OnnxSentenceEmbeddings, "supports", staticmethod(lambda folder: False))
    through_st = make_embeddings(
        "minilm", backend="onnx-int8", cache_dir=cache_dir, threads=1, max_tokens=224
    )
    assert isinstance(through_st, HuggingFaceEmbeddings)
    assert np.abs(np.array(through_st.embed_documents([long_text])[0]) - got).max() < 1e-5
    # A limit above the model's own changes nothing.
    assert emb.token_limit(256, 1000) == 256 and emb.token_limit(256, 0) == 256


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
