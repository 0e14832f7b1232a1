"""Jobs through the API with the in-process runner (no Redis): the teacher's list of jobs by
status, and retrying a failed one. tests/ingestion/test_queue.py does the same on RQ."""

from langchain_core.embeddings import Embeddings

from chatgepeto.app import create_app
from chatgepeto.services import build_services

from conftest import AUTH, create_collection, upload, wait_for_document
from utils.documents import make_corrupt_pdf


class CrashingFirst(Embeddings):
    """A real encoder whose first `n` document batches crash (a transient fault)."""

    def __init__(self, inner: Embeddings, n: int = 1) -> None:
        self.inner, self.n = inner, n

    def embed_documents(self, texts):
        if self.n > 0:
            self.n -= 1
            raise RuntimeError("encoder crashed")
        return self.inner.embed_documents(texts)

    def embed_query(self, text):
        return self.inner.embed_query(text)


def test_failed_jobs_are_listed_for_the_teacher(client, tmp_path, biology_pdf):
    collection_id = create_collection(client)
    broken = make_corrupt_pdf(tmp_path / "c.pdf").read_bytes()
    bad, good = upload(
        client, collection_id, ("corrompido.pdf", broken), ("bio.pdf", biology_pdf)
    ).get_json()["items"]
    assert wait_for_document(client, bad["id"])["status"] == "failed"
    assert wait_for_document(client, good["id"])["status"] == "ready"

    assert client.get("/api/jobs?status=failed").status_code == 401
    failed = client.get("/api/jobs?status=failed", headers=AUTH).get_json()
    assert failed["next_cursor"] is None
    [job] = failed["items"]
    assert job["id"] == bad["job_id"] and job["status"] == "failed"
    assert job["error_code"] == "damaged_pdf" and job["error"]
    assert job["filename"] == "corrompido.pdf" and job["collection_id"] == collection_id
    assert job["document_id"] == bad["id"] and job["attempts"] == 1
    assert job["started_at"] and job["finished_at"]
    ready = client.get("/api/jobs?status=ready", headers=AUTH).get_json()["items"]
    assert [j["id"] for j in ready] == [good["job_id"]]
    assert client.get("/api/jobs?status=queued", headers=AUTH).get_json()["items"] == []
    assert client.get("/api/jobs?status=lost", headers=AUTH).status_code == 422

    # Paged, newest first.
    first = client.get("/api/jobs?limit=1", headers=AUTH).get_json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    rest = client.get(f"/api/jobs?limit=1&cursor={first['next_cursor']}", headers=AUTH).get_json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert {first["items"][0]["id"], rest["items"][0]["id"]} == {bad["job_id"], good["job_id"]}
    assert client.get("/api/jobs?cursor=%%%", headers=AUTH).status_code == 422


def test_retry_runs_a_failed_job_again(client, tmp_path, biology_pdf):
    collection_id = create_collection(client)
    broken = make_corrupt_pdf(tmp_path / "c.pdf").read_bytes()
    bad, good = upload(
        client, collection_id, ("corrompido.pdf", broken), ("bio.pdf", biology_pdf)
    ).get_json()["items"]
    wait_for_document(client, bad["id"])
    wait_for_document(client, good["id"])

    assert client.post(f"/api/jobs/{bad['job_id']}/retry").status_code == 401
    assert client.post("/api/jobs/nope/retry", headers=AUTH).status_code == 404
    response = client.post(f"/api/jobs/{good['job_id']}/retry", headers=AUTH)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"

    response = client.post(f"/api/jobs/{bad['job_id']}/retry", headers=AUTH)
    assert response.status_code == 202, response.get_json()
    assert response.get_json()["id"] == bad["job_id"]
    document = wait_for_document(client, bad["id"])
    # Still a damaged file: failed again, for the same reason, on a second attempt.
    assert document["status"] == "failed" and document["error_code"] == "damaged_pdf"
    job = client.get(f"/api/jobs/{bad['job_id']}").get_json()
    assert job["status"] == "failed" and job["attempts"] == 2

    # Uploading the file again gives the document a new job: the old one is no longer retried.
    again = upload(client, collection_id, ("corrompido.pdf", broken)).get_json()["items"][0]
    assert again["id"] == bad["id"] and again["job_id"] != bad["job_id"]
    wait_for_document(client, bad["id"])
    assert client.post(f"/api/jobs/{bad['job_id']}/retry", headers=AUTH).status_code == 409


def test_a_crashed_job_retried_ends_ready(make_settings, embeddings, biology_pdf):
    settings = make_settings()
    services = build_services(settings, embeddings=CrashingFirst(embeddings))
    try:
        client = create_app(settings, services).test_client()
        collection_id = create_collection(client)
        item = upload(client, collection_id, ("bio.pdf", biology_pdf)).get_json()["items"][0]
        document = wait_for_document(client, item["id"])
        # In process nothing retries by itself: the crash fails the job, with no trace left.
        assert document["status"] == "failed" and document["error_code"] == "internal_error"
        assert services.vectors.count(collection_id) == 0

        assert client.post(f"/api/jobs/{item['job_id']}/retry", headers=AUTH).status_code == 202
        document = wait_for_document(client, item["id"])
        assert document["status"] == "ready" and document["error"] is None
        assert document["error_code"] is None and document["chunks"] >= 3
        assert services.vectors.count(collection_id) == document["chunks"]
        job = client.get(f"/api/jobs/{item['job_id']}").get_json()
        assert job["status"] == "ready" and job["attempts"] == 2 and job["error"] is None
    finally:
        services.jobs.shutdown(wait=True)
        services.close()
