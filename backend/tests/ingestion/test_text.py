from __future__ import annotations

import time
import unicodedata

import pytest

from chatgepeto.ingestion.text import detect_language, normalize_text, repair_split_accents

# Lines exactly as pypdf 7 extracts them from a pdfTeX (OT1) handout.
PDFTEX_LINES = [
    (
        "Mestrado Acadˆemico IBILCE/S˜ao Jos´e do Rio Preto",
        "Mestrado Acadêmico IBILCE/São José do Rio Preto",
    ),
    (
        "Departamento de Computa¸c˜ao, Faculdade de Ciˆencias,",
        "Departamento de Computação, Faculdade de Ciências,",
    ),
    (
        "APOSTILA DE T´OPICOS ESPECIAIS: APRENDIZADO DE M´AQUINA",
        "APOSTILA DE TÓPICOS ESPECIAIS: APRENDIZADO DE MÁQUINA",
    ),
    ("redes neurais, isto ´e, SVM", "redes neurais, isto é, SVM"),
    ("parte do princ´ıpio que os dados", "parte do princípio que os dados"),
    ("aumentamos o n´umero de parˆametros", "aumentamos o número de parâmetros"),
    ("Regress˜ao Log´ıstica Regularizada", "Regressão Logística Regularizada"),
    ("7 Aprendizado N˜ao-Supervisionado", "7 Aprendizado Não-Supervisionado"),
    ("Neurˆonios e o C´erebro", "Neurônios e o Cérebro"),
    ("a evolu¸c˜ao e a sele¸c˜ao natural", "a evolução e a seleção natural"),
    ("pre¸co estimado, ´area maior", "preço estimado, área maior"),
    ("N˜AO S˜AO", "NÃO SÃO"),
    ("aplicado `a regress˜ao e `as redes", "aplicado à regressão e às redes"),
]


@pytest.mark.parametrize(("raw", "expected"), PDFTEX_LINES)
def test_joins_accents_split_by_pdftex(raw, expected):
    assert normalize_text(raw) == expected


def test_split_accents_after_the_letter_or_across_a_space():
    # Not produced by the evaluation PDFs, but other TeX setups place accents this way.
    assert normalize_text("S˜ao Paulo: e´ um n´ umero") == "São Paulo: é um número"
    assert repair_split_accents("Jo˜ao c¸") == "João ç"


def test_repair_produces_single_precomposed_letters():
    fixed = normalize_text("Computa¸c˜ao ´e S˜ao Jos´e")
    assert fixed == "Computação é São José"
    assert unicodedata.is_normalized("NFC", fixed)
    assert all(unicodedata.combining(c) == 0 for c in fixed)


@pytest.mark.parametrize(
    "code",
    [
        "x^2 + y^2 == z^2",
        "In some other languages, ^ is used for exponentiation: 6 ^ 2",
        "Run `python3 hello.py` and check `a` and `as` and `echo`",
        "Use ``double backticks`` around `e`",
        "flags = a^b ^ c",
        "x^a + `o`",
        "printf '%s\\n' $HOME ~user ~/file",
        "matrix[i][j] = a*b - c/d; // é comentário",
    ],
)
def test_code_is_left_alone(code):
    assert normalize_text(code, reflow=False) == code
    assert normalize_text(code) == code


def test_typed_acute_used_as_apostrophe_is_left_alone():
    assert normalize_text("it´s and don´t and you´re") == "it´s and don´t and you´re"
    typed = "Santa Bárbara d´Oeste é uma cidade do estado de São Paulo."
    assert normalize_text(typed) == typed
    # Even next to real split accents, "´" only joins letters that take an acute.
    assert normalize_text("S˜ao Paulo, it´s") == "São Paulo, it´s"


def test_ascii_marks_need_real_split_accents_on_the_page():
    assert normalize_text("`a e `as") == "`a e `as"
    assert normalize_text("Jo˜ao foi `a escola") == "João foi à escola"


