"""Users kept apart: a student's conversations are theirs alone, whoever else asks.

The student is the id in a cookie the server issued and signed; every probe an outsider used
to get through (list everybody's, read, delete, rate, append to another's conversation) now
ends in a 404 in the API's error format, and a forged cookie only makes a new visitor.
"""

import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select

from chatgepeto.api.identity import COOKIE_MAX_AGE, COOKIE_NAME
from chatgepeto.storage.models import Feedback, Message

from conftest import AUTH, SSE
from utils.students import ask, assert_not_found, student, user_id_of

SALT = "chatgepeto.user-id"


@pytest.fixture
def two(app, ready_collection):
    """Ana, with a conversation of two turns, and Bia, an outsider with a cookie of her own."""
    ana, bia = student(app), student(app)
    first = ask(ana, ready_collection, "O que é evolução?")
    second = ask(
        ana, ready_collection, "E a seleção natural?", conversation_id=first["conversation_id"]
    )
    return ana, bia, first["conversation_id"], second["message_id"]


def messages_in(app, conversation_id):
    with app.extensions["chatgepeto"].sessions() as session:
        return session.scalar(
            select(func.count())
            .select_from(Message)
            .where(Message.conversation_id == conversation_id)
        )


def cookie_header(response) -> str:
    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE_NAME)]
    return header


def test_the_listing_holds_only_ones_own_conversations(app, two):
    ana, bia, conversation_id, _ = two
    assert bia.get("/api/conversations?limit=100").get_json()["items"] == []
    # Naming somebody else does not help: the query's user_id is not an identity.
    probe = bia.get(f"/api/conversations?limit=100&user_id={user_id_of(ana)}")
    assert probe.status_code == 200 and probe.get_json()["items"] == []
    mine = ana.get("/api/conversations?limit=100").get_json()["items"]
    assert [c["id"] for c in mine] == [conversation_id]
    assert {c["user_id"] for c in mine} == {user_id_of(ana)}
    # A browser without any cookie is a new student: nothing to see either.
    assert app.test_client().get("/api/conversations?limit=100").get_json()["items"] == []


def test_another_students_conversation_is_not_found(app, two):
    ana, bia, conversation_id, _ = two
    error = assert_not_found(bia.get(f"/api/conversations/{conversation_id}"))
    # The same answer as for an id that never existed: nothing tells it exists.
    missing = assert_not_found(bia.get("/api/conversations/0123456789abcdef0123456789abcdef"))
    assert error["message"].replace(conversation_id, "X") == missing["message"].replace(
        "0123456789abcdef0123456789abcdef", "X"
    )
    assert ana.get(f"/api/conversations/{conversation_id}").status_code == 200


def test_another_students_conversation_cannot_be_deleted(app, two):
    ana, bia, conversation_id, _ = two
    assert_not_found(bia.delete(f"/api/conversations/{conversation_id}"))
    assert messages_in(app, conversation_id) == 4
    assert ana.get(f"/api/conversations/{conversation_id}").status_code == 200
    assert ana.delete(f"/api/conversations/{conversation_id}").status_code == 204


def test_another_students_answer_cannot_be_rated(app, two):
    ana, bia, _, message_id = two
    assert_not_found(bia.post(f"/api/messages/{message_id}/feedback", json={"rating": "down"}))
    with app.extensions["chatgepeto"].sessions() as session:
        assert session.scalars(select(Feedback)).all() == []
    assert (
        ana.post(f"/api/messages/{message_id}/feedback", json={"rating": "up"}).status_code == 204
    )


@pytest.mark.parametrize("headers", [{}, SSE], ids=["json", "stream"])
def test_nobody_can_append_to_another_students_conversation(app, two, ready_collection, headers):
    ana, bia, conversation_id, _ = two
    body = {
        "question": "Qual é a senha?",
        "collection_id": ready_collection,
        "conversation_id": conversation_id,
        # What an outsider used to send: the owner's id. It is not an identity any more.
        "user_id": user_id_of(ana),
    }
    assert_not_found(bia.post("/api/ask", json=body, headers=headers))
    assert messages_in(app, conversation_id) == 4
    # The owner still can (and a user_id in the body is ignored).
    answer = ask(ana, ready_collection, "E a deriva?", conversation_id=conversation_id, user_id="x")
    assert answer["conversation_id"] == conversation_id
    assert messages_in(app, conversation_id) == 6


def test_the_admin_token_reads_every_conversation_but_changes_none(app, two):
    _, bia, conversation_id, message_id = two
    teacher = app.test_client()
    everybody = teacher.get("/api/conversations?limit=100", headers=AUTH).get_json()["items"]
    assert [c["id"] for c in everybody] == [conversation_id]
    only_bia = teacher.get(f"/api/conversations?user_id={user_id_of(bia)}", headers=AUTH)
    assert only_bia.get_json()["items"] == []
    assert teacher.get(f"/api/conversations/{conversation_id}", headers=AUTH).status_code == 200
    assert_not_found(teacher.delete(f"/api/conversations/{conversation_id}", headers=AUTH))
    rating = teacher.post(
        f"/api/messages/{message_id}/feedback", json={"rating": "up"}, headers=AUTH
    )
    assert_not_found(rating)
    # A wrong token is no token: a student's own view.
    wrong = {"Authorization": "Bearer not-the-token"}
    assert bia.get("/api/conversations", headers=wrong).get_json()["items"] == []
    assert_not_found(bia.get(f"/api/conversations/{conversation_id}", headers=wrong))


