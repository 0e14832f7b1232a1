"""Evaluate whole answers: ask every question the way /api/ask does, and score the answers.

Questions come from the course question set (`evaluation/questions.py`). Scores, over
answerable questions:
`page_recall@k` (one of the first k passages the answer was built from is on an expected
page), `citation_hit` (the answer cites an expected page); over unanswerable ones:
`declined_unanswerable` (the answer says the material does not cover it; generated answers
only: an extractive answer quotes passages whatever the question).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chatgepeto.evaluation.docs import ingest_files
from chatgepeto.evaluation.questions import (
    LANGUAGES,
    Place,
    Question,
    QuestionFileError,
    parse_question,
    read_questions,
    supported_files,
)
from chatgepeto.retrieval.lexical import fold
from chatgepeto.services import Services

__all__ = [
    "Outcome",
    "Question",
    "QuestionFileError",
    "declines",
    "evaluate",
    "page_hit",
    "parse_question",
    "read_questions",
    "report",
    "score",
]

# -- scoring (pure) ---------------------------------------------------------------------------


def page_hit(retrieved: Sequence[Place], expected: Iterable[Place], k: int) -> bool:
    """Whether one of the first k retrieved passages lies on an expected page."""
    wanted = set(expected)
    return any(place in wanted for place in retrieved[:k])


def cites_expected(cited: Iterable[Place], expected: Iterable[Place]) -> bool:
    """Whether the answer cites an expected page."""
    return not set(cited).isdisjoint(expected)


def _fold(text: str) -> str:
    """Lower case, no accents (`lexical.fold`), straight apostrophes, single spaces."""
    return " ".join(fold(text.replace("’", "'").replace("‘", "'")).split())


# The prompt (answering/prompts.py) asks for "O material não contém essa informação." /
# "The material does not contain this information."; models paraphrase, so the patterns
# accept the usual variants. They run on folded text (no accents, lower case).
_SOURCE_EN = r"(?:course )?(?:material|materials|passages?|documents?|texts?|context|sources?)"
_SOURCE_PT = r"(?:material|materiais|trechos?|passagens?|documentos?|textos?|contexto|fontes?)"
# Between the source and its verb: a few words, not a clause ("the text says that X does not").
_GAP = r"(?:(?! that | which | que | qual | onde )[^.,;:!?]){0,30}?"
_DECLINES = [
    re.compile(p)
    for p in (
        # English
        rf"\b(?:the|these|provided|given) {_SOURCE_EN}\b{_GAP}\b(?:does|do|did) not "
        r"(?:contain|include|mention|cover|provide|say|address|discuss|answer|have)\b",
        rf"\b{_SOURCE_EN} (?:does|do|did)n't (?:contain|include|mention|cover|provide|say)\b",
        r"\b(?:not|isn't|aren't|never) (?:mentioned|covered|addressed|discussed|found|"
        rf"included|present) (?:in|by) the {_SOURCE_EN}\b",
        r"\bi (?:found|find) (?:nothing|no information)\b",
        r"\b(?:could not|couldn't|cannot|can't|did not|didn't) find (?:any )?"
        r"(?:information|anything|an answer|the answer)\b",
        r"\b(?:there is|there's) no (?:information|mention)\b",
        r"\bi (?:cannot|can't|am unable to|am not able to) answer\b",
        # Portuguese
        rf"\b(?:o|os|a|as|esse|este|estes|esses)? ?{_SOURCE_PT}\b{_GAP}"
        r"\bnao (?:contem|inclui|incluem|menciona|mencionam|aborda|abordam|trata|tratam|"
        r"traz|trazem|fala|falam|apresenta|apresentam|cobre|cobrem|responde|respondem|"
        r"possui|possuem)\b",
        r"\bnao (?:encontrei|ha|existe|consta|constam|foi encontrad[ao]) "
        r"(?:nada|nenhuma|informac|mencao|referencia|resposta)",
        r"\bnao (?:e|sao|esta|estao) (?:mencionad|abordad|tratad|coberto|cobert|descrit|"
        r"explicad|presente|disponive)",
        r"\bnao (?:e possivel|consigo|posso|foi possivel) responder\b",
        r"\bsem informac(?:ao|oes) (?:sobre|suficiente)",
    )
]


def declines(answer: str) -> bool:
    """Whether an answer says the material does not cover the question."""
    folded = _fold(answer)
    return any(pattern.search(folded) for pattern in _DECLINES)


@dataclass
class Outcome:
    """What one question got: the passages the answer was built from, its citations."""

    question: Question
    answer: str
    mode: str  # the answer's own mode: generated | extractive
    retrieved: list[Place] = field(default_factory=list)
    cited: list[Place] = field(default_factory=list)


def _share(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 4) if flags else None


def score(outcomes: Sequence[Outcome], mode: str) -> dict[str, Any]:
    """The figures over a set of outcomes; `mode` is how the answers were configured."""
    answerable = [o for o in outcomes if not o.question.unanswerable]
    unanswerable = [o for o in outcomes if o.question.unanswerable]
    report: dict[str, Any] = {
        "questions": len(outcomes),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "page_recall@1": _share(
            [page_hit(o.retrieved, o.question.expected, 1) for o in answerable]
        ),
        "page_recall@5": _share(
            [page_hit(o.retrieved, o.question.expected, 5) for o in answerable]
        ),
        "citation_hit": _share([cites_expected(o.cited, o.question.expected) for o in answerable]),
        "declined_unanswerable": None,
    }
    if mode == "generated":
        report["declined_unanswerable"] = _share([declines(o.answer) for o in unanswerable])
        # The other side of declining: answerable questions the answer wrongly declined.
        report["declined_answerable"] = _share([declines(o.answer) for o in answerable])
    return report


# -- running ----------------------------------------------------------------------------------


def ask_all(
    svc: Services,
    collection_id: str,
    questions: Sequence[Question],
    on_question: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Ask each question as a new conversation through the Answerer, as /api/ask does."""
    outcomes: list[Outcome] = []
    for question in questions:
        result = svc.answerer.answer(question.question, collection_id)
        outcome = Outcome(
            question=question,
            answer=result.answer,
            mode=result.mode,
            retrieved=[(r.filename, r.page) for r in result.passages],
            cited=[(c["filename"], c["page"]) for c in result.citations],
        )
        outcomes.append(outcome)
        if on_question:
            on_question(outcome)
    return outcomes


