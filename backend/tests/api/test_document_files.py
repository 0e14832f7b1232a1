"""Original files through the API, the same from a folder and from S3 (moto's S3 server):
upload → ready → download (whole, byte ranges, conditional) → delete removes the object."""

import boto3
import pytest

from conftest import AUTH, create_collection, s3_settings, upload, wait_for_document


@pytest.fixture(params=["local", "s3"])
def store_settings(request, make_settings):
    if request.param == "local":
        return make_settings()
    return make_settings(**s3_settings(request.getfixturevalue("moto_s3")))


@pytest.fixture
def client(make_app, store_settings):
    return make_app(store_settings).test_client()


def _objects(settings) -> list[str]:
    s3 = boto3.client("s3", endpoint_url=settings.storage.s3_endpoint_url, region_name="us-east-1")
    listed = s3.list_objects_v2(Bucket=settings.storage.s3_bucket)
    return [item["Key"] for item in listed.get("Contents", [])]


def _ready_document(client, pdf: bytes) -> tuple[str, str]:
    collection_id = create_collection(client)
    item = upload(client, collection_id, ("biologia.pdf", pdf)).get_json()["items"][0]
    assert wait_for_document(client, item["id"])["status"] == "ready"
    return collection_id, item["id"]


def test_download_whole_ranges_and_conditional(client, store_settings, biology_pdf):
    collection_id, document_id = _ready_document(client, biology_pdf)
    if store_settings.storage.s3_bucket:
        assert _objects(store_settings) == [f"uploads/{collection_id}/{document_id}"]
        assert not (store_settings.storage.data_dir / "files").exists()
    url = f"/api/documents/{document_id}/file"
    size = len(biology_pdf)

    whole = client.get(url)
    assert whole.status_code == 200
    assert whole.data == biology_pdf
    assert whole.mimetype == "application/pdf"
    assert whole.headers["Content-Length"] == str(size)
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert whole.headers["Content-Disposition"] == "inline; filename=biologia.pdf"
    etag = whole.headers["ETag"]
    assert etag and whole.headers["Last-Modified"]

    # What pdf.js asks for: the end of the file first, then pieces.
    tail = client.get(url, headers={"Range": f"bytes={size - 100}-"})
    assert tail.status_code == 206
    assert tail.data == biology_pdf[-100:]
    assert tail.headers["Content-Range"] == f"bytes {size - 100}-{size - 1}/{size}"
    assert tail.headers["Content-Length"] == "100"

    middle = client.get(url, headers={"Range": "bytes=10-19"})
    assert middle.status_code == 206 and middle.data == biology_pdf[10:20]
    assert middle.headers["Content-Range"] == f"bytes 10-19/{size}"

    suffix = client.get(url, headers={"Range": "bytes=-5"})
    assert suffix.status_code == 206 and suffix.data == biology_pdf[-5:]

    unchanged = client.get(url, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.data == b""

    beyond = client.get(url, headers={"Range": f"bytes={size + 10}-"})
    assert beyond.status_code == 416


def test_delete_removes_the_stored_file(client, store_settings, biology_pdf, tmp_path):
    from utils.documents import make_pdf

    collection_id, document_id = _ready_document(client, biology_pdf)
    other = make_pdf(tmp_path / "outro.pdf", ["Mitocôndria produz energia."]).read_bytes()
    second = upload(client, collection_id, ("outro.pdf", other)).get_json()["items"][0]
    assert wait_for_document(client, second["id"])["status"] == "ready"
    files = client.application.extensions["chatgepeto"].files
    assert files.exists(f"{collection_id}/{document_id}")

    assert client.delete(f"/api/documents/{document_id}", headers=AUTH).status_code == 204
    assert not files.exists(f"{collection_id}/{document_id}")
    assert client.get(f"/api/documents/{document_id}/file").status_code == 404
    if store_settings.storage.s3_bucket:
        assert _objects(store_settings) == [f"uploads/{collection_id}/{second['id']}"]

    assert client.delete(f"/api/collections/{collection_id}", headers=AUTH).status_code == 204
    assert not files.exists(f"{collection_id}/{second['id']}")
    if store_settings.storage.s3_bucket:
        assert _objects(store_settings) == []


def test_a_missing_original_is_404(client, biology_pdf):
    collection_id, document_id = _ready_document(client, biology_pdf)
    client.application.extensions["chatgepeto"].files.delete(f"{collection_id}/{document_id}")
    response = client.get(f"/api/documents/{document_id}/file")
    assert response.status_code == 404
    assert "missing" in response.get_json()["error"]["message"]


def test_non_ascii_names_are_sent_as_werkzeug_does(client, biology_pdf):
    collection_id = create_collection(client)
    item = upload(client, collection_id, ("seleção natural.pdf", biology_pdf)).get_json()
    document_id = item["items"][0]["id"]
    disposition = client.get(f"/api/documents/{document_id}/file").headers["Content-Disposition"]
    assert disposition == (
        "inline; filename=\"selecao natural.pdf\"; filename*=UTF-8''sele%C3%A7%C3%A3o%20natural.pdf"
    )
