import math

import pytest

from chatgepeto.retrieval.embeddings import canonical_name, make_embeddings, model_slug


def cosine(a, b):
    return sum(x * y for x, y in zip(a, b, strict=True)) / (
        math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    )


def test_multilingual_encoder_matches_across_languages(embeddings):
    pt, en, other = embeddings.embed_documents(
        [
            "O que é seleção natural?",
            "What is natural selection?",
            "Como compilar um programa em C?",
        ]
    )
    assert len(pt) == 512
    assert cosine(pt, en) > cosine(pt, other)
    assert embeddings.embed_query("olá") == pytest.approx(embeddings.embed_documents(["olá"])[0])


@pytest.mark.slow
def test_minilm_loads_offline_from_its_wheel():
    model = make_embeddings("minilm")
    vector = model.embed_query("natural selection")
    assert len(vector) == 384


def test_names_and_slugs():
    assert canonical_name("All-MiniLM-L6-v2") == "minilm"
    assert canonical_name("USE-multilingual") == "multilingual"
    assert model_slug("multilingual") == "multilingual"
    slug = model_slug("/models/BAAI/bge-small-en-v1.5")
    assert slug.startswith("bge-small-en-v1-5-") and len(slug) < 40
