"""What the study tools read and write before anything is stored.

Builders (`study.extractive`, without a language model; `study.generated`, with one) read the
material as `Passage`s (one chunk each, in reading order) and return drafts. Every draft keeps
the passage it came from and a `quote`, an exact substring of that passage's text, which is
what its citation shows and what the source viewer highlights on the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

QuizKind = Literal["mcq", "short", "cloze"]
# Called with the share of the work done (0..1); builders call it as they go.
Progress = Callable[[float], None]


@dataclass(frozen=True)
class Passage:
    """One chunk of the material."""

    chunk_id: str
    document_id: str
    filename: str
    page: int | None
    text: str
    language: str = "en"  # "pt" | "en"
    chunk_index: int = 0


def citation(passage: Passage, quote: str, n: int = 1) -> dict[str, Any]:
    """A citation object, shaped as chat answers' citations (api.schemas.Citation)."""
    return {
        "id": n,
        "document_id": passage.document_id,
        "filename": passage.filename,
        "page": passage.page,
        "quote": quote,
        "chunk_id": passage.chunk_id,
    }


@dataclass
class QuizDraft:
    """A question: multiple choice (`choices` holds the answer and distractors, shuffled),
    cloze (a sentence with a blank, `choices` as for mcq) or short answer (`choices` empty)."""

    kind: QuizKind
    question: str
    answer: str
    explanation: str
    passage: Passage
    quote: str
    choices: list[str] = field(default_factory=list)


@dataclass
class CardDraft:
    """A flashcard: a term on the front, its definition on the back."""

    term: str
    definition: str
    passage: Passage
    quote: str


@dataclass
class TopicDraft:
    """One topic of a study guide, in the order of the material: a title, a summary of about
    two lines, and the passages (with quotes) it was drawn from."""

    title: str
    summary: str
    sources: list[tuple[Passage, str]]
