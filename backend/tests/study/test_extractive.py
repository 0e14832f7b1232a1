"""The extractive builders: cloze questions, definition cards and study guides from text alone."""

from __future__ import annotations

import re

import pytest

from chatgepeto.retrieval.lexical import fold
from chatgepeto.study import extractive
from chatgepeto.study.drafts import Passage
from chatgepeto.study.extractive import BLANK, build_cards, build_guide, build_quiz

# A Portuguese handout, five pages, as the chunker stores them: headings on lines of their own
# or glued to the paragraph after them, a page number alone at the end of each page, a
# reference list at the end.
PT_PAGES = [
    "1 Células e energia\n\n"
    "A fotossíntese é um processo pelo qual as plantas convertem a luz em energia química. "
    "A fotossíntese ocorre nos cloroplastos das células vegetais e depende da clorofila. "
    "A clorofila absorve a luz azul e a luz vermelha com grande eficiência nas folhas. "
    "Sem a clorofila, os cloroplastos não conseguem captar a energia da luz solar.\n\n1",
    "2 Respiração celular\n\n"
    "A respiração celular é um processo que libera a energia armazenada na glicose. "
    "As mitocôndrias realizam a respiração celular e produzem moléculas de ATP. "
    "O ATP transporta a energia química para as reações que a célula precisa realizar. "
    "A glicose vem da fotossíntese e é consumida pelas mitocôndrias durante o dia.\n\n2",
    "3 Divisão celular\n\n"
    "Chamamos de mitose a divisão que produz duas células filhas idênticas à célula mãe. "
    "A mitose garante o crescimento dos tecidos e a reposição das células perdidas. "
    "A meiose forma os gametas e reduz pela metade o número de cromossomos da célula. "
    "Os cromossomos carregam os genes que passam das células mãe para as células filhas.\n\n3",
    "4 Membranas\n\n"
    "A membrana plasmática é uma barreira seletiva que controla a entrada de substâncias. "
    "A difusão move as moléculas da região mais concentrada para a menos concentrada. "
    "A osmose significa a passagem da água através da membrana plasmática da célula. "
    "As proteínas da membrana plasmática transportam a glicose para dentro da célula.\n\n4",
    "Referências\n\n"
    "Alberts, B. 2010. Biologia molecular da célula. Artmed, Porto Alegre. "
    "Campbell, N. A. and J. B. Reece. 2008. Biologia. 8th ed. Artmed.\n\n5",
]

EN_PAGES = [
    "# Programs\n\n"
    "A variable is a name that refers to a value stored in the memory of the computer. "
    "The interpreter reads each statement of the program and executes it at once. "
    "A statement is a unit of code that the interpreter can execute on its own. "
    "Every variable keeps its value until the program assigns a new value to it.",
    "# Functions\n\n"
    "A function is a named sequence of statements that performs a useful computation. "
    "The interpreter runs the body of a function each time the program calls the function. "
    "A parameter refers to a name used inside a function to stand for an argument. "
    "An argument is a value that the program passes to a function when it calls it.",
    "# Loops\n\n"
    "A loop repeats a sequence of statements while a condition stays true in the program. "
    "An infinite loop is a loop whose condition never becomes false while the program runs. "
    "The interpreter checks the condition of the loop before each pass through the body. "
    "A counter is a variable that the loop increases by one on each pass through its body.",
]

GLOSSARY = (
    "Chapter 1: Basics\n\n"
    "bug: An error in a program.\n\n"
    "debugging: The process of finding and correcting bugs.\n\n"
    "syntax: The rules that govern the structure of a program.\n\n"
    "Chapter 2: Variables\n\n"
    "variable: A name that refers to a value.\n\n"
    "assignment: A statement that assigns a value to a variable. "
    "keyword: A reserved word that is used to parse a program.\n\n"
    "operand: One of the values on which an operator operates."
)


