"""The HttpClient path against a real `chroma run` server started here."""

import pytest

from conftest import create_collection, start_chroma_server, upload, wait_for_document


@pytest.fixture(scope="module")
def own_chroma_server(tmp_path_factory):
    yield from start_chroma_server(tmp_path_factory.mktemp("chroma"))


@pytest.mark.chroma_server
def test_ingest_and_search_through_a_chroma_server(
    make_app, make_settings, own_chroma_server, biology_pdf
):
    host, port = own_chroma_server
    settings = make_settings(chroma_host=host, chroma_port=port)
    app = make_app(settings)
    client = app.test_client()
    assert client.get("/api/ready").get_json()["checks"]["vector_store"]["kind"] == "chroma-server"
    collection_id = create_collection(client)
    item = upload(client, collection_id, ("bio.pdf", biology_pdf)).get_json()["items"][0]
    assert wait_for_document(client, item["id"])["status"] == "ready"
    hits = client.post(
        "/api/search", json={"question": "deriva genética", "collection_id": collection_id}
    ).get_json()["results"]
    assert hits[0]["page"] == 3
    services = app.extensions["chatgepeto"]
    assert services.vectors.count(collection_id) > 0
    names = [c.name for c in services.vectors.client.list_collections()]
    assert services.vectors.collection_name(collection_id) in names


@pytest.mark.chroma_server
def test_vector_store_down_is_503_and_stores_nothing(
    make_app, make_settings, tmp_path, biology_pdf
):
    (tmp_path / "chroma-down").mkdir()
    server = start_chroma_server(tmp_path / "chroma-down")
    host, port = next(server)
    app = make_app(make_settings(chroma_host=host, chroma_port=port))
    client = app.test_client()
    collection_id = create_collection(client)
    item = upload(client, collection_id, ("bio.pdf", biology_pdf)).get_json()["items"][0]
    assert wait_for_document(client, item["id"])["status"] == "ready"
    server.close()  # the Chroma server stops

    assert client.get("/api/ready").status_code == 503
    response = client.post(
        "/api/ask", json={"question": "O que é evolução?", "collection_id": collection_id}
    )
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "unavailable" and "try again" in error["message"]
    assert client.get("/api/conversations").get_json()["items"] == []
    search = client.post("/api/search", json={"question": "x", "collection_id": collection_id})
    assert search.status_code == 503