def test_ligatures_become_letters():
    assert normalize_text("ﬁm do ﬂuxo eﬁciente, oﬃce e ﬀ") == "fim do fluxo eficiente, office e ff"


def test_control_and_invisible_characters_are_removed():
    assert normalize_text("a\x00b\x07c\x1bd") == "abcd"
    assert normalize_text("\ufeffevo\u00adlução\u200b natural\u202e") == "evolução natural"
    assert normalize_text("colchete \uf8ef grande") == "colchete grande"


def test_nfc():
    assert normalize_text("Sa\u0303o Paulo") == "São Paulo"
    assert normalize_text("evoluc\u0327a\u0303o") == "evolução"


def test_hyphenated_words_are_rejoined():
    assert normalize_text("a evolu-\nção das espécies") == "a evolução das espécies"
    assert normalize_text("Deep Lear-\nning.") == "Deep Learning."
    assert normalize_text("modelo de Lotka-\nVolterra") == "modelo de Lotka-Volterra"
    assert normalize_text("valor 3 -\n2") == "valor 3 - 2"


def test_lines_of_a_paragraph_are_joined_and_paragraphs_kept():
    text = "Attention\nMechanism\n\n\nThe\nattention   mechanism\nallows a model\n"
    assert normalize_text(text) == "Attention Mechanism\n\nThe attention mechanism allows a model"
    assert normalize_text("um\n \ndois\n\t\nfim") == "um\n\ndois\n\nfim"
    assert normalize_text("linha\r\noutra\rfim") == "linha outra fim"


def test_list_items_keep_their_own_lines():
    text = "Key Concepts:\n- Queries (Q)\n- Keys\n• SVM - support\nvector machine"
    assert (
        normalize_text(text)
        == "Key Concepts:\n- Queries (Q)\n- Keys\n• SVM - support vector machine"
    )


def test_spaces_are_collapsed_and_text_stripped():
    assert normalize_text("  a   b\t\tc\u00a0\u00a0d  ") == "a b c d"
    assert normalize_text(" \n\n ") == ""
    assert normalize_text("") == ""


def test_without_reflow_lines_and_indentation_stay():
    markdown = "# Título\n\n```python\ndef f(x):\n    return x^2\n```\n\n\n\n- item   um  \n"
    assert normalize_text(markdown, reflow=False) == (
        "# Título\n\n```python\ndef f(x):\n    return x^2\n```\n\n- item   um"
    )


def test_normalizing_twice_changes_nothing():
    for raw, _ in PDFTEX_LINES:
        once = normalize_text(raw + "\nevolu-\nção\n\nﬁm")
        assert normalize_text(once) == once


def test_is_fast_on_a_book_sized_text():
    page = "\n".join(raw for raw, _ in PDFTEX_LINES) + "\nevolu-\nção " * 20 + "\n\n"
    book = [page * 3] * 300
    started = time.perf_counter()
    for text in book:
        normalize_text(text)
    assert time.perf_counter() - started < 3


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("O que é seleção natural?", "pt"),
        ("A seleção natural ocorre quando indivíduos com variações favoráveis deixam mais", "pt"),
        ("Quais são as causas da deriva genética?", "pt"),
        ("Explique a fotossíntese", "en"),  # no common word: unsure, so English
        ("What is natural selection?", "en"),
        ("The attention mechanism allows a model to focus on the most relevant parts", "en"),
        ("", "en"),
        ("42 3.14 x = y", "en"),
        ("Darwin", "en"),
    ],
)
def test_detect_language(text, language):
    assert detect_language(text) == language


def test_detect_language_on_longer_text():
    portuguese = "A evolução das espécies é explicada pela seleção natural e pela deriva. " * 50
    english = "Evolution of species is explained by natural selection and drift. " * 50
    assert detect_language(portuguese) == "pt"
    assert detect_language(english) == "en"
    assert detect_language(english + "Em São Paulo.") == "en"