def passages(pages: list[str], language: str, document: str = "doc-1") -> list[Passage]:
    return [
        Passage(
            chunk_id=f"{document}-{n}",
            document_id=document,
            filename=f"{document}.pdf",
            page=n,
            text=text,
            language=language,
            chunk_index=n - 1,
        )
        for n, text in enumerate(pages, 1)
    ]


@pytest.fixture
def pt() -> list[Passage]:
    return passages(PT_PAGES, "pt")


@pytest.fixture
def en() -> list[Passage]:
    return passages(EN_PAGES, "en")


def doc_terms(material: list[Passage]) -> str:
    return fold(" ".join(p.text for p in material))


# --- quiz ----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["pt", "en"])
def test_cloze_blanks_a_key_term_and_offers_three_distractors_from_the_document(
    language: str, pt: list[Passage], en: list[Passage]
) -> None:
    material = pt if language == "pt" else en
    quiz = build_quiz(material, 6)
    assert quiz, "the material holds enough key sentences for some questions"
    text = doc_terms(material)
    for q in quiz:
        assert q.kind == "cloze"
        assert q.quote in q.passage.text  # the viewer highlights this exact text
        assert BLANK in q.question and q.answer not in q.question
        # The blank is the answer: filling it gives back the quoted sentence.
        filled = q.question.split(": ", 1)[1].replace(BLANK, q.answer)
        assert filled == " ".join(q.quote.split())
        assert len(q.choices) == 4 and len(set(map(fold, q.choices))) == 4
        assert q.answer in q.choices
        for choice in q.choices:
            assert fold(choice) in text  # every choice comes from the same document
        for distractor in (c for c in q.choices if c != q.answer):
            assert fold(distractor) not in fold(q.answer)
            assert fold(q.answer) not in fold(distractor)
            assert fold(distractor) not in fold(q.quote)
        assert f"{q.passage.page}" in q.explanation and " ".join(q.quote.split()) in q.explanation


def test_question_and_explanation_are_in_the_passage_language(
    pt: list[Passage], en: list[Passage]
) -> None:
    assert all(q.question.startswith("Complete a frase: ") for q in build_quiz(pt, 4))
    assert all("página" in q.explanation for q in build_quiz(pt, 4))
    assert all(q.question.startswith("Fill in the blank: ") for q in build_quiz(en, 4))
    assert all("page" in q.explanation for q in build_quiz(en, 4))


def test_questions_spread_over_pages_without_repeating_a_sentence_or_an_answer(
    pt: list[Passage],
) -> None:
    quiz = build_quiz(pt, 4)
    assert len(quiz) == 4
    assert len({q.passage.page for q in quiz}) >= 3
    assert len({q.quote for q in quiz}) == len(quiz)
    assert len({fold(q.answer) for q in quiz}) == len(quiz)
    # In reading order.
    assert [q.passage.page for q in quiz] == sorted(q.passage.page for q in quiz)


def test_no_question_from_a_heading_reference_or_page_number(pt: list[Passage]) -> None:
    quiz = build_quiz(pt, 20)
    assert quiz
    for q in quiz:
        assert q.passage.page != 5, "the reference list is no material for questions"
        assert not re.match(r"\d", q.quote)
        assert "Células e energia" not in q.quote and "Respiração celular\n" not in q.quote
        assert len(q.quote) >= 40


# A page whose sentences point back ("Esse processo", "Tal processo") and name a key phrase
# ("função de custo") whose head word is also a key term on its own.
POINTING_PAGE = (
    "5 Fotossíntese e respiração\n\n"
    "O processo de fotossíntese transforma a luz em energia química nas folhas das plantas. "
    "Esse processo depende da clorofila presente nos cloroplastos das células vegetais. "
    "Tal processo também libera oxigênio para a atmosfera durante o dia inteiro. "
    "A função de custo mede o erro de cada previsão feita pelo modelo nas amostras. "
    "Uma função de custo pequena indica que o modelo acerta a maior parte das amostras. "
    "Cada função de custo é minimizada pelo algoritmo durante o treinamento do modelo.\n\n5"
)
POINTERS = {"tal", "esse", "essa", "este", "esta", "such", "this", "these"}


