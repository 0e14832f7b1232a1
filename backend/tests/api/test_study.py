"""The study API: build sets from the material, take quizzes, review flashcards."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from chatgepeto.devtools.fake_groq import Malformed
from chatgepeto.storage.models import Document, Job, StudySet

from conftest import AUTH, create_collection, upload, wait_for_document
from utils.documents import make_pdf

COURSE_PAGES = [
    "Evolução biológica\n\nA evolução é a mudança nas características hereditárias de "
    "populações ao longo das gerações. Charles Darwin propôs a seleção natural em 1859, no "
    "livro A Origem das Espécies. A evolução explica a diversidade da vida na Terra.",
    "Seleção natural\n\nA seleção natural é o processo pelo qual indivíduos com variações "
    "favoráveis deixam mais descendentes. As causas da seleção natural são a variação, a "
    "hereditariedade e a competição por recursos limitados. A adaptação resulta da seleção "
    "natural ao longo de muitas gerações.",
    "Deriva genética\n\nA deriva genética é a mudança aleatória nas frequências alélicas, mais "
    "forte em populações pequenas. O efeito fundador ocorre quando poucos indivíduos iniciam "
    "uma nova população. O gargalo populacional reduz a variabilidade genética de uma espécie.",
    "Especiação\n\nA especiação é a formação de novas espécies a partir de uma espécie "
    "ancestral. O isolamento reprodutivo impede o fluxo gênico entre populações. A especiação "
    "alopátrica ocorre quando uma barreira geográfica separa as populações.",
]


@pytest.fixture
def course(client, tmp_path) -> tuple[str, str]:
    """A collection with a four-page Portuguese course PDF, ingested: (collection, document)."""
    pdf = make_pdf(tmp_path / "curso.pdf", COURSE_PAGES).read_bytes()
    collection_id = create_collection(client, "Evolução")
    item = upload(client, collection_id, ("curso.pdf", pdf)).get_json()["items"][0]
    assert wait_for_document(client, item["id"])["status"] == "ready"
    return collection_id, item["id"]


def build(client, timeout: float = 90.0, **body: Any) -> dict[str, Any]:
    """Create a set and poll it until its job ends."""
    response = client.post("/api/study/sets", json=body)
    assert response.status_code == 202, response.get_json()
    created = response.get_json()
    assert created["status"] in ("queued", "running", "ready")
    deadline = time.monotonic() + timeout
    while True:
        current = client.get(f"/api/study/sets/{created['id']}").get_json()
        if current["status"] in ("ready", "failed"):
            return current
        assert time.monotonic() < deadline, current
        time.sleep(0.05)


def rows(app, model) -> int:
    with app.extensions["chatgepeto"].sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_extractive_quiz_hides_answers_until_an_attempt_marks_it(client, course):
    collection_id, document_id = course
    quiz = build(client, kind="quiz", collection_id=collection_id, count=5)
    assert quiz["status"] == "ready" and quiz["mode"] == "extractive"
    assert quiz["language"] == "pt" and quiz["title"] == "Quiz: Evolução"
    assert 1 <= len(quiz["items"]) <= 5 and quiz["items_count"] == len(quiz["items"])
    for item in quiz["items"]:
        assert item["answer"] is None and item["explanation"] is None
        assert item["kind"] in ("cloze", "mcq", "short")
        [cite] = item["citations"]
        assert cite["document_id"] == document_id and cite["filename"] == "curso.pdf"
        assert 1 <= cite["page"] <= 4 and cite["quote"]

    # All wrong: the attempt gives the right answers back, with explanation and citation.
    wrong = [{"item_id": i["id"], "answer": "resposta errada"} for i in quiz["items"]]
    response = client.post(f"/api/study/sets/{quiz['id']}/attempts", json={"answers": wrong})
    assert response.status_code == 201, response.get_json()
    marked = response.get_json()
    assert marked["correct"] == 0 and marked["total"] == len(quiz["items"]) and marked["score"] == 0
    answers = {r["item_id"]: r["answer"] for r in marked["results"]}
    assert all(answers.values())
    assert all(r["citations"] and r["explanation"] for r in marked["results"])
    for item in quiz["items"]:
        if item["choices"]:
            assert answers[item["id"]] in item["choices"]

    # Right answers (any case, accents aside) score 1; one left out counts as wrong.
    right = [{"item_id": k, "answer": v.upper()} for k, v in answers.items()]
    best = client.post(f"/api/study/sets/{quiz['id']}/attempts", json={"answers": right})
    assert best.get_json()["score"] == 1.0
    partial = client.post(f"/api/study/sets/{quiz['id']}/attempts", json={"answers": right[1:]})
    assert partial.get_json()["correct"] == len(right) - 1

    mine = client.get(f"/api/study/sets/{quiz['id']}/attempts").get_json()["items"]
    assert [a["score"] for a in mine][1] == 1.0 and len(mine) == 3
    # Attempts are the student's own: another student has none.
    other = client.application.test_client()
    assert other.get(f"/api/study/sets/{quiz['id']}/attempts").get_json()["items"] == []
    # The set itself is shared: listed for the collection.
    listed = client.get(f"/api/study/sets?collection_id={collection_id}").get_json()["items"]
    assert [s["id"] for s in listed] == [quiz["id"]] and "items" not in listed[0]


def test_quiz_of_a_page_range_cites_only_those_pages(client, course):
    collection_id, document_id = course
    quiz = build(
        client, kind="quiz", collection_id=collection_id, document_id=document_id,
        page_from=2, page_to=3, count=4,
    )  # fmt: skip
    assert quiz["status"] == "ready" and quiz["title"] == "Quiz: curso.pdf, p. 2–3"
    assert quiz["items"] and {i["citations"][0]["page"] for i in quiz["items"]} <= {2, 3}


def test_bad_scopes_get_clear_errors_and_store_nothing(app, client, course):
    collection_id, document_id = course
    cases = [
        ({"collection_id": "nope"}, 404, "not_found"),
        ({"collection_id": collection_id, "document_id": "nope"}, 404, "not_found"),
        ({"collection_id": collection_id, "document_id": document_id, "page_from": 9}, 422,
         "empty_range"),
        ({"collection_id": collection_id, "document_id": document_id, "page_from": 3,
          "page_to": 2}, 422, "empty_range"),
        ({"collection_id": collection_id, "page_from": 1}, 422, "invalid_input"),
        ({"collection_id": collection_id, "count": 0}, 422, "invalid_input"),
        ({"collection_id": create_collection(client, "Vazia")}, 422, "no_text"),
    ]  # fmt: skip
    jobs = rows(app, Job)
    for body, status, code in cases:
        response = client.post("/api/study/sets", json={"kind": "quiz", **body})
        assert response.status_code == status, (body, response.get_json())
        error = response.get_json()["error"]
        assert error["code"] == code and error["message"] and error["request_id"], body
    assert rows(app, StudySet) == 0 and rows(app, Job) == jobs


def test_a_document_still_ingesting_is_a_conflict(app, client, course):
    collection_id, _ = course
    with app.extensions["chatgepeto"].sessions() as session:
        document = Document(
            collection_id=collection_id, filename="novo.pdf", content_type="application/pdf",
            size_bytes=10, sha256="0" * 64, storage_key="x", status="running",
        )  # fmt: skip
        session.add(document)
        session.commit()
        document_id = document.id
    response = client.post(
        "/api/study/sets",
        json={"kind": "guide", "collection_id": collection_id, "document_id": document_id},
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "document_not_ready"
    assert "still being processed" in response.get_json()["error"]["message"]


def test_flashcards_are_scheduled_per_student(client, course):
    collection_id, _ = course
    deck = build(client, kind="flashcards", collection_id=collection_id, count=10)
    assert deck["status"] == "ready", deck
    assert deck["items"] and all(i["kind"] == "card" and i["answer"] for i in deck["items"])
    cards = client.get(f"/api/study/sets/{deck['id']}/cards").get_json()
    assert cards["due_now"] == len(cards["items"]) == len(deck["items"])
    first = cards["items"][0]
    assert first["due"] is None and first["reviews"] == 0 and first["citations"]

    reviewed = client.post(f"/api/study/cards/{first['id']}/review", json={"rating": "good"})
    assert reviewed.status_code == 200, reviewed.get_json()
    card = reviewed.get_json()
    assert card["reviews"] == 1 and card["last_rating"] == "good"
    assert datetime.fromisoformat(card["due"]) > datetime.now(UTC)
    after = client.get(f"/api/study/sets/{deck['id']}/cards").get_json()
    assert after["due_now"] == len(after["items"]) - 1
    assert after["items"][-1]["id"] == first["id"]  # due later: last
    # Another student's schedule is untouched.
    other = client.application.test_client()
    assert other.get(f"/api/study/sets/{deck['id']}/cards").get_json()["due_now"] == len(
        after["items"]
    )

    bad = client.post(f"/api/study/cards/{first['id']}/review", json={"rating": "perfect"})
    assert bad.status_code == 422
    missing = client.post("/api/study/cards/nope/review", json={"rating": "good"})
    assert missing.status_code == 404 and missing.get_json()["error"]["request_id"]


def test_study_guide_follows_the_material(client, course):
    collection_id, document_id = course
    guide = build(client, kind="guide", collection_id=collection_id, document_id=document_id)
    assert guide["status"] == "ready", guide
    topics = guide["items"]
    assert len(topics) >= 2 and all(t["kind"] == "topic" and t["answer"] for t in topics)
    pages = [t["citations"][0]["page"] for t in topics]
    assert pages == sorted(pages)


def test_attempts_need_a_ready_quiz_of_known_questions(app, client, course):
    collection_id, _ = course
    guide = build(client, kind="guide", collection_id=collection_id)
    not_quiz = client.post(f"/api/study/sets/{guide['id']}/attempts", json={"answers": []})
    assert not_quiz.status_code == 422
    quiz = build(client, kind="quiz", collection_id=collection_id, count=3)
    unknown = client.post(
        f"/api/study/sets/{quiz['id']}/attempts",
        json={"answers": [{"item_id": "nope", "answer": "x"}]},
    )
    assert unknown.status_code == 422 and "nope" in unknown.get_json()["error"]["message"]
    assert client.post("/api/study/sets/nope/attempts", json={"answers": []}).status_code == 404
    from chatgepeto.storage.models import QuizAttempt

    assert rows(app, QuizAttempt) == 0


def test_a_set_is_deleted_by_its_creator_or_a_teacher(client, course):
    collection_id, _ = course
    quiz = build(client, kind="quiz", collection_id=collection_id, count=2)
    other = client.application.test_client()
    assert other.delete(f"/api/study/sets/{quiz['id']}").status_code == 404
    assert client.delete(f"/api/study/sets/{quiz['id']}").status_code == 204
    assert client.get(f"/api/study/sets/{quiz['id']}").status_code == 404
    second = build(client, kind="quiz", collection_id=collection_id, count=2)
    assert other.delete(f"/api/study/sets/{second['id']}", headers=AUTH).status_code == 204


@pytest.fixture
def llm_client(make_app, llm_settings):
    return make_app(llm_settings).test_client()


def test_with_a_model_malformed_output_falls_back_to_extractive(llm_client, fake_groq, tmp_path):
    pdf = make_pdf(tmp_path / "curso.pdf", COURSE_PAGES).read_bytes()
    collection_id = create_collection(llm_client, "Evolução")
    item = upload(llm_client, collection_id, ("curso.pdf", pdf)).get_json()["items"][0]
    assert wait_for_document(llm_client, item["id"])["status"] == "ready"
    fake_groq.default = Malformed()
    quiz = build(llm_client, kind="quiz", collection_id=collection_id, count=3)
    assert quiz["status"] == "ready" and quiz["mode"] == "extractive" and quiz["items"]
    assert fake_groq.calls >= 2  # asked, and retried, before giving up on the model
