import sqlalchemy as sa

from chatgepeto.api.identity import COOKIE_NAME
from chatgepeto.storage.models import Document, Job

from conftest import AUTH, create_collection, upload, wait_for_document


def test_health_and_ready(client):
    assert client.get("/api/health").get_json() == {"status": "ok"}
    ready = client.get("/api/ready")
    assert ready.status_code == 200
    checks = ready.get_json()["checks"]
    assert checks["database"]["status"] == "ok"
    assert checks["vector_store"]["status"] == "ok"
    assert checks["llm"]["status"] == "extractive"
    assert checks["embedding_model"]["name"] == "multilingual"


def test_request_id_is_echoed_or_made(client):
    response = client.get("/api/health", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    made = client.get("/api/health", headers={"X-Request-ID": "bad id with spaces"})
    assert made.headers["X-Request-ID"] != "bad id with spaces"
    assert len(made.headers["X-Request-ID"]) == 32


def test_metrics_expose_http_and_pipeline_histograms(client, ready_collection):
    client.post("/api/search", json={"question": "evolução", "collection_id": ready_collection})
    text = client.get("/metrics").get_data(as_text=True)
    assert "flask_http_request_duration_seconds" in text
    assert "chatgepeto_ingestion_seconds" in text
    assert "chatgepeto_retrieval_seconds" in text
    assert "chatgepeto_llm_seconds" in text


def test_openapi_and_docs(client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for path in (
        "/api/collections",
        "/api/ask",
        "/api/search",
        "/api/conversations",
        "/api/collections/{collection_id}/documents",
        "/api/jobs/{job_id}",
    ):
        assert path in spec["paths"], path
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and b"swagger-ui" in docs.data
    assert client.get("/api/swagger/js/swagger-ui-bundle.js").status_code == 200


def test_unknown_route_is_json_404(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_everything_survives_a_restart(make_app, settings, biology_pdf):
    first = make_app(settings).test_client()
    collection_id = create_collection(first)
    item = upload(first, collection_id, ("bio.pdf", biology_pdf)).get_json()["items"][0]
    wait_for_document(first, item["id"])
    answer = first.post(
        "/api/ask", json={"question": "O que é evolução?", "collection_id": collection_id}
    ).get_json()

    restarted = make_app(settings).test_client()
    # The same browser: its id cookie still holds (the signing secret is kept in DATA_DIR).
    restarted.set_cookie(COOKIE_NAME, first.get_cookie(COOKIE_NAME).value)
    assert restarted.get(f"/api/documents/{item['id']}").get_json()["status"] == "ready"
    hits = restarted.post(
        "/api/search", json={"question": "deriva genética", "collection_id": collection_id}
    )
    assert hits.get_json()["results"][0]["page"] == 3
    conversation = restarted.get(f"/api/conversations/{answer['conversation_id']}").get_json()
    assert len(conversation["messages"]) == 2
    assert (
        restarted.post("/api/collections", json={"name": "Nova"}, headers=AUTH).status_code == 201
    )


def test_interrupted_jobs_are_resumed_on_start(make_app, settings, biology_pdf):
    first = make_app(settings, start_jobs=False)
    services = first.extensions["chatgepeto"]
    services.jobs.shutdown(wait=True)  # nothing runs in this "process"
    client = first.test_client()
    collection_id = create_collection(client)
    item = upload(client, collection_id, ("bio.pdf", biology_pdf)).get_json()["items"][0]
    assert client.get(f"/api/documents/{item['id']}").get_json()["status"] == "queued"
    # The process dies halfway through the job.
    with services.sessions.begin() as session:
        session.execute(sa.update(Job).values(status="running"))
        session.execute(sa.update(Document).values(status="running", progress=0.4))

    restarted = make_app(settings).test_client()
    assert wait_for_document(restarted, item["id"])["status"] == "ready"
