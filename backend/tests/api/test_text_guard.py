"""NUL characters are refused with 422 everywhere (PostgreSQL text cannot hold them)."""

from conftest import AUTH


def test_nul_in_json_query_and_path_is_422_and_stores_nothing(client):
    for response in (
        client.post("/api/collections", json={"name": "Bio\x00logia"}, headers=AUTH),
        client.post(
            "/api/collections", json={"name": "Biologia", "description": "a\x00"}, headers=AUTH
        ),
        client.get("/api/conversations", query_string={"q": "mitose\x00"}),
        client.get("/api/documents/abc%00def"),
    ):
        assert response.status_code == 422, response.get_data(as_text=True)
        error = response.get_json()["error"]
        assert "NUL" in error["message"] and error["request_id"]
    assert client.get("/api/collections").get_json()["items"] == []
