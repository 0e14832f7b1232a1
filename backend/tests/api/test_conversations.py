from conftest import create_collection
from utils.students import ask, student, user_id_of


def test_history_is_stored_with_citations(client, ready_collection):
    first = ask(client, ready_collection, "O que é evolução?")
    second = ask(
        client,
        ready_collection,
        "E deriva genética?",
        conversation_id=first["conversation_id"],
    )
    assert second["conversation_id"] == first["conversation_id"]
    conversation = client.get(f"/api/conversations/{first['conversation_id']}").get_json()
    assert conversation["title"] == "O que é evolução?"
    # The student is the id the server put in the cookie.
    assert conversation["user_id"] == user_id_of(client)
    roles = [m["role"] for m in conversation["messages"]]
    assert roles == ["user", "assistant", "user", "assistant"]
    assert conversation["messages"][1]["citations"] == first["citations"]
    assert conversation["messages"][1]["id"] == first["message_id"]


def test_list_filters_and_cursor_paging(app, client, ready_collection):
    other = create_collection(client, "Outra")
    bia, caio = student(app), student(app)
    ids = [
        ask(bia, ready_collection, f"Pergunta {i} sobre evolução")["conversation_id"]
        for i in range(5)
    ]
    ask(caio, ready_collection, "Pergunta de outra pessoa")
    ask(bia, other, "Pergunta na outra coleção")

    page = bia.get("/api/conversations?limit=2").get_json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    seen = [c["id"] for c in page["items"]]
    while page["next_cursor"]:
        page = bia.get(f"/api/conversations?limit=2&cursor={page['next_cursor']}").get_json()
        seen += [c["id"] for c in page["items"]]
    assert len(seen) == 6 and len(set(seen)) == 6
    assert set(ids) < set(seen)

    in_collection = bia.get(f"/api/conversations?collection_id={ready_collection}").get_json()
    assert {c["id"] for c in in_collection["items"]} == set(ids)
    newest_first = [c["id"] for c in in_collection["items"]]
    assert newest_first == ids[::-1]

    found = caio.get("/api/conversations?q=outra pessoa").get_json()["items"]
    assert [c["user_id"] for c in found] == [user_id_of(caio)]
    assert bia.get("/api/conversations?q=outra pessoa").get_json()["items"] == []
    # q also searches the answers' text
    assert bia.get("/api/conversations?q=hereditariedade").get_json()["items"]

    future = bia.get("/api/conversations?from=2999-01-01T00:00:00Z").get_json()
    assert future["items"] == []
    past = bia.get("/api/conversations?to=2000-01-01T00:00:00Z").get_json()
    assert past["items"] == []


def test_bad_cursor_and_limit(client):
    assert client.get("/api/conversations?cursor=%%%").status_code == 422
    assert client.get("/api/conversations?limit=0").status_code == 422
    assert client.get("/api/conversations?limit=101").status_code == 422


def test_delete_conversation(client, ready_collection):
    conversation_id = ask(client, ready_collection, "O que é evolução?")["conversation_id"]
    assert client.delete(f"/api/conversations/{conversation_id}").status_code == 204
    assert client.get(f"/api/conversations/{conversation_id}").status_code == 404
    assert client.delete(f"/api/conversations/{conversation_id}").status_code == 404


def test_feedback(client, ready_collection):
    answer = ask(client, ready_collection, "O que é evolução?")
    response = client.post(
        f"/api/messages/{answer['message_id']}/feedback", json={"rating": "up", "comment": "ótimo"}
    )
    assert response.status_code == 204
    assert (
        client.post(
            f"/api/messages/{answer['message_id']}/feedback", json={"rating": "meh"}
        ).status_code
        == 422
    )
    assert client.post("/api/messages/nope/feedback", json={"rating": "down"}).status_code == 404
    question = client.get(f"/api/conversations/{answer['conversation_id']}").get_json()["messages"][
        0
    ]
    refused = client.post(f"/api/messages/{question['id']}/feedback", json={"rating": "down"})
    assert refused.status_code == 422


def test_a_new_rating_replaces_the_last(app, client, ready_collection):
    from sqlalchemy import select

    from chatgepeto.storage.models import Feedback

    answer = ask(client, ready_collection, "O que é deriva genética?")
    url = f"/api/messages/{answer['message_id']}/feedback"
    assert client.post(url, json={"rating": "up"}).status_code == 204
    assert (
        client.post(url, json={"rating": "down", "comment": "faltou a página"}).status_code == 204
    )
    with app.extensions["chatgepeto"].sessions() as session:
        rows = session.scalars(
            select(Feedback).where(Feedback.message_id == answer["message_id"])
        ).all()
    assert [(r.rating, r.comment) for r in rows] == [("down", "faltou a página")]
