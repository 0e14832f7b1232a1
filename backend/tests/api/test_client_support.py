"""What the web app reads besides the core API: chunk context, client config, token check."""

from conftest import AUTH, collection_with
from utils.documents import make_markdown


def test_config_tells_limits_types_and_answer_mode(client, settings):
    body = client.get("/api/config").get_json()
    assert body["max_upload_mb"] == settings.limits.max_upload_mb
    assert body["max_upload_files"] == settings.limits.max_upload_files
    assert {".pdf", ".docx", ".md", ".txt"} <= set(body["supported_extensions"])
    assert body["generation"] is False


def test_admin_check_accepts_only_the_right_token(client):
    assert client.get("/api/admin/check", headers=AUTH).status_code == 204
    missing = client.get("/api/admin/check")
    assert missing.status_code == 401 and missing.get_json()["error"]["request_id"]
    wrong = client.get("/api/admin/check", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401


def test_chunk_comes_with_its_neighbours(client, tmp_path, settings):
    paragraphs = [f"Parágrafo {n}: " + f"conteúdo sobre o tema número {n}. " * 40 for n in range(6)]
    path = make_markdown(tmp_path / "notas.md", "\n\n".join(paragraphs))
    collection_id = collection_with(client, ("notas.md", path.read_bytes()))
    hits = client.post(
        "/api/search", json={"question": "tema número 3", "collection_id": collection_id, "k": 50}
    ).get_json()["results"]
    assert len(hits) >= 3
    by_text = {h["chunk_id"]: h for h in hits}
    middle = next(
        c
        for c in (client.get(f"/api/chunks/{cid}").get_json() for cid in by_text)
        if c["before"] and c["after"]
    )
    assert middle["filename"] == "notas.md" and middle["page"] is None
    assert middle["text"] == by_text[middle["id"]]["text"]
    assert middle["before"] != middle["text"] != middle["after"]


def test_first_chunk_has_no_before_and_unknown_chunk_is_404(client, tmp_path):
    path = make_markdown(tmp_path / "curto.md", "Um texto curto sobre mitose e meiose.")
    collection_id = collection_with(client, ("curto.md", path.read_bytes()))
    hit = client.post(
        "/api/search", json={"question": "mitose", "collection_id": collection_id}
    ).get_json()["results"][0]
    chunk = client.get(f"/api/chunks/{hit['chunk_id']}").get_json()
    assert chunk["before"] is None and chunk["after"] is None
    missing = client.get("/api/chunks/does-not-exist")
    assert missing.status_code == 404
    assert "does not exist" in missing.get_json()["error"]["message"]