def report(outcomes: Sequence[Outcome], mode: str, seconds: float) -> dict[str, Any]:
    """The overall figures, and the same per question language."""
    figures: dict[str, Any] = {"mode": mode, **score(outcomes, mode)}
    figures["seconds"] = round(seconds, 2)
    figures["extractive_fallbacks"] = sum(o.mode != mode for o in outcomes)
    figures["by_language"] = {
        language: score([o for o in outcomes if o.question.language == language], mode)
        for language in LANGUAGES
        if any(o.question.language == language for o in outcomes)
    }
    answerable = [o for o in outcomes if not o.question.unanswerable]
    figures["cross_language"] = score([o for o in answerable if o.question.cross_language], mode)
    figures["same_language"] = score([o for o in answerable if not o.question.cross_language], mode)
    splits = sorted({o.question.split for o in answerable if o.question.split})
    figures["by_split"] = {
        split: score([o for o in answerable if o.question.split == split], mode) for split in splits
    }
    by_document: dict[str, list[Outcome]] = {}
    for o in sorted(answerable, key=lambda o: (o.question.document or "", o.question.language)):
        by_document.setdefault(f"{o.question.document} ({o.question.language})", []).append(o)
    figures["by_document"] = {name: score(group, mode) for name, group in by_document.items()}
    return figures


def documents_to_ingest(questions: Sequence[Question], docs_dir: Path) -> list[Path]:
    """The files the questions name, or every supported file when they name none."""
    named = set().union(*(q.documents for q in questions))
    if named:
        return [docs_dir / name for name in sorted(named)]
    return supported_files(docs_dir)


def evaluate(
    svc: Services,
    docs_dir: Path,
    questions: Sequence[Question],
    *,
    on_file: Callable[[str, float, str], None] | None = None,
    on_question: Callable[[Outcome], None] | None = None,
) -> dict[str, Any]:
    """Ingest the documents, ask every question, and report the figures."""
    collection_id, timings = ingest_files(
        svc, documents_to_ingest(questions, docs_dir), f"qa-{docs_dir.resolve().name}", on_file
    )
    mode = "generated" if svc.providers is not None else "extractive"
    started = time.perf_counter()
    outcomes = ask_all(svc, collection_id, questions, on_question)
    figures = report(outcomes, mode, time.perf_counter() - started)
    figures["ingest_seconds"] = timings
    figures["retriever"] = svc.settings.retrieval.retriever
    figures["k"] = svc.answerer.k
    figures["embedding_model"] = svc.settings.embeddings.embedding_model
    return figures
