"""Shared fixtures: settings on a temporary data folder, the app, a fake Groq, servers.

Environment switches (used by .ci/run; `make test` needs none of them):
- TEST_DATABASE_URL: run against this PostgreSQL (each test in a schema of its own).
- TEST_CHROMA_SERVER=1: start a real `chroma run` server and use it through CHROMA_HOST.
- TEST_S3=1: keep original files in S3 (moto's server on localhost, a bucket per test).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
sys.path.insert(0, str(Path(__file__).parent))

from chatgepeto.devtools.fake_groq import FakeGroq
from chatgepeto.retrieval.embeddings import make_embeddings
from chatgepeto.settings import Settings

from utils.responses import check_response

ADMIN_TOKEN = "test-admin-token"
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
GROQ_TEST_KEY = "test-key"

# No response, log line or stored message of the suite holds a secret, a path, a traceback or
# SQL: tests/utils/leaks.py records them all and fails the test that leaked.
pytest_plugins = ["utils.leaks"]


def redis_test_url(explicit_only: bool = False) -> str:
    """The Redis for tests that need one, or a skip with the reason.

    `make test` must pass on a machine without services, so a missing Redis skips; `.ci/run`
    sets TEST_REDIS_URL, and then a missing Redis is a failure. `explicit_only` tests (they
    start worker processes: minutes) run only when TEST_REDIS_URL is set.
    """
    import redis

    url = os.environ.get("TEST_REDIS_URL", "")
    if not url and explicit_only:
        pytest.skip("starts worker processes; runs when TEST_REDIS_URL is set, as .ci/run does")
    url = url or "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.exceptions.ConnectionError:
        if "TEST_REDIS_URL" in os.environ:
            raise
        pytest.skip(
            f"no Redis at {url}: `make test` needs no services; .ci/run sets TEST_REDIS_URL"
        )
    return url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def embeddings():
    """One multilingual encoder for the whole run (loading it takes a couple of seconds)."""
    return make_embeddings("multilingual")


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory) -> Iterator[tuple[str, int] | None]:
    """A real Chroma server when TEST_CHROMA_SERVER=1, else None (embedded Chroma)."""
    if os.environ.get("TEST_CHROMA_SERVER") != "1":
        yield None
        return
    yield from start_chroma_server(tmp_path_factory.mktemp("chroma-server"))


def start_chroma_server(path: Path) -> Iterator[tuple[str, int]]:
    binary = shutil.which("chroma", path=str(Path(sys.executable).parent)) or "chroma"
    port = free_port()
    log = (path / "server.log").open("wb")
    process = subprocess.Popen(
        [binary, "run", "--path", str(path / "data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError as exc:
            if process.poll() is not None:
                output = (path / "server.log").read_text()
                raise RuntimeError(f"chroma run exited: {output}") from exc
            time.sleep(0.2)
    else:
        process.kill()
        raise RuntimeError("chroma run did not start in 60 s")
    try:
        yield ("127.0.0.1", port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture
def database_url() -> Iterator[str]:
    """ "" for SQLite under DATA_DIR, or a fresh PostgreSQL schema when TEST_DATABASE_URL is set."""
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not base:
        yield ""
        return
    yield from postgres_schema(base)


def postgres_schema(base: str) -> Iterator[str]:
    import sqlalchemy as sa

    schema = f"t_{uuid.uuid4().hex[:12]}"
    url = base.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    try:
        yield f"{url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


# Fake credentials for moto: boto3 must never find real ones during tests.
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture(scope="session")
def moto_s3() -> Iterator[str]:
    """A real S3 API on localhost (moto in server mode); yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    saved = {name: os.environ.get(name) for name in FAKE_AWS}
    os.environ.update(FAKE_AWS)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def create_bucket(endpoint: str) -> str:
    import boto3

    name = f"test-{uuid.uuid4().hex[:16]}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=name)
    return name


def s3_settings(endpoint: str) -> dict[str, str]:
    """Settings that keep files in a new bucket of the S3 server at `endpoint`."""
    bucket = create_bucket(endpoint)
    return {"s3_bucket": bucket, "s3_endpoint_url": endpoint, "aws_region": "us-east-1"}


@pytest.fixture
def s3_storage(request) -> dict[str, str]:
    """With TEST_S3=1, settings for a fresh bucket of the moto server; else none."""
    if os.environ.get("TEST_S3") != "1":
        return {}
    return s3_settings(request.getfixturevalue("moto_s3"))


@pytest.fixture
def make_settings(tmp_path, database_url, chroma_server, s3_storage):
    """Settings for a test: temporary data folder, known admin token, no real Groq."""

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "data_dir": tmp_path / "data",
            "admin_token": ADMIN_TOKEN,
            "database_url": database_url,
            "chroma_host": chroma_server[0] if chroma_server else "",
            "chroma_port": chroma_server[1] if chroma_server else 8000,
            "embedding_model": "multilingual",
            "groq_api_key": None,
            "groq_base_url": None,
            "log_json": True,
            "max_upload_mb": 2,
            # Rate limits stay on (the code path runs everywhere) but out of the way;
            # tests/api/test_rate_limits.py sets small ones.
            "ratelimit_ask": "100000 per minute",
            "ratelimit_ask_per_ip": "100000 per minute",
            "ratelimit_upload": "100000 per minute",
            **s3_storage,
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)

    return build


