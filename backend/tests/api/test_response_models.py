"""Each endpoint's body validates against the response model it declares.

Every app the tests build checks each JSON body it sends against the route's declared model
(tests/utils/responses.py). Here every route that declares a JSON body model is called once
on its success path, and the test fails if one was left out: a new route gets a check here.
"""

from __future__ import annotations

from api.test_study import COURSE_PAGES, build

from conftest import AUTH, create_collection, upload, wait_for_document
from utils.documents import make_corrupt_pdf, make_pdf
from utils.responses import CHECKED


def declared_routes(app) -> set[tuple[str, str, int]]:
    """(rule, method, status) of every success response the spec says is a JSON model."""
    declared = set()
    for path, operations in app.api_doc["paths"].items():
        rule = path.replace("{", "<").replace("}", ">")
        for method, operation in operations.items():
            for status, response in operation.get("responses", {}).items():
                if status.startswith("2") and "application/json" in response.get("content", {}):
                    declared.add((rule, method.upper(), int(status)))
    return declared


def test_every_declared_body_validates_against_its_model(app, client, tmp_path):
    assert client.get("/api/config").status_code == 200

    collection_id = create_collection(client, "Evolução")
    assert client.get("/api/collections").status_code == 200
    assert client.get(f"/api/collections/{collection_id}").status_code == 200

    pdf = make_pdf(tmp_path / "curso.pdf", COURSE_PAGES).read_bytes()
    uploaded = upload(client, collection_id, ("curso.pdf", pdf))
    assert uploaded.status_code == 202
    document_id = uploaded.get_json()["items"][0]["id"]
    assert wait_for_document(client, document_id)["status"] == "ready"
    assert upload(client, collection_id, ("curso.pdf", pdf)).status_code == 200  # a duplicate
    assert client.get(f"/api/collections/{collection_id}/documents").status_code == 200
    assert client.get(f"/api/documents/{document_id}").status_code == 200

    broken = make_corrupt_pdf(tmp_path / "quebrado.pdf").read_bytes()
    failed = upload(client, collection_id, ("quebrado.pdf", broken)).get_json()["items"][0]
    assert wait_for_document(client, failed["id"])["status"] == "failed"
    assert client.get(f"/api/jobs/{failed['job_id']}").status_code == 200
    assert client.get("/api/jobs", headers=AUTH).status_code == 200
    assert client.post(f"/api/jobs/{failed['job_id']}/retry", headers=AUTH).status_code == 202
    wait_for_document(client, failed["id"])

    question = {"question": "O que é seleção natural?", "collection_id": collection_id}
    found = client.post("/api/search", json=question)
    assert found.status_code == 200
    chunk_id = found.get_json()["results"][0]["chunk_id"]
    assert client.get(f"/api/chunks/{chunk_id}").status_code == 200
    asked = client.post("/api/ask", json=question)
    assert asked.status_code == 200
    assert client.get("/api/conversations").status_code == 200
    conversation = asked.get_json()["conversation_id"]
    assert client.get(f"/api/conversations/{conversation}").status_code == 200

    quiz = build(client, kind="quiz", collection_id=collection_id, count=3)
    assert client.get(f"/api/study/sets?collection_id={collection_id}").status_code == 200
    answers = [{"item_id": i["id"], "answer": "não sei"} for i in quiz["items"]]
    attempt = client.post(f"/api/study/sets/{quiz['id']}/attempts", json={"answers": answers})
    assert attempt.status_code == 201
    assert client.get(f"/api/study/sets/{quiz['id']}/attempts").status_code == 200
    deck = build(client, kind="flashcards", collection_id=collection_id, count=3)
    cards = client.get(f"/api/study/sets/{deck['id']}/cards")
    assert cards.status_code == 200
    card = cards.get_json()["items"][0]["id"]
    review = client.post(f"/api/study/cards/{card}/review", json={"rating": "good"})
    assert review.status_code == 200

    analytics = client.get(f"/api/analytics/collections/{collection_id}", headers=AUTH)
    assert analytics.status_code == 200

    checked = app.extensions.get(CHECKED, set())
    missing = declared_routes(app) - checked
    assert not missing, f"declared JSON bodies no test here checked: {sorted(missing)}"
