"""Loading a collection's questions: pairs of question and answer, ratings, in two queries."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import event

from analytics.rows import add_question
from chatgepeto.analytics.questions import load_questions
from chatgepeto.storage.models import Collection, Conversation, Feedback, Message

NOW = datetime.now(UTC).replace(microsecond=0)
SINCE = NOW - timedelta(days=14)


def test_each_answer_is_paired_with_the_question_before_it(sessions, collection_id):
    with sessions.begin() as s:
        chat = add_question(s, collection_id, "O que é seleção natural?", NOW - timedelta(hours=2))
        add_question(
            s,
            collection_id,
            "E nas populações pequenas?",
            NOW - timedelta(hours=1),
            conversation=chat,
            standalone="Como a seleção natural age em populações pequenas?",
            score=0.3,
            not_in_material=True,
        )
        add_question(s, collection_id, "Quem foi Darwin?", NOW, answer="Um naturalista.")
    with sessions() as s:
        questions = load_questions(s, collection_id, SINCE)
    assert [q.question for q in questions] == [
        "Quem foi Darwin?",
        "E nas populações pequenas?",
        "O que é seleção natural?",
    ]  # newest first
    darwin, follow_up, first = questions
    assert darwin.answer == "Um naturalista." and darwin.asked_at == NOW
    assert darwin.asked_at.tzinfo is not None
    assert follow_up.about == "Como a seleção natural age em populações pequenas?"
    assert (follow_up.retrieval_score, follow_up.not_in_material) == (0.3, True)
    assert first.about == first.question and first.conversation_id == follow_up.conversation_id


def test_a_question_still_waiting_for_its_answer_is_left_out(sessions, collection_id):
    with sessions.begin() as s:
        chat = add_question(s, collection_id, "Respondida", NOW - timedelta(minutes=5))
        s.add(Message(conversation_id=chat.id, role="user", content="Sem resposta", created_at=NOW))
    with sessions() as s:
        assert [q.question for q in load_questions(s, collection_id, SINCE)] == ["Respondida"]


def test_only_this_collection_and_only_since(sessions, collection_id):
    with sessions.begin() as s:
        other = Collection(name="Química")
        s.add(other)
        s.flush()
        add_question(s, other.id, "Outra coleção", NOW)
        add_question(s, collection_id, "Antiga", SINCE - timedelta(seconds=1))
        add_question(s, collection_id, "No limite", SINCE)
    with sessions() as s:
        assert [q.question for q in load_questions(s, collection_id, SINCE)] == ["No limite"]


def test_ratings_come_with_their_answer(sessions, collection_id):
    with sessions.begin() as s:
        add_question(s, collection_id, "Boa", NOW - timedelta(hours=1), rating="up")
        add_question(s, collection_id, "Ruim", NOW, rating="down", comment="Não é isso")
    with sessions() as s:
        ruim, boa = load_questions(s, collection_id, SINCE)
    assert (ruim.rating.rating, ruim.rating.comment) == ("down", "Não é isso")
    assert (boa.rating.rating, boa.rating.comment) == ("up", None)


def test_the_latest_rating_of_an_answer_wins(sessions, collection_id):
    with sessions.begin() as s:
        add_question(s, collection_id, "Mudou de ideia", NOW - timedelta(hours=1), rating="up")
        answer = s.query(Message).filter_by(role="assistant").one()
        s.add(Feedback(message_id=answer.id, rating="down", comment="pensando bem", created_at=NOW))
    with sessions() as s:
        [question] = load_questions(s, collection_id, SINCE)
    assert (question.rating.rating, question.rating.comment) == ("down", "pensando bem")


def test_two_queries_whatever_the_number_of_questions(sessions, collection_id):
    with sessions.begin() as s:
        for n in range(30):
            asked_at = NOW - timedelta(minutes=n)
            add_question(s, collection_id, f"Pergunta {n}", asked_at, rating="down")
    statements: list[str] = []
    engine = sessions.kw["bind"]
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        with sessions() as s:
            questions = load_questions(s, collection_id, SINCE)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(questions) == 30 and all(q.rating for q in questions)
    assert len(statements) == 2


def test_an_empty_collection(sessions, collection_id):
    with sessions.begin() as s:
        s.add(Conversation(collection_id=collection_id, title="vazia"))
    with sessions() as s:
        assert load_questions(s, collection_id, SINCE) == []