def _word_before_blank(question: str) -> str:
    return fold(question.split(BLANK)[0].split()[-1])


def _head_blanks(quiz: list) -> list[str]:
    """Questions whose one-word answer is cut out of a longer key phrase of the page."""
    phrases = ("celulas vegetais", "funcao de custo", "celulas filhas")
    return [
        q.question
        for q in quiz
        if " " not in q.answer
        and any(fold(q.quote).find(p) >= 0 and fold(q.answer) in p.split() for p in phrases)
    ]


def test_no_blank_is_what_a_word_before_it_points_back_to(monkeypatch) -> None:
    material = passages([*PT_PAGES[:4], POINTING_PAGE, PT_PAGES[4]], "pt")
    quiz = build_quiz(material, 30)
    assert quiz and not [q.question for q in quiz if _word_before_blank(q.question) in POINTERS]
    # The page does hold such a question without the rule ("Tal _____ também libera…").
    monkeypatch.setattr(extractive, "_refers_back", lambda text, start: False)
    loose = build_quiz(material, 30)
    assert [q for q in loose if _word_before_blank(q.question) in POINTERS]


def test_a_key_phrase_is_blanked_whole_not_its_head_word(monkeypatch) -> None:
    material = passages([*PT_PAGES[:4], POINTING_PAGE, PT_PAGES[4]], "pt")
    quiz = build_quiz(material, 30)
    assert quiz and _head_blanks(quiz) == []
    assert any(fold(q.answer) == "funcao de custo" for q in quiz)
    # Without the rule, "das _____ vegetais" asks for "células" alone.
    monkeypatch.setattr(extractive, "_head_of_a_longer_term", lambda *args: False)
    assert _head_blanks(build_quiz(material, 30))


def test_returns_fewer_questions_rather_than_bad_ones(pt: list[Passage]) -> None:
    quiz = build_quiz(pt, 200)
    assert 0 < len(quiz) < 200


def test_same_seed_same_quiz_and_another_seed_another_order(pt: list[Passage]) -> None:
    first = build_quiz(pt, 6, seed="a")
    again = build_quiz(pt, 6, seed="a")
    assert [(q.question, q.choices) for q in first] == [(q.question, q.choices) for q in again]
    orders = {
        tuple(tuple(q.choices) for q in build_quiz(pt, 6, seed=seed))
        for seed in ("a", "b", "c", "d")
    }
    assert len(orders) > 1


def test_questions_come_from_every_document_of_the_scope(
    pt: list[Passage], en: list[Passage]
) -> None:
    second = passages(EN_PAGES, "en", document="doc-2")
    quiz = build_quiz(pt + second, 6)
    assert {q.passage.document_id for q in quiz} == {"doc-1", "doc-2"}


def test_a_page_range_takes_its_choices_from_the_whole_document(pt: list[Passage]) -> None:
    pages = [p for p in pt if p.page == 2]
    alone = build_quiz(pages, 5, seed="s")
    ranged = build_quiz(pages, 5, seed="s", context=pt)
    assert alone == [] and len(ranged) >= 2  # one page alone has too few terms to choose from
    assert all(q.passage.page == 2 for q in ranged)
    assert all(len(set(q.choices)) == 4 and q.answer in q.choices for q in ranged)


@pytest.mark.parametrize(
    "material",
    [
        [],
        passages(["", "   "], "pt"),
        passages(["12\n\n13", ". . . . . . . 4", "x = y + 2; z = 3"], "en"),
        passages(["Título\n\nCurto."], "pt"),
    ],
)
def test_nothing_usable_gives_empty_lists(material: list[Passage]) -> None:
    assert build_quiz(material, 10) == []
    assert build_cards(material, 10) == []
    assert build_guide(material) == []


def test_zero_count_gives_nothing_and_wrong_input_is_refused(pt: list[Passage]) -> None:
    assert build_quiz(pt, 0) == []
    assert build_cards(pt, 0) == []
    assert build_guide(pt, max_topics=0) == []
    with pytest.raises(TypeError, match="Passage"):
        build_quiz(["not a passage"], 3)  # type: ignore[list-item]


