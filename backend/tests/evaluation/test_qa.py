"""`chatgepeto eval qa`: reading and validating questions, scoring, and the command itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from chatgepeto.cli import main
from chatgepeto.devtools.fake_groq import Reply
from chatgepeto.evaluation.qa import (
    Outcome,
    QuestionFileError,
    cites_expected,
    declines,
    page_hit,
    parse_question,
    read_questions,
    score,
)

from conftest import BIOLOGY_PAGES
from utils.documents import make_pdf

DOC = "biologia.pdf"
KEYS = {
    "mode",
    "questions",
    "seconds",
    "page_recall@1",
    "page_recall@5",
    "citation_hit",
    "declined_unanswerable",
    "by_language",
}


def question(**overrides):
    base = {
        "id": "q1",
        "document": DOC,
        "language": "pt",
        "question": "O que é deriva genética?",
        "pages": [3],
        "answer": "Mudança aleatória nas frequências alélicas.",
        "keywords": ["deriva genética", "aleatória"],
        "unanswerable": False,
    }
    return {**base, **overrides}


QUESTIONS = [
    question(),
    question(
        id="q2",
        language="en",
        question="What are the causes of natural selection?",
        pages=[2],
        answer="Variation, heredity and competition for limited resources.",
        keywords=["variação", "hereditariedade"],
    ),
    question(
        id="u1",
        question="Quem descobriu a estrutura do DNA em 1953?",
        pages=[],
        answer="O material não contém essa informação.",
        keywords=[],
        unanswerable=True,
    ),
]


def write_jsonl(path: Path, items) -> Path:
    path.write_text(
        "\n".join(i if isinstance(i, str) else json.dumps(i, ensure_ascii=False) for i in items)
        + "\n",
        encoding="utf-8",
    )
    return path


# -- reading ----------------------------------------------------------------------------------


def test_reads_questions_with_alternative_pages(tmp_path):
    (tmp_path / DOC).write_bytes(b"%PDF")
    (tmp_path / "glossario.pdf").write_bytes(b"%PDF")
    path = write_jsonl(
        tmp_path / "q.jsonl",
        [question(also=[{"document": "glossario.pdf", "pages": [7]}]), "", QUESTIONS[2]],
    )
    first, unanswerable = read_questions(path, tmp_path)
    assert first.expected == {(DOC, 3), ("glossario.pdf", 7)}
    assert first.documents == {DOC, "glossario.pdf"}
    assert unanswerable.unanswerable and unanswerable.expected == frozenset()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": "q1", "question": ', "line 2: not valid JSON"),
        (json.dumps({k: v for k, v in question().items() if k != "keywords"}), "'keywords'"),
        (json.dumps(question(document="outro.pdf")), "unknown document 'outro.pdf'"),
        (json.dumps(question(language="es")), "'language' must be one of pt, en"),
        (json.dumps(question(pages=[])), "'pages' must be a list"),
        (json.dumps(question(pages=[0])), "'pages' must be a list"),
        (json.dumps(question(unanswerable="no")), "'unanswerable' must be true or false"),
        (json.dumps(question(id="q0")), "duplicate id 'q0'"),
        ("[1, 2]", "expected a JSON object"),
    ],
)
def test_invalid_questions_name_the_line(tmp_path, line, message):
    (tmp_path / DOC).write_bytes(b"%PDF")
    path = write_jsonl(tmp_path / "q.jsonl", [question(id="q0"), line])
    with pytest.raises(QuestionFileError) as error:
        read_questions(path, tmp_path)
    assert "q.jsonl, line 2" in str(error.value)
    assert message in str(error.value)


def test_unanswerable_question_may_name_no_document():
    parsed = parse_question(question(document=None, pages=[], unanswerable=True), "x", {DOC})
    assert parsed.document is None and parsed.documents == set()
    with pytest.raises(QuestionFileError, match="'document' must be a file name"):
        parse_question(question(document=None), "x", {DOC})


# -- scoring ----------------------------------------------------------------------------------


def test_page_hit_and_citations():
    expected = {("a.pdf", 3), ("b.pdf", 1)}
    retrieved = [("a.pdf", 2), ("b.pdf", 1), ("a.pdf", 3)]
    assert not page_hit(retrieved, expected, 1)
    assert page_hit(retrieved, expected, 2)
    assert not page_hit([("b.pdf", 3)], expected, 5)  # right page, wrong document
    assert not page_hit([], expected, 5)
    assert cites_expected([("x.pdf", 1), ("a.pdf", 3)], expected)
    assert not cites_expected([("a.pdf", 4)], expected)


@pytest.mark.parametrize(
    "answer",
    [
        "O material não contém essa informação.",
        "O material nao contem essa informacao.",
        "The material does not contain this information.",
        "The material does not contain the answer.",  # the fake Groq's NO_ANSWER
        "Os trechos fornecidos não mencionam quem descobriu o DNA.",
        "The provided passages don't mention it.",
        "Não encontrei nada sobre isso no material desta coleção.",
        "I found nothing about this in this collection's material.",
        "Essa informação não está presente no material.",
        "This topic is not covered in the material.",
    ],
)
def test_declines(answer):
    assert declines(answer)


@pytest.mark.parametrize(
    "answer",
    [
        "A deriva genética é a mudança aleatória nas frequências alélicas [1].",
        "O texto explica que a seleção natural não tem direção [1].",
        "The text says that selection does not have a goal [2].",
        "Python does not contain a goto statement [3].",
        "Extractive answer (no language model configured): these are the most relevant "
        "passages from the material.",
    ],
)
def test_answers_are_not_declines(answer):
    assert not declines(answer)


def _outcomes():
    answerable, english, unanswerable = (parse_question(q, "x") for q in QUESTIONS)
    return [
        Outcome(answerable, "Deriva [1].", "generated", [(DOC, 3), (DOC, 1)], [(DOC, 3)]),
        Outcome(english, "Variation [1].", "generated", [(DOC, 1), (DOC, 2)], [(DOC, 1)]),
        Outcome(unanswerable, "O material não contém essa informação.", "generated"),
    ]


def test_score_generated_answers():
    figures = score(_outcomes(), "generated")
    assert figures == {
        "questions": 3,
        "answerable": 2,
        "unanswerable": 1,
        "page_recall@1": 0.5,
        "page_recall@5": 1.0,
        "citation_hit": 0.5,
        "declined_unanswerable": 1.0,
        "declined_answerable": 0.0,
    }


def test_score_extractive_answers_leaves_declines_out():
    figures = score(_outcomes(), "extractive")
    assert figures["declined_unanswerable"] is None and "declined_answerable" not in figures
    empty = score([], "extractive")
    assert empty["questions"] == 0 and empty["page_recall@1"] is None


# -- the command ------------------------------------------------------------------------------


@pytest.fixture
def cli_env(tmp_path, monkeypatch, embeddings):
    monkeypatch.setenv("GROQ_API_KEY", "")
    monkeypatch.setenv("EMBEDDING_MODEL", "multilingual")
    monkeypatch.setenv("LLM_MAX_RETRIES", "0")
    monkeypatch.chdir(tmp_path)  # no stray .env
    # The session's encoder serves the command too: no model loads per test.
    monkeypatch.setattr("chatgepeto.services.make_embeddings", lambda *a, **k: embeddings)
    docs = tmp_path / "docs"
    docs.mkdir()
    make_pdf(docs / DOC, BIOLOGY_PAGES)
    (docs / "outro.md").write_text("# Outro\n\nNada a ver.", encoding="utf-8")
    return tmp_path


def run_qa(folder: Path, *extra: str, questions=QUESTIONS):
    path = write_jsonl(folder / "questions.jsonl", questions)
    return CliRunner().invoke(
        main,
        ["eval", "qa", "--questions", str(path), "--docs", str(folder / "docs"), *extra],
    )


def test_eval_qa_extractive(cli_env):
    result = run_qa(cli_env, "--json")
    assert result.exit_code == 0, result.output
    assert "ingested biologia.pdf" in result.stderr
    assert "outro.md" not in result.stderr  # only the documents the questions name
    lines = result.stdout.strip().splitlines()
    assert lines[1].split()[:3] == ["answerable", "page@1", "page@5"]  # the table header
    figures = json.loads(lines[-1])
    assert set(figures) >= KEYS
    assert figures["mode"] == "extractive"
    assert figures["questions"] == 3 and figures["answerable"] == 2
    assert figures["page_recall@5"] == 1.0
    assert figures["citation_hit"] == 1.0  # extractive answers cite the top passages
    assert figures["declined_unanswerable"] is None
    assert set(figures["by_language"]) == {"pt", "en"}
    assert figures["by_language"]["en"]["answerable"] == 1


def test_eval_qa_without_json_prints_a_table(cli_env):
    result = run_qa(cli_env, questions=QUESTIONS[:1])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("extractive answers, 1 questions")
    assert not result.stdout.strip().splitlines()[-1].startswith("{")


def test_eval_qa_generated_against_fake_groq(cli_env, monkeypatch, fake_groq):
    monkeypatch.setenv("GROQ_API_KEY", "test-key")
    monkeypatch.setenv("GROQ_BASE_URL", fake_groq.base_url)
    # One chat request per question, in order: two derived answers (they cite [1] [2]),
    # then a decline for the unanswerable one.
    fake_groq.script(Reply(), Reply(), Reply(text="O material não contém essa informação."))
    result = run_qa(cli_env, "--json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["mode"] == "generated" and figures["extractive_fallbacks"] == 0
    assert fake_groq.calls == 3
    assert figures["citation_hit"] == 1.0
    assert figures["declined_unanswerable"] == 1.0
    assert figures["declined_answerable"] == 0.0


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("not json", "line 2: not valid JSON"),
        (json.dumps({k: v for k, v in question().items() if k != "pages"}), "'pages'"),
        (json.dumps(question(id="q9", document="sumiu.pdf")), "unknown document 'sumiu.pdf'"),
    ],
)
def test_eval_qa_rejects_a_bad_questions_file(cli_env, bad, message):
    data = cli_env / "data"
    result = run_qa(cli_env, "--data-dir", str(data), questions=[question(id="q0"), bad])
    assert result.exit_code == 2, result.output
    assert "questions.jsonl, line 2" in result.stderr and message in result.stderr
    assert not data.exists()  # nothing ingested