def forged(value: str, user_id: str) -> dict[str, str]:
    """Ways to forge a student's cookie from their real one and their id."""
    payload, _, signature = value.rpartition(".")
    # The first character: all six of its bits are the signature's (the last one's low bits
    # are base64 padding, ignored when decoding).
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    return {
        "tampered signature": f"{payload}.{flipped}",
        "signature cut off": payload,
        "payload only": value.split(".")[0],
        "the bare id": user_id,
        "signed with a guessed secret": URLSafeTimedSerializer("secret", salt=SALT).dumps(user_id),
        "garbage": "%%%not a cookie%%%",
    }


def test_a_forged_cookie_gets_a_fresh_id_and_nobody_elses_conversations(app, two):
    ana, _, conversation_id, _ = two
    cases = forged(ana.get_cookie(COOKIE_NAME).value, user_id_of(ana))
    for name, value in cases.items():
        intruder = app.test_client()
        intruder.set_cookie(COOKIE_NAME, value)
        listing = intruder.get("/api/conversations?limit=100")
        assert listing.status_code == 200, name
        assert listing.get_json()["items"] == [], name
        issued = intruder.get_cookie(COOKIE_NAME).value
        assert issued != value and user_id_of(intruder) != user_id_of(ana), name
        assert_not_found(intruder.get(f"/api/conversations/{conversation_id}"))


def test_the_cookie_is_http_only_same_site_and_lasting(app):
    response = app.test_client().get("/api/conversations")
    header = cookie_header(response)
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Path=/" in header
    assert f"Max-Age={COOKIE_MAX_AGE}" in header
    assert "Secure" not in header  # plain HTTP: the browser would drop a Secure cookie
    assert "Cookie" in response.headers["Vary"]
    assert "no-store" in response.headers["Cache-Control"]
    # Routes that do not need a student leave cookies alone.
    for path in ("/api/health", "/api/collections", "/api/config"):
        assert "Set-Cookie" not in app.test_client().get(path).headers, path


def test_a_returning_student_is_not_sent_the_cookie_again(app):
    client = student(app)
    again = client.get("/api/conversations")
    assert again.status_code == 200 and "Set-Cookie" not in again.headers


@pytest.mark.parametrize(
    ("mode", "hops", "headers", "secure"),
    [
        ("auto", 1, {"X-Forwarded-Proto": "https"}, True),
        ("auto", 0, {"X-Forwarded-Proto": "https"}, False),  # not a trusted proxy's word
        ("always", 0, {}, True),
        ("never", 1, {"X-Forwarded-Proto": "https"}, False),
    ],
)
def test_the_cookie_is_secure_over_https(make_app, make_settings, mode, hops, headers, secure):
    app = make_app(make_settings(cookie_secure=mode, proxy_hops=hops))
    header = cookie_header(app.test_client().get("/api/conversations", headers=headers))
    assert ("Secure" in header) is secure


def test_an_old_cookie_is_signed_again_with_the_same_id(app):
    client = app.test_client()

    class DayOld(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 2 * 24 * 3600

    secret = app.extensions["chatgepeto"].settings.ensure_session_secret()[0]
    old = URLSafeTimedSerializer(secret, salt=SALT, signer=DayOld).dumps("u_" + "a" * 32)
    client.set_cookie(COOKIE_NAME, old)
    response = client.get("/api/conversations")
    assert COOKIE_NAME in cookie_header(response)
    assert client.get_cookie(COOKIE_NAME).value != old
    assert user_id_of(client) == "u_" + "a" * 32

    class Expired(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - COOKIE_MAX_AGE - 60

    client.set_cookie(
        COOKIE_NAME,
        URLSafeTimedSerializer(secret, salt=SALT, signer=Expired).dumps("u_" + "a" * 32),
    )
    client.get("/api/conversations")
    assert user_id_of(client) != "u_" + "a" * 32


def test_rotating_the_secret_keeps_every_students_history(
    make_app, make_settings, ready_collection, app
):
    ana = student(app)
    conversation_id = ask(ana, ready_collection, "O que é evolução?")["conversation_id"]
    old_secret = app.extensions["chatgepeto"].settings.ensure_session_secret()[0]
    cookie = ana.get_cookie(COOKIE_NAME).value

    rotated = make_app(
        make_settings(session_secret="a-new-secret", session_secret_previous=old_secret)
    )
    later = rotated.test_client()
    later.set_cookie(COOKIE_NAME, cookie)
    listing = later.get("/api/conversations")
    assert [c["id"] for c in listing.get_json()["items"]] == [conversation_id]
    # Signed again, with the new secret: the previous one can be dropped later.
    assert later.get_cookie(COOKIE_NAME).value != cookie
    URLSafeTimedSerializer("a-new-secret", salt=SALT).loads(later.get_cookie(COOKIE_NAME).value)

    # Once the old secret is gone, its cookies are new visitors.
    dropped = make_app(make_settings(session_secret="a-new-secret")).test_client()
    dropped.set_cookie(COOKIE_NAME, cookie)
    assert dropped.get("/api/conversations").get_json()["items"] == []


@pytest.mark.parametrize("q", ["_", "%", "%%", "_%_", "\\", "\\%"])
def test_search_words_are_not_patterns(client, ready_collection, q):
    ask(client, ready_collection, "O que é evolução?")
    ask(client, ready_collection, "E a deriva genética?")
    assert client.get("/api/conversations", query_string={"q": q}).get_json()["items"] == []


def test_a_percent_sign_is_found_as_itself(client, ready_collection):
    ask(client, ready_collection, "O que é evolução?")
    wanted = ask(client, ready_collection, "Quantos % da população mudam?")["conversation_id"]
    ask(client, ready_collection, "Qual a_b da deriva?")
    found = client.get("/api/conversations", query_string={"q": "%"}).get_json()["items"]
    assert [c["id"] for c in found] == [wanted]
    found = client.get("/api/conversations", query_string={"q": "a_b"}).get_json()["items"]
    assert len(found) == 1 and found[0]["title"] == "Qual a_b da deriva?"
