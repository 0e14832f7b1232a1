"""Most asked topics: key phrases of the questions, grouped case- and accent-insensitively."""

from datetime import UTC, datetime, timedelta

from analytics.rows import asked
from chatgepeto.analytics.topics import key_phrases, top_topics

NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)


def _newest_first(*texts: str):
    return [asked(text, NOW - timedelta(hours=n)) for n, text in enumerate(texts)]


def test_the_same_phrase_meets_whatever_its_case_and_accents():
    topics = top_topics(
        _newest_first(
            "O que é seleção natural?",
            "SELEÇÃO NATURAL: resumo",
            "Explique a selecao natural",
            "O que é deriva genética?",
        )
    )
    first = topics[0]
    assert first.count == 3
    assert first.phrase.lower() in ("seleção natural", "selecao natural")
    assert first.example == "O que é seleção natural?"  # the newest
    assert first.last_asked_at == NOW
    assert [t.count for t in topics[1:]] == [1]
    assert topics[1].phrase == "deriva genética"


def test_a_topic_counts_every_question_that_mentions_it():
    # The second question's own best phrase may be longer: it still mentions the topic.
    topics = top_topics(
        _newest_first("Quais são as causas da seleção natural?", "O que é seleção natural?")
    )
    assert (topics[0].phrase, topics[0].count) == ("seleção natural", 2)


def test_a_shorter_phrase_asked_as_often_gives_way_to_the_longer():
    topics = top_topics(_newest_first("O que é deriva genética?", "Como ocorre deriva genética?"))
    phrases = [t.phrase for t in topics]
    assert "deriva genética" in phrases
    assert "deriva" not in phrases and "genética" not in phrases


def test_asking_words_are_no_topic():
    for question, phrase in [
        ("Quais são os tipos de célula?", "quais"),
        ("Explique a teoria de Darwin sobre evolução", "explique"),
        ("What is genetic drift?", "what is genetic"),
    ]:
        found = [written.lower() for _, written in key_phrases(question)]
        assert found, question
        assert not any(phrase in f for f in found), (question, found)
    assert [w for _, w in key_phrases("What is genetic drift?")] == ["genetic drift"]


def test_follow_ups_count_by_their_standalone_question():
    follow_up = asked(
        "E nas pequenas?", NOW, standalone="Como a deriva genética age em populações pequenas?"
    )
    topics = top_topics([follow_up, asked("O que é deriva genética?", NOW - timedelta(days=1))])
    drift = next(t for t in topics if t.phrase == "deriva genética")
    assert drift.count == 2
    assert drift.example == "E nas pequenas?"  # what the student wrote


def test_the_most_asked_come_first_and_the_list_is_capped():
    questions = _newest_first(
        *(["O que é fotossíntese?"] * 3),
        *(["Onde fica a mitocôndria?"] * 2),
        *[f"O que é {word}?" for word in ("osmose", "meiose", "mitose", "clorofila", "enzima")],
    )
    topics = top_topics(questions, limit=4)
    assert len(topics) == 4
    assert [t.phrase for t in topics[:2]] == ["fotossíntese", "mitocôndria"]
    assert [t.count for t in topics] == [3, 2, 1, 1]
    # Asked as often: the most recently asked first.
    assert [t.phrase for t in topics[2:]] == ["osmose", "meiose"]


def test_no_questions_or_no_words_no_topics():
    assert top_topics([]) == []
    assert top_topics(_newest_first("???", "!!", "12")) == []


def test_a_question_phrases_share_no_word():
    phrases = [written for _, written in key_phrases("Seleção natural e adaptação")]
    assert phrases[0] == "Seleção natural"
    assert "natural e adaptação" not in phrases
