from conftest import AUTH, create_collection, upload, wait_for_document


def test_create_list_get_collection(client):
    response = client.post(
        "/api/collections",
        json={"name": "Biologia Evolutiva", "description": "BIO312"},
        headers=AUTH,
    )
    assert response.status_code == 201
    created = response.get_json()
    assert created["name"] == "Biologia Evolutiva"
    assert created["documents"] == 0

    listed = client.get("/api/collections").get_json()["items"]
    assert [c["id"] for c in listed] == [created["id"]]
    assert client.get(f"/api/collections/{created['id']}").get_json()["description"] == "BIO312"


def test_writes_need_the_admin_token(client):
    missing = client.post("/api/collections", json={"name": "x"})
    assert missing.status_code == 401
    body = missing.get_json()["error"]
    assert body["code"] == "unauthorized" and body["request_id"]
    assert missing.headers["X-Request-ID"] == body["request_id"]

    wrong = client.post(
        "/api/collections", json={"name": "x"}, headers={"Authorization": "Bearer nope"}
    )
    assert wrong.status_code == 401
    assert "wrong" in wrong.get_json()["error"]["message"]
    assert client.get("/api/collections").get_json()["items"] == []


def test_duplicate_name_is_a_conflict(client):
    create_collection(client, "Física")
    response = client.post("/api/collections", json={"name": "Física"}, headers=AUTH)
    assert response.status_code == 409
    assert "already exists" in response.get_json()["error"]["message"]


def test_invalid_body_is_422(client):
    response = client.post("/api/collections", json={"name": "   "}, headers=AUTH)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_input" and "name" in error["message"]


def test_unknown_collection_is_404(client):
    response = client.get("/api/collections/nope")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_delete_collection_removes_documents_vectors_and_files(app, client, biology_pdf):
    collection_id = create_collection(client)
    item = upload(client, collection_id, ("bio.pdf", biology_pdf)).get_json()["items"][0]
    assert wait_for_document(client, item["id"])["status"] == "ready"
    services = app.extensions["chatgepeto"]
    assert services.vectors.count(collection_id) > 0
    key = f"{collection_id}/{item['id']}"
    assert services.files.exists(key)

    assert client.delete(f"/api/collections/{collection_id}").status_code == 401
    assert client.delete(f"/api/collections/{collection_id}", headers=AUTH).status_code == 204
    assert client.get(f"/api/collections/{collection_id}").status_code == 404
    assert client.get(f"/api/documents/{item['id']}").status_code == 404
    assert services.vectors.count(collection_id) == 0
    assert not services.files.exists(key)