def test_progress_is_reported_between_zero_and_one(pt: list[Passage]) -> None:
    for build in (
        lambda cb: build_quiz(pt, 4, on_progress=cb),
        lambda cb: build_cards(pt, 4, on_progress=cb),
        lambda cb: build_guide(pt, on_progress=cb),
    ):
        shares: list[float] = []
        build(shares.append)
        assert shares and all(0 <= s <= 1 for s in shares)
        assert shares == sorted(shares)


# --- cards ---------------------------------------------------------------------------------


def test_portuguese_definitions_become_cards(pt: list[Passage]) -> None:
    cards = {fold(c.term): c for c in build_cards(pt, 20)}
    assert {"fotossintese", "respiracao celular", "mitose", "osmose"} <= set(cards)
    assert {"membrana plasmatica"} <= set(cards)
    assert cards["fotossintese"].definition.startswith("Um processo pelo qual")
    assert cards["osmose"].definition.startswith("A passagem da água")
    assert cards["mitose"].definition.startswith("A divisão que produz")
    for card in cards.values():
        assert card.quote in card.passage.text
        assert not fold(card.definition).startswith(fold(card.term))
        assert card.definition[-1] in ".!?"


def test_english_definitions_and_glossary_lines_become_cards(en: list[Passage]) -> None:
    cards = {fold(c.term): c for c in build_cards(en, 20)}
    assert {"variable", "function", "argument", "parameter", "infinite loop"} <= set(cards)
    assert cards["parameter"].definition.startswith("A name used inside a function")
    glossary = build_cards(passages([GLOSSARY], "en"), 20)
    terms = [c.term for c in glossary]
    assert terms == ["bug", "debugging", "syntax", "variable", "assignment", "keyword", "operand"]
    assert glossary[4].definition == "A statement that assigns a value to a variable."
    assert all(c.quote in c.passage.text for c in glossary)


def test_markdown_bold_terms_become_cards() -> None:
    text = (
        "**Entropia**: medida da desordem de um sistema físico isolado.\n\n"
        "**Energia livre** — a energia disponível para realizar trabalho útil."
    )
    cards = build_cards(passages([text], "pt"), 5)
    assert [(c.term, c.definition) for c in cards] == [
        ("Entropia", "Medida da desordem de um sistema físico isolado."),
        ("Energia livre", "A energia disponível para realizar trabalho útil."),
    ]
    assert all(c.quote in c.passage.text for c in cards)


def test_cards_are_one_per_term_whatever_the_case_or_accents() -> None:
    text = (
        "A fotossíntese é um processo que converte luz em energia química nas plantas. "
        "A Fotossintese é um mecanismo das plantas verdes para produzir a própria glicose."
    )
    cards = build_cards(passages([text], "pt"), 5)
    assert len(cards) == 1


def test_pronouns_and_clauses_are_no_terms() -> None:
    text = (
        "Isso é um problema que aparece em muitos estudos de campo com plantas. "
        "Ele é um exemplo de organismo que vive em ambientes extremos da Terra. "
        "O critério para que a amostra valha é uma regra simples de contagem."
    )
    assert build_cards(passages([text], "pt"), 5) == []