@pytest.fixture
def settings(make_settings) -> Settings:
    return make_settings()


@pytest.fixture
def fake_groq() -> Iterator[FakeGroq]:
    with FakeGroq() as fake:
        yield fake


@pytest.fixture
def make_app(embeddings, database_url):
    """Build apps (several may share a data folder, as after a restart); all closed at the end.

    Depending on `database_url` makes pytest close the apps, and wait for their ingestion
    jobs, before it drops the test's PostgreSQL schema (a job still writing deadlocked it).
    """
    from chatgepeto.app import create_app, start_job_runner
    from chatgepeto.services import build_services

    built = []

    def build(settings: Settings, *, start_jobs: bool = True):
        """An app as `chatgepeto serve` runs it; without `start_jobs`, its job runner idle."""
        services = build_services(settings, embeddings=embeddings)
        app = create_app(settings, services)
        if start_jobs:
            start_job_runner(services)
        app.config["TESTING"] = True
        # Each body is checked against the model its route declares (tests/utils/responses.py).
        app.validate_response = True
        app.validate_response_callback = check_response
        built.append(services)
        return app

    yield build
    for services in built:
        services.jobs.shutdown(wait=True)
        services.close()


@pytest.fixture
def app(make_app, settings):
    return make_app(settings)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def llm_settings(make_settings, fake_groq) -> Settings:
    """Settings whose LLM is the fake Groq server, with no retries (tests script failures)."""
    return make_settings(groq_api_key=GROQ_TEST_KEY, groq_base_url=fake_groq.base_url)


def wait_for_document(client, document_id: str, timeout: float = 90.0) -> dict[str, Any]:
    """Poll a document until its ingestion ends (ready or failed)."""
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(f"/api/documents/{document_id}").get_json()
        if body["status"] in ("ready", "failed"):
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"document still {body['status']} after {timeout} s: {body}")
        time.sleep(0.05)


def upload(client, collection_id: str, *files: tuple[str, bytes], headers=None):
    """POST files to a collection as multipart field `files`."""
    import io

    data = {"files": [(io.BytesIO(content), name) for name, content in files]}
    return client.post(
        f"/api/collections/{collection_id}/documents",
        data=data,
        headers=AUTH if headers is None else headers,
        content_type="multipart/form-data",
    )


def create_collection(client, name: str = "Biologia Evolutiva") -> str:
    response = client.post("/api/collections", json={"name": name}, headers=AUTH)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


BIOLOGY_PAGES = [
    "Evolução biológica\n\nA evolução é a mudança nas características hereditárias de "
    "populações ao longo das gerações. Charles Darwin propôs a seleção natural em 1859.",
    "Seleção natural\n\nA seleção natural ocorre quando indivíduos com variações favoráveis "
    "deixam mais descendentes. As causas da seleção natural são a variação, a hereditariedade "
    "e a competição por recursos limitados.",
    "Deriva genética\n\nA deriva genética é a mudança aleatória nas frequências alélicas, mais "
    "forte em populações pequenas. Em São Paulo, estudos com moscas mostraram deriva.",
]


@pytest.fixture
def biology_pdf(tmp_path) -> bytes:
    from utils.documents import make_pdf

    return make_pdf(tmp_path / "biologia.pdf", BIOLOGY_PAGES).read_bytes()


@pytest.fixture
def ready_collection(client, biology_pdf) -> str:
    """A collection holding the three-page Portuguese biology PDF, ingested."""
    collection_id = create_collection(client)
    response = upload(client, collection_id, ("biologia.pdf", biology_pdf))
    assert response.status_code == 202, response.get_json()
    document = wait_for_document(client, response.get_json()["items"][0]["id"])
    assert document["status"] == "ready", document
    return collection_id


def collection_with(client, *files: tuple[str, bytes], name: str = "Biologia Evolutiva") -> str:
    """A new collection holding `files`, all ingested and ready."""
    collection_id = create_collection(client, name)
    for item in upload(client, collection_id, *files).get_json()["items"]:
        assert wait_for_document(client, item["id"])["status"] == "ready"
    return collection_id


SSE = {"Accept": "text/event-stream"}


def parse_sse(body: str) -> list:
    """The parts of a UI message stream: JSON objects, and the final "[DONE]"."""
    import json

    parts = []
    for block in body.split("\n\n"):
        block = block.strip()
        if not block or block.startswith(":"):
            continue
        assert block.startswith("data: "), block
        payload = block[len("data: ") :]
        parts.append(payload if payload == "[DONE]" else json.loads(payload))
    return parts
