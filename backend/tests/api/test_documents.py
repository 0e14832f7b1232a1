import io

from conftest import AUTH, create_collection, upload, wait_for_document
from utils.documents import (
    make_corrupt_pdf,
    make_docx,
    make_encrypted_pdf,
    make_pdf,
    make_scanned_pdf,
)


def test_upload_ingests_pdf_with_pages_and_progress(client, biology_pdf):
    collection_id = create_collection(client)
    response = upload(client, collection_id, ("biologia.pdf", biology_pdf))
    assert response.status_code == 202
    item = response.get_json()["items"][0]
    assert item["filename"] == "biologia.pdf"
    assert item["status"] == "queued" and item["job_id"] and item["duplicate"] is False

    document = wait_for_document(client, item["id"])
    assert document["status"] == "ready"
    assert document["progress"] == 1.0
    assert document["pages"] == 3
    assert document["chunks"] >= 3
    assert document["content_type"] == "application/pdf"
    assert document["size_bytes"] == len(biology_pdf)

    job = client.get(f"/api/jobs/{item['job_id']}").get_json()
    times = {k: job.pop(k) for k in ("created_at", "started_at", "finished_at")}
    assert all(times.values())
    assert job == {
        "id": item["job_id"],
        "status": "ready",
        "progress": 1.0,
        "error": None,
        "error_code": None,
        "document_id": item["id"],
        "attempts": 1,
    }
    listed = client.get(f"/api/collections/{collection_id}/documents").get_json()["items"]
    assert [d["id"] for d in listed] == [item["id"]]

    original = client.get(f"/api/documents/{item['id']}/file")
    assert original.status_code == 200
    assert original.data == biology_pdf
    assert original.mimetype == "application/pdf"


def test_same_bytes_again_is_a_duplicate(client, biology_pdf):
    collection_id = create_collection(client)
    first = upload(client, collection_id, ("a.pdf", biology_pdf)).get_json()["items"][0]
    wait_for_document(client, first["id"])
    again = upload(client, collection_id, ("renamed.pdf", biology_pdf))
    assert again.status_code == 200
    item = again.get_json()["items"][0]
    assert item["id"] == first["id"] and item["duplicate"] is True
    assert item["status"] == "ready"
    assert len(client.get(f"/api/collections/{collection_id}/documents").get_json()["items"]) == 1


def test_several_files_docx_markdown_text(client, tmp_path):
    collection_id = create_collection(client)
    docx = make_docx(
        tmp_path / "aula.docx",
        ["Mitose é a divisão celular.", "Meiose gera gametas."],
        page_break_after=0,
    ).read_bytes()
    response = upload(
        client,
        collection_id,
        ("aula.docx", docx),
        ("notas.md", "# Genética\n\nMendel estudou ervilhas.".encode()),
        ("resumo.txt", "Fotossíntese produz glicose e oxigênio.".encode("cp1252")),
    )
    assert response.status_code == 202
    items = response.get_json()["items"]
    documents = [wait_for_document(client, i["id"]) for i in items]
    assert [d["status"] for d in documents] == ["ready"] * 3, documents
    assert documents[0]["pages"] == 2
    assert documents[1]["pages"] is None

    hits = client.post(
        "/api/search", json={"question": "fotossintese", "collection_id": collection_id}
    ).get_json()["results"]
    assert hits[0]["filename"] == "resumo.txt"
    assert "Fotossíntese" in hits[0]["text"]


def test_upload_needs_token_and_collection(client, biology_pdf):
    collection_id = create_collection(client)
    assert upload(client, collection_id, ("a.pdf", biology_pdf), headers={}).status_code == 401
    missing = upload(client, "nope", ("a.pdf", biology_pdf))
    assert missing.status_code == 404
    assert client.get(f"/api/collections/{collection_id}/documents").get_json()["items"] == []


