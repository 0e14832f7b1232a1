"""Unanswered: the Answerer said the material does not cover it, or the best passage scored low."""

from datetime import UTC, datetime

from analytics.rows import asked
from chatgepeto.analytics.unanswered import LOW_SCORE, unanswered_reason

NOW = datetime(2026, 12, 3, tzinfo=UTC)


def test_not_in_material_wins_over_the_score():
    assert unanswered_reason(asked("q", NOW, score=0.99, not_in_material=True)) == "not_in_material"
    assert unanswered_reason(asked("q", NOW, score=0.0, not_in_material=True)) == "not_in_material"


def test_a_low_score_is_unanswered_and_the_threshold_is_a_parameter():
    assert unanswered_reason(asked("q", NOW, score=LOW_SCORE - 0.01)) == "low_score"
    assert unanswered_reason(asked("q", NOW, score=LOW_SCORE)) is None
    assert unanswered_reason(asked("q", NOW, score=-1.5)) == "low_score"
    assert unanswered_reason(asked("q", NOW, score=0.8), low_score=0.9) == "low_score"


def test_an_answer_without_signals_counts_as_answered():
    # Stored before the Answerer recorded scores: nothing says the material failed.
    assert unanswered_reason(asked("q", NOW, score=None)) is None
