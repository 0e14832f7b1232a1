"""Whether the material answered a question, and if not, why.

Two signals the Answerer stores on each answer: it said the material does not cover the
question (`not_in_material`), or the best passage it drew on scored below LOW_SCORE. An answer
stored before those signals existed (score None, flag False) counts as answered: nothing says
otherwise.
"""

from __future__ import annotations

from typing import Literal

from chatgepeto.analytics.questions import AskedQuestion

# The retrieval score (the Answerer's best passage score, on the retriever's fused scale)
# under which the material most likely holds no answer, even if the model gave one.
LOW_SCORE = 0.5

Reason = Literal["not_in_material", "low_score"]


def unanswered_reason(question: AskedQuestion, low_score: float = LOW_SCORE) -> Reason | None:
    """Why the material did not answer `question`, or None when it did."""
    if question.not_in_material:
        return "not_in_material"
    if question.retrieval_score is not None and question.retrieval_score < low_score:
        return "low_score"
    return None