def test_bad_files_get_clear_errors_and_store_nothing(client, biology_pdf):
    collection_id = create_collection(client)
    cases = [
        (("vazio.pdf", b""), 422, "empty"),
        (("foto.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100), 415, "foto.png"),
        (("fake.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 100), 415, "fake.pdf"),
        (("planilha.docx", b"%PDF-1.4 not a docx"), 415, "planilha.docx"),
        (("programa.exe", b"MZ\x90\x00"), 415, "programa.exe"),
    ]
    for file, status, words in cases:
        # A good file alongside the bad one: the whole request is refused, nothing kept.
        response = upload(client, collection_id, ("bom.pdf", biology_pdf), file)
        assert response.status_code == status, (file[0], response.get_json())
        error = response.get_json()["error"]
        assert words in error["message"] and error["request_id"]
    assert client.get(f"/api/collections/{collection_id}/documents").get_json()["items"] == []


def test_file_over_the_limit_is_413(client, settings):
    collection_id = create_collection(client)
    big = b"a" * (settings.limits.max_upload_bytes + 1)
    response = upload(client, collection_id, ("grande.txt", big))
    assert response.status_code == 413
    assert "MB" in response.get_json()["error"]["message"]
    assert client.get(f"/api/collections/{collection_id}/documents").get_json()["items"] == []


def test_request_over_the_total_limit_is_refused_before_reading(client, settings):
    collection_id = create_collection(client)
    too_long = settings.limits.max_upload_bytes * settings.limits.max_upload_files + 2 * 1024 * 1024
    response = client.post(
        f"/api/collections/{collection_id}/documents",
        data=io.BytesIO(b"x" * 10),
        headers=AUTH,
        content_type="multipart/form-data; boundary=xyz",
        environ_overrides={"CONTENT_LENGTH": str(too_long)},
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"


def test_no_files_field_is_422(client):
    collection_id = create_collection(client)
    response = client.post(
        f"/api/collections/{collection_id}/documents",
        data={"other": "x"},
        headers=AUTH,
        content_type="multipart/form-data",
    )
    assert response.status_code == 422


def test_broken_pdfs_fail_with_a_reason_and_leave_nothing(app, client, tmp_path):
    collection_id = create_collection(client)
    files = {
        "corrompido.pdf": make_corrupt_pdf(tmp_path / "c.pdf").read_bytes(),
        "protegido.pdf": make_encrypted_pdf(tmp_path / "e.pdf").read_bytes(),
        "digitalizado.pdf": make_scanned_pdf(tmp_path / "s.pdf").read_bytes(),
    }
    items = upload(client, collection_id, *files.items()).get_json()["items"]
    reasons = {}
    for item in items:
        document = wait_for_document(client, item["id"])
        assert document["status"] == "failed"
        assert document["chunks"] == 0
        reasons[item["filename"]] = document["error"].lower()
        job = client.get(f"/api/jobs/{item['job_id']}").get_json()
        assert job["status"] == "failed" and job["error"] == document["error"]
    codes = {
        i["filename"]: client.get(f"/api/documents/{i['id']}").get_json()["error_code"]
        for i in items
    }
    assert codes == {
        "corrompido.pdf": "damaged_pdf",
        "protegido.pdf": "encrypted_pdf",
        "digitalizado.pdf": "scanned_pdf",
    }
    assert "damaged" in reasons["corrompido.pdf"] or "read" in reasons["corrompido.pdf"]
    assert "encrypted" in reasons["protegido.pdf"] or "password" in reasons["protegido.pdf"]
    assert "scan" in reasons["digitalizado.pdf"]
    assert app.extensions["chatgepeto"].vectors.count(collection_id) == 0
    hits = client.post("/api/search", json={"question": "texto", "collection_id": collection_id})
    assert hits.get_json()["results"] == []


def test_hostile_file_names_are_never_paths(app, client, biology_pdf, tmp_path):
    collection_id = create_collection(client)
    names = ["../../etc/passwd.pdf", "..\\..\\boot.txt", "a\x00b.txt", "x" * 1000 + ".txt"]
    contents = [biology_pdf, b"texto um", b"texto dois", b"texto tres"]
    items = upload(client, collection_id, *zip(names, contents, strict=True)).get_json()["items"]
    assert all("/" not in i["filename"] and "\\" not in i["filename"] for i in items)
    assert all("\x00" not in i["filename"] and len(i["filename"]) <= 255 for i in items)
    for item in items:
        assert wait_for_document(client, item["id"])["status"] == "ready"
    data_dir = app.extensions["chatgepeto"].settings.storage.data_dir
    assert not (data_dir.parent / "etc").exists()
    assert not any("passwd" in p.name for p in data_dir.rglob("*"))


def test_delete_document_removes_chunks_and_vectors(app, client, tmp_path):
    collection_id = create_collection(client)
    pdf = make_pdf(tmp_path / "x.pdf", ["Mitocôndria produz energia para a célula."]).read_bytes()
    item = upload(client, collection_id, ("x.pdf", pdf)).get_json()["items"][0]
    wait_for_document(client, item["id"])
    assert client.delete(f"/api/documents/{item['id']}").status_code == 401
    assert client.delete(f"/api/documents/{item['id']}", headers=AUTH).status_code == 204
    assert client.get(f"/api/documents/{item['id']}").status_code == 404
    assert client.delete(f"/api/documents/{item['id']}", headers=AUTH).status_code == 404
    assert app.extensions["chatgepeto"].vectors.count(collection_id) == 0
    hits = client.post(
        "/api/search", json={"question": "mitocôndria", "collection_id": collection_id}
    ).get_json()["results"]
    assert hits == []


def test_unknown_document_and_job_are_404(client):
    assert client.get("/api/documents/nope").status_code == 404
    assert client.get("/api/documents/nope/file").status_code == 404
    assert client.get("/api/jobs/nope").status_code == 404


def test_listing_by_ids_returns_only_those_documents_of_the_collection(client):
    collection_id = create_collection(client)
    other_id = create_collection(client, "Outra")
    items = upload(
        client,
        collection_id,
        ("a.md", b"# Mitose\n\nA mitose divide a celula."),
        ("b.md", b"# Meiose\n\nA meiose gera gametas."),
        ("c.txt", b"Fotossintese produz glicose."),
    ).get_json()["items"]
    elsewhere = upload(client, other_id, ("d.txt", b"Deriva genetica.")).get_json()["items"][0]
    for item in [*items, elsewhere]:
        wait_for_document(client, item["id"])
    url = f"/api/collections/{collection_id}/documents"

    def listed(*ids: str) -> set[str]:
        response = client.get(url, query_string=[("ids", i) for i in ids])
        assert response.status_code == 200, response.get_json()
        return {d["id"] for d in response.get_json()["items"]}

    a, b, c = (i["id"] for i in items)
    assert listed() == {a, b, c}
    assert listed(a, c) == {a, c}
    # Another collection's document and unknown ids are simply not there.
    assert listed(b, elsewhere["id"], "nope") == {b}
    too_many = client.get(url, query_string=[("ids", f"d{n}") for n in range(101)])
    assert too_many.status_code == 422
    assert too_many.get_json()["error"]["code"]
