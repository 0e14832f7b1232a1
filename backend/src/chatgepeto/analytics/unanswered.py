"""Whether the material answered a question, and if not, why.

Two signals the Answerer stores on each answer: it said the material does not cover the
question (`not_in_material`), or the best passage it drew on scored below LOW_SCORE. The
threshold is the Answerer's own WEAK_SCORE (answering/service.py, where it is measured), so the
two agree on what a weak score is; the Answerer trusts it only in collections of 50 chunks or
more, while here a weak score in a small collection still tells the teacher the answer was
doubtful. Scores are the weighted fusion's; with FUSION=rrf they are ranks, which say nothing
of how well a passage matched, and no answer is judged by its score.

An answer stored before those signals existed (score None, flag False) counts as answered:
nothing says otherwise.
"""

from __future__ import annotations

from typing import Literal

from chatgepeto.analytics.questions import AskedQuestion
from chatgepeto.answering.service import WEAK_SCORE

LOW_SCORE = WEAK_SCORE

Reason = Literal["not_in_material", "low_score"]


def low_score_for(fusion: str) -> float | None:
    """The score threshold for the retriever's fusion ("weighted" or "rrf"), None for none."""
    return LOW_SCORE if fusion == "weighted" else None


def unanswered_reason(
    question: AskedQuestion, low_score: float | None = LOW_SCORE
) -> Reason | None:
    """Why the material did not answer `question`, or None when it did."""
    if question.not_in_material:
        return "not_in_material"
    score = question.retrieval_score
    if low_score is not None and score is not None and score < low_score:
        return "low_score"
    return None
