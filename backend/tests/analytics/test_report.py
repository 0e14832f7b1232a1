"""The summary: counts per week, the unanswered and rated-down lists, newest first, capped."""

from datetime import UTC, date, datetime, timedelta

from analytics.rows import asked
from chatgepeto.analytics.report import build_report, excerpt, in_window
from chatgepeto.analytics.weeks import last_weeks

NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)  # a Thursday of 2026-W49
WINDOW = last_weeks(3, now=NOW)


def test_counts_per_week_every_week_listed_oldest_first():
    questions = [
        asked("O que é seleção natural?", NOW, rating="down"),
        asked("E a deriva?", NOW - timedelta(days=1), not_in_material=True),
        asked("Quem foi Darwin?", NOW - timedelta(days=10), score=0.1, rating="down"),
        asked("Quem foi Lamarck?", NOW - timedelta(days=10), rating="up"),
    ]
    report = build_report(questions, WINDOW)
    assert [(w.week, w.start, w.questions, w.unanswered, w.thumbs_down) for w in report.weeks] == [
        ("2026-W47", date(2026, 11, 16), 0, 0, 0),
        ("2026-W48", date(2026, 11, 23), 2, 1, 1),
        ("2026-W49", date(2026, 11, 30), 2, 1, 1),
    ]
    assert (report.questions_total, report.unanswered_total, report.thumbs_down_total) == (4, 2, 2)


def test_unanswered_questions_with_their_reason_newest_first():
    report = build_report(
        [
            asked("Nova", NOW, score=0.2),
            asked("Velha", NOW - timedelta(days=2), not_in_material=True, score=None),
            asked("Respondida", NOW - timedelta(days=3), score=2.95),
        ],
        WINDOW,
    )
    assert [(u.question, u.reason, u.retrieval_score) for u in report.unanswered] == [
        ("Nova", "low_score", 0.2),
        ("Velha", "not_in_material", None),
    ]
    assert report.unanswered[0].asked_at == NOW


def test_rated_down_answers_with_their_comment_and_an_excerpt():
    long_answer = "Palavra " * 100
    report = build_report(
        [
            asked("Q1", NOW, rating="down", comment="Não citou a página", answer=long_answer),
            asked("Q2", NOW - timedelta(days=1), rating="up", comment="Ótimo"),
            asked("Q3", NOW - timedelta(days=2), rating="down"),
        ],
        WINDOW,
    )
    assert [(d.question, d.comment) for d in report.thumbs_down] == [
        ("Q1", "Não citou a página"),
        ("Q3", None),
    ]
    assert report.thumbs_down[0].answer_excerpt.endswith("…")
    assert len(report.thumbs_down[0].answer_excerpt) <= 281


def test_the_lists_are_capped_but_the_counts_are_not():
    questions = [asked(f"Q{n}", NOW - timedelta(minutes=n), score=0.0) for n in range(60)]
    report = build_report(questions, WINDOW, limit=50)
    assert len(report.unanswered) == 50 and report.unanswered_total == 60
    assert report.unanswered[0].question == "Q0"


def test_an_empty_window():
    report = build_report([], WINDOW)
    assert [w.questions for w in report.weeks] == [0, 0, 0]
    assert report.topics == report.unanswered == report.thumbs_down == []
    assert report.questions_total == 0


def test_questions_outside_the_window_are_left_out():
    questions = [
        asked("Futuro", NOW + timedelta(days=7)),  # a clock ahead
        asked("Agora", NOW),
        asked("Antes", NOW - timedelta(days=30)),
    ]
    assert [q.question for q in in_window(questions, WINDOW)] == ["Agora"]


def test_excerpts_cut_at_a_word():
    assert excerpt("curta  resposta\n") == "curta resposta"
    assert excerpt("uma duas três quatro", limit=10) == "uma duas…"
    assert excerpt("x" * 20, limit=5) == "xxxxx…"
