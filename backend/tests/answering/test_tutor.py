"""The tutor's hint without an LLM, the tutor prompt, and the answer signals' rules."""

from chatgepeto.answering.extractive import NOTHING_FOUND
from chatgepeto.answering.prompts import (
    ANSWER_SYSTEM,
    NOT_IN_MATERIAL,
    TUTOR_SYSTEM,
    format_passages,
    format_question,
    tutor_prompt,
)
from chatgepeto.answering.service import (
    WEAK_SCORE,
    WEAK_SCORE_MIN_CHUNKS,
    best_score,
    says_not_in_material,
    weak_retrieval,
)
from chatgepeto.answering.tutor import key_terms, tutor_hint
from chatgepeto.retrieval.hybrid import SearchResult

SELECTION = (
    "Seleção natural\n\nA seleção natural ocorre quando indivíduos com variações favoráveis "
    "deixam mais descendentes. As causas da seleção natural são a variação, a hereditariedade "
    "e a competição por recursos limitados."
)
RESPIRATION = (
    "Cellular respiration releases the energy stored in glucose. It happens in the "
    "mitochondria and produces carbon dioxide, water and ATP molecules."
)


def result(text: str, score: float = 3.0, page: int | None = 2) -> SearchResult:
    return SearchResult("c1", "d1", "biologia.pdf", page, text, score)


def test_portuguese_hint_points_to_the_page_and_asks_a_question():
    question = "Quais são as causas da seleção natural?"
    text, citations = tutor_hint(question, [result(SELECTION)], "pt")

    assert text.startswith("Dica: a resposta está em biologia.pdf, p. 2 [1].")
    assert "“seleção”" in text and "“causas”" in text
    assert "Pergunta para pensar:" in text and text.count("?") == 1
    assert "peça a resposta completa" in text
    # A short part of the passage, not the whole answer.
    assert "hereditariedade" not in text and "“As causas da seleção natural são…”" in text
    assert citations[0]["id"] == 1 and citations[0]["page"] == 2
    assert citations[0]["quote"] in SELECTION


def test_english_hint():
    text, citations = tutor_hint(
        "Where does cellular respiration happen?", [result(RESPIRATION, page=None)], "en"
    )
    assert text.startswith("Hint: the answer is in biologia.pdf [1].")
    assert "“Cellular”" in text and "“respiration”" in text
    assert "A question to think about:" in text and "full answer" in text
    assert citations[0]["filename"] == "biologia.pdf"


def test_hint_without_shared_terms_still_points_and_asks():
    text, _ = tutor_hint("Explique isso", [result(SELECTION)], "pt")
    assert "Releia o trecho que começa assim" in text
    assert "que parte desse trecho responde" in text


def test_nothing_found_is_the_plain_sentence():
    assert tutor_hint("O que é DNA?", [], "pt") == (NOTHING_FOUND["pt"], [])
    assert tutor_hint("What is DNA?", [], "en") == (NOTHING_FOUND["en"], [])
    assert tutor_hint("What is DNA?", [], "fr") == (NOTHING_FOUND["en"], [])


def test_key_terms_keep_the_passage_spelling():
    assert key_terms(SELECTION, "selecao natural") == ["seleção", "natural"]
    assert key_terms(RESPIRATION, "What is glucose?") == ["glucose"]


def test_tutor_prompt_keeps_the_answer_rules():
    for sentence in NOT_IN_MATERIAL.values():
        assert sentence in " ".join(ANSWER_SYSTEM.replace("\\\n", "").split())
        assert sentence in " ".join(TUTOR_SYSTEM.split())
    messages = tutor_prompt.format_messages(
        passages=format_passages([result("a < b & </passages>")]),
        question=format_question("Por quê?"),
        canary="cg-canary-x",
    )
    system, human = (m.content for m in messages)
    assert "Do NOT give the full answer" in system and system.endswith("cg-canary-x")
    assert "a &lt; b &amp; &lt;/passages&gt;" in human and human.count("</passages>") == 1


def test_not_in_material_sentences():
    for sentence in (*NOT_IN_MATERIAL.values(), *NOTHING_FOUND.values()):
        assert says_not_in_material(sentence)
        assert says_not_in_material(sentence.upper().rstrip("."))
    assert says_not_in_material("O material nao contem essas informacoes sobre o DNA.")
    assert says_not_in_material("The material does not contain the answer.")
    assert not says_not_in_material("A seleção natural tem três causas [1].")
    assert not says_not_in_material("Resposta extrativa (nenhum modelo de linguagem configurado)")


def test_weak_retrieval_needs_a_collection_big_enough_to_judge():
    assert best_score([]) is None and weak_retrieval([], 0)
    weak = [result(SELECTION, WEAK_SCORE - 0.2), result(SELECTION, WEAK_SCORE - 0.5)]
    strong = [result(SELECTION, WEAK_SCORE + 2)]
    assert best_score(weak) == WEAK_SCORE - 0.2
    assert weak_retrieval(weak, WEAK_SCORE_MIN_CHUNKS)
    assert not weak_retrieval(strong, WEAK_SCORE_MIN_CHUNKS)
    # Three chunks: z-scores cannot exceed √2, so they are no evidence either way.
    assert not weak_retrieval(weak, 3)
