"""Evaluate whole answers: ask every question the way /api/ask does, and score the answers.

Questions are JSON lines, one object each::

    {"id", "document", "language": "pt"|"en", "question", "pages": [1-based pages],
     "answer", "keywords": [...], "unanswerable": bool, "also"?: [{"document", "pages"}]}

`document` names a file of the documents folder (an unanswerable question may give null);
`also` lists other places that hold the same answer. Scores, over answerable questions:
`page_recall@k` (one of the first k passages the answer was built from is on an expected
page), `citation_hit` (the answer cites an expected page); over unanswerable ones:
`declined_unanswerable` (the answer says the material does not cover it; generated answers
only: an extractive answer quotes passages whatever the question).
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chatgepeto.evaluation.docs import ingest_files, supported_files
from chatgepeto.services import Services

REQUIRED_KEYS = (
    "id",
    "document",
    "language",
    "question",
    "pages",
    "answer",
    "keywords",
    "unanswerable",
)
LANGUAGES = ("pt", "en")

Place = tuple[str, int]  # (file name, 1-based page)


class QuestionFileError(ValueError):
    """The questions file is not valid; the message names the line."""


@dataclass(frozen=True)
class Question:
    id: str
    document: str | None
    language: str
    question: str
    pages: tuple[int, ...]
    answer: str
    keywords: tuple[str, ...]
    unanswerable: bool
    also: tuple[tuple[str, tuple[int, ...]], ...] = ()

    @property
    def expected(self) -> frozenset[Place]:
        """Every (document, page) that holds the answer."""
        places = {(self.document, p) for p in self.pages if self.document}
        for document, pages in self.also:
            places.update((document, p) for p in pages)
        return frozenset(places)  # type: ignore[arg-type]

    @property
    def documents(self) -> set[str]:
        return ({self.document} if self.document else set()) | {d for d, _ in self.also}


# -- reading ----------------------------------------------------------------------------------


def _pages(value: Any, where: str, *, allow_empty: bool) -> tuple[int, ...]:
    if (
        not isinstance(value, list)
        or not all(isinstance(p, int) and not isinstance(p, bool) and p >= 1 for p in value)
        or (not value and not allow_empty)
    ):
        raise QuestionFileError(f"{where}: 'pages' must be a list of 1-based page numbers.")
    return tuple(value)


def parse_question(obj: Any, where: str, documents: set[str] | None = None) -> Question:
    """One question from its JSON object; `documents` are the file names allowed."""
    if not isinstance(obj, dict):
        raise QuestionFileError(f"{where}: expected a JSON object.")
    missing = [key for key in REQUIRED_KEYS if key not in obj]
    if missing:
        raise QuestionFileError(f"{where}: missing key(s) {', '.join(map(repr, missing))}.")
    if not isinstance(obj["unanswerable"], bool):
        raise QuestionFileError(f"{where}: 'unanswerable' must be true or false.")
    unanswerable = obj["unanswerable"]
    for key in ("id", "question"):
        if not isinstance(obj[key], str) or not obj[key].strip():
            raise QuestionFileError(f"{where}: {key!r} must be a non-empty string.")
    if obj["language"] not in LANGUAGES:
        raise QuestionFileError(f"{where}: 'language' must be one of {', '.join(LANGUAGES)}.")
    if not isinstance(obj["answer"], str):
        raise QuestionFileError(f"{where}: 'answer' must be a string.")
    keywords = obj["keywords"]
    if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
        raise QuestionFileError(f"{where}: 'keywords' must be a list of strings.")

    def check_document(name: Any) -> str:
        if not isinstance(name, str) or not name:
            raise QuestionFileError(f"{where}: 'document' must be a file name.")
        if documents is not None and name not in documents:
            raise QuestionFileError(f"{where}: unknown document {name!r} (not in the folder).")
        return name

    document = None if obj["document"] is None and unanswerable else check_document(obj["document"])
    pages = _pages(obj["pages"], where, allow_empty=unanswerable)
    also_raw = obj.get("also", [])
    if not isinstance(also_raw, list) or not all(isinstance(a, dict) for a in also_raw):
        raise QuestionFileError(f"{where}: 'also' must be a list of {{document, pages}}.")
    also = tuple(
        (check_document(a.get("document")), _pages(a.get("pages"), where, allow_empty=False))
        for a in also_raw
    )
    return Question(
        id=obj["id"],
        document=document,
        language=obj["language"],
        question=obj["question"].strip(),
        pages=pages,
        answer=obj["answer"],
        keywords=tuple(keywords),
        unanswerable=unanswerable,
        also=also,
    )


def read_questions(path: Path, docs_dir: Path | None = None) -> list[Question]:
    """Read and validate a questions file; documents must be supported files of `docs_dir`."""
    documents = None
    if docs_dir is not None:
        documents = {p.name for p in supported_files(docs_dir)}
    questions: list[Question] = []
    seen: set[str] = set()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise QuestionFileError(f"{path.name}: not UTF-8 text ({exc}).") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path.name}, line {number}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QuestionFileError(f"{where}: not valid JSON ({exc.msg}).") from exc
        question = parse_question(obj, where, documents)
        if question.id in seen:
            raise QuestionFileError(f"{where}: duplicate id {question.id!r}.")
        seen.add(question.id)
        questions.append(question)
    if not questions:
        raise QuestionFileError(f"{path.name}: no questions.")
    return questions


# -- scoring (pure) ---------------------------------------------------------------------------


def page_hit(retrieved: Sequence[Place], expected: Iterable[Place], k: int) -> bool:
    """Whether one of the first k retrieved passages lies on an expected page."""
    wanted = set(expected)
    return any(place in wanted for place in retrieved[:k])


def cites_expected(cited: Iterable[Place], expected: Iterable[Place]) -> bool:
    """Whether the answer cites an expected page."""
    return not set(cited).isdisjoint(expected)


def _fold(text: str) -> str:
    """Lower case, no accents, straight apostrophes, single spaces."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'").replace("‘", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.lower().split())


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
    figures["retriever"] = svc.settings.retriever
    figures["k"] = svc.answerer.k
    figures["embedding_model"] = svc.settings.embedding_model
    return figures
