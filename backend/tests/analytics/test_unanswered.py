"""Unanswered: the Answerer said the material does not cover it, or the best passage scored low."""

from datetime import UTC, datetime

from analytics.rows import asked
from chatgepeto.analytics.unanswered import LOW_SCORE, low_score_for, unanswered_reason
from chatgepeto.answering.service import WEAK_SCORE

NOW = datetime(2026, 12, 3, tzinfo=UTC)


def test_not_in_material_wins_over_the_score():
    assert unanswered_reason(asked("q", NOW, score=4.0, not_in_material=True)) == "not_in_material"
    assert unanswered_reason(asked("q", NOW, score=0.0, not_in_material=True)) == "not_in_material"


def test_a_low_score_is_unanswered_and_the_threshold_is_a_parameter():
    assert unanswered_reason(asked("q", NOW, score=LOW_SCORE - 0.01)) == "low_score"
    assert unanswered_reason(asked("q", NOW, score=LOW_SCORE)) is None
    assert unanswered_reason(asked("q", NOW, score=-1.5)) == "low_score"
    assert unanswered_reason(asked("q", NOW, score=2.0), low_score=2.5) == "low_score"


def test_the_threshold_is_the_answerers_and_only_for_weighted_scores():
    assert LOW_SCORE == WEAK_SCORE
    assert low_score_for("weighted") == WEAK_SCORE
    # Reciprocal rank fusion scores are ranks (about 0.03): no answer is judged by them.
    assert low_score_for("rrf") is None
    assert unanswered_reason(asked("q", NOW, score=0.03), low_score=None) is None
    assert unanswered_reason(asked("q", NOW, not_in_material=True), low_score=None) is not None


def test_an_answer_without_signals_counts_as_answered():
    # Stored before the Answerer recorded scores: nothing says the material failed.
    assert unanswered_reason(asked("q", NOW, score=None)) is None