def test_cards_spread_over_the_material_when_there_are_too_many() -> None:
    entries = "\n\n".join(
        f"term{chr(97 + k)} word: A definition of the entry number {k}." for k in range(26)
    )
    material = passages([entries[: len(entries) // 2], entries[len(entries) // 2 :]], "en")
    cards = build_cards(material, 4)
    assert len(cards) == 4
    assert {c.passage.page for c in cards} == {1, 2}


# --- guide ---------------------------------------------------------------------------------


def test_guide_follows_headings_in_order(pt: list[Passage]) -> None:
    topics = build_guide(pt)
    # (Each section number here is also its page's number, which a PDF prints first.)
    assert [t.title.lstrip("1234 ") for t in topics] == [
        "Células e energia",
        "Respiração celular",
        "Divisão celular",
        "Membranas",
    ]
    for topic in topics:
        assert 0 < len(topic.summary) <= 300
        assert topic.sources
        for passage, quote in topic.sources:
            assert quote in passage.text
            assert " ".join(quote.split()) in topic.summary
    assert "mitose" in topics[2].summary or "meiose" in topics[2].summary


def test_guide_follows_markdown_headings_and_a_table_of_contents(en: list[Passage]) -> None:
    assert [t.title for t in build_guide(en)] == ["Programs", "Functions", "Loops"]
    toc = "Sumário Fotossíntese . . . . . . 2 Respiração . . . . . . 3 Mitose . . . . . . 4"
    pages = [
        toc,
        "Fotossíntese " + PT_PAGES[0].split("\n\n", 1)[1],
        "Respiração " + PT_PAGES[1].split("\n\n", 1)[1],
        "Mitose " + PT_PAGES[2].split("\n\n", 1)[1],
    ]
    topics = build_guide(passages(pages, "pt"))
    assert [t.title for t in topics] == ["Fotossíntese", "Respiração", "Mitose"]
    # The heading glued to its paragraph is no part of the summary's quotes.
    assert not topics[0].summary.startswith("Fotossíntese A")


def test_guide_without_headings_falls_back_to_runs_of_pages(pt: list[Passage]) -> None:
    bare = passages([p.split("\n\n", 1)[1].rsplit("\n\n", 1)[0] for p in PT_PAGES[:4]], "pt")
    topics = build_guide(bare, max_topics=2)
    assert len(topics) == 2
    pages = [{p.page for p, _ in t.sources} for t in topics]
    assert max(pages[0]) <= 2 < min(pages[1])
    for topic in topics:
        assert topic.title and fold(topic.title) in doc_terms(bare)


def test_guide_is_per_document_in_order_within_max_topics(
    pt: list[Passage], en: list[Passage]
) -> None:
    second = passages(EN_PAGES, "en", document="doc-2")
    topics = build_guide(pt + second, max_topics=4)
    assert len(topics) == 4
    documents = [t.sources[0][0].document_id for t in topics]
    assert documents == sorted(documents) and set(documents) == {"doc-1", "doc-2"}


def test_guide_skips_repeated_page_headers() -> None:
    header = "Universidade Federal — Curso de Biologia"
    pages = [f"{header}\n\n{p}" for p in PT_PAGES[:4]]
    topics = build_guide(passages(pages, "pt"))
    assert header not in [t.title for t in topics]
    assert all(header not in t.summary for t in topics)


def test_material_without_pages_is_cited_by_file_name(en: list[Passage]) -> None:
    unpaged = [
        Passage(p.chunk_id, p.document_id, "notes.md", None, p.text, "en", p.chunk_index)
        for p in en
    ]
    quiz = build_quiz(unpaged, 3)
    assert quiz and all("notes.md" in q.explanation and "page" not in q.explanation for q in quiz)
    assert build_guide(unpaged) and build_cards(unpaged, 3)


def test_quotes_are_whole_sentences_across_initials_abbreviations_and_captions() -> None:
    text = (
        "A reconciliação das duas escolas veio com os trabalhos de J.B.S. Haldane na "
        "década de 1920. Os resultados aparecem na Fig. 2 e discutem a herança dos caracteres "
        "contínuos. Tabela 3. Valores de acasalamento para os genótipos de um locus com dois "
        "alelos. A herança dos caracteres contínuos depende de muitos genes de pequeno efeito."
    )
    from chatgepeto.study.keyterms import sentences

    quoted = [s.text for s in sentences(passages([text], "pt")[0])]
    assert quoted[0].startswith("A reconciliação") and quoted[0].endswith("década de 1920.")
    assert quoted[1].startswith("Os resultados aparecem na Fig. 2 e")
    assert not any(q.startswith(("Tabela", "Valores", "Haldane")) for q in quoted)
