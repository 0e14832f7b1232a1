"""The production topology, proven by faults (issue 5): many processes, shared real engines.

Runs with `make test-integration` (and in `.ci/run`); needs the machine's PostgreSQL
(TEST_DATABASE_URL) and Redis (TEST_REDIS_URL) and skips without them. The cases share one
topology and run in order: each leaves the state the next one builds on.
"""

from __future__ import annotations

import json
import os
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .stack import AUTH, Topology, fresh_database, pid_alive, rss_mb, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1500)]

EVAL_DOCS = Path(
    os.environ.get("EVAL_DOCS", Path(__file__).parents[4] / "shared" / "eval" / "docs")
)
# Two of the real course PDFs: small enough for CI, one Portuguese, one English.
REAL_PDFS = ["thinkpython_glossary_by_chapter_en.pdf", "apostila_ml_unesp_pt.pdf"]
RESULTS = Path(__file__).parents[2] / "benchmarks" / "results"
LOAD_SECONDS = float(os.environ.get("IT_LOAD_SECONDS", "20"))
ASK_LIMIT = 6
FIGURES: dict[str, object] = {}


def _services_or_skip() -> tuple[str, str]:
    if os.environ.get("TEST_INTEGRATION") != "1":
        pytest.skip("the multi-process suite runs with TEST_INTEGRATION=1 (make test-integration)")
    database, redis_url = os.environ.get("TEST_DATABASE_URL"), os.environ.get("TEST_REDIS_URL")
    if not database or not redis_url:
        pytest.skip("needs TEST_DATABASE_URL and TEST_REDIS_URL (make test-integration)")
    import redis

    try:
        redis.Redis.from_url(redis_url).ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis at {redis_url} is not reachable: {exc}")
    return database, redis_url


@pytest.fixture(scope="module")
def fake_groq_url() -> Iterator[str]:
    from chatgepeto.devtools.fake_groq import FakeGroq, Reply

    fake = FakeGroq(Reply(delay_first=0.3, delay_between=0.02)).start()
    yield fake.base_url
    fake.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Topology]:
    database, redis_url = _services_or_skip()
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    with fresh_database(database) as url:
        topology = Topology(
            tmp_path_factory.mktemp("topology"),
            url,
            redis_url,
            extra_env={
                "JOB_RETRY_INTERVALS": "1,2,4",
                "RATELIMIT_ASK": f"{ASK_LIMIT} per minute",
                "RATELIMIT_ASK_PER_IP": "100000 per minute",
                "RATELIMIT_UPLOAD": "1000 per minute",
            },
        )
        try:
            topology.start_chroma()
            topology.start_s3()
            topology.migrate()
            a, b = topology.start_api("api-a"), topology.start_api("api-b")
            topology.start_worker()
            topology.wait_ready(a, b)
            yield topology
        finally:
            topology.close()
            RESULTS.mkdir(parents=True, exist_ok=True)
            (RESULTS / "integration.json").write_text(json.dumps(FIGURES, indent=2))


# -- helpers ------------------------------------------------------------------------------------


def get(url: str, **kw) -> httpx.Response:
    kw.setdefault("timeout", 60)
    return httpx.get(url, **kw)


def post(url: str, **kw) -> httpx.Response:
    kw.setdefault("timeout", 60)
    return httpx.post(url, **kw)


def create_collection(api, name: str) -> str:
    response = post(f"{api.url}/api/collections", json={"name": name}, headers=AUTH)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def upload(api, collection_id: str, path: Path) -> dict:
    with path.open("rb") as fh:
        response = post(
            f"{api.url}/api/collections/{collection_id}/documents",
            files={"files": (path.name, fh, "application/pdf")},
            headers=AUTH,
            timeout=60,
        )
    assert response.status_code == 202, response.text
    return response.json()["items"][0]


def document(api, document_id: str) -> dict:
    return get(f"{api.url}/api/documents/{document_id}", timeout=10).json()


def wait_ready_document(api, document_id: str, timeout: float = 180) -> dict:
    done = wait_until(
        lambda: (d := document(api, document_id))["status"] in ("ready", "failed") and d,
        timeout,
        f"document {document_id} processed",
        interval=0.5,
    )
    assert done["status"] == "ready", done
    return done


COOKIE = "chatgepeto_uid"


def student(api) -> dict[str, str]:
    """A new student: the Cookie header of the id an API process issues on a first visit."""
    response = get(f"{api.url}/api/conversations")
    assert response.status_code == 200, response.text
    return {"Cookie": f"{COOKIE}={response.cookies[COOKIE]}"}


def ask(api, collection_id: str, question: str, *, as_: dict | None = None, **extra):
    """POST /api/ask as the student `as_` (a Cookie header), else as a new student."""
    body = {"question": question, "collection_id": collection_id, **extra}
    return post(f"{api.url}/api/ask", json=body, headers=as_ or student(api), timeout=60)


def big_pdf(path: Path, pages: int = 60) -> Path:
    """A generated textbook: distinct text on every page, so every chunk is distinct."""
    from utils.documents import make_pdf

    topics = ["mitose", "meiose", "fotossíntese", "respiração celular", "evolução", "genética"]
    texts = []
    for n in range(1, pages + 1):
        topic = topics[n % len(topics)]
        sentences = [
            f"Capítulo {n}, seção {k}: a {topic} é estudada aqui com o exemplo número {n * 10 + k}."
            for k in range(1, 13)
        ]
        texts.append(" ".join(sentences))
    return make_pdf(path, texts)


def chunk_counts(stack: Topology, collection_id: str) -> list[int]:
    """Vectors per embedding model in the Chroma server for one collection."""
    import chromadb

    client = chromadb.HttpClient(host="127.0.0.1", port=stack.chroma_port)
    return [
        client.get_collection(c.name if hasattr(c, "name") else c).count()
        for c in client.list_collections()
        if (c.name if hasattr(c, "name") else c).startswith(f"cg-{collection_id}-")
    ]


def sql_chunk_count(stack: Topology, document_id: str) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(stack.database_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        count = conn.execute(
            sa.text("SELECT count(*) FROM chunks WHERE document_id = :d"), {"d": document_id}
        ).scalar_one()
    engine.dispose()
    return count


def load(urls: list[str], collection_id: str, seconds: float, clients: int = 20) -> dict:
    """`clients` threads asking for `seconds` against `urls` in turn: latencies and statuses."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    questions = ["O que é mitose?", "Explique a fotossíntese.", "What is genetics about?"]

    def client(n: int) -> None:
        with httpx.Client(timeout=60) as http:
            i = 0
            while time.monotonic() < stop:
                url = urls[(n + i) % len(urls)]
                try:
                    # Each question from a new student (an id cookie of its own, fetched
                    # untimed), so the per-student limit stays out of the measurement.
                    http.cookies.clear()
                    http.get(f"{url}/api/conversations").raise_for_status()
                except httpx.HTTPError:
                    pass
                started = time.perf_counter()
                try:
                    status = http.post(
                        f"{url}/api/ask",
                        json={
                            "question": questions[i % len(questions)],
                            "collection_id": collection_id,
                        },
                    ).status_code
                except httpx.HTTPError:
                    status = 0
                with lock:
                    latencies.append((time.perf_counter() - started) * 1000)
                    statuses[status] = statuses.get(status, 0) + 1
                i += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 1),
        "statuses": statuses,
    }


# -- the cases ------------------------------------------------------------------------------------

STATE: dict[str, str] = {}


def test_upload_through_one_api_ask_through_the_other(stack, tmp_path):
    a, b = stack.apis
    collection_id = create_collection(a, "Biologia — integração")
    STATE["collection"] = collection_id
    from conftest import BIOLOGY_PAGES
    from utils.documents import make_pdf

    generated = upload(a, collection_id, make_pdf(tmp_path / "biologia.pdf", BIOLOGY_PAGES))
    STATE["document"] = generated["id"]
    wait_ready_document(b, generated["id"])
    body = ask(b, collection_id, "Quais são as causas da seleção natural?").json()
    assert any(c["document_id"] == generated["id"] for c in body["citations"]), body
    # The other API process sees the same index too (no stale BM25 or vectors anywhere).
    body = ask(a, collection_id, "O que é deriva genética?").json()
    assert any(c["page"] == 3 for c in body["citations"]), body

    present = [EVAL_DOCS / name for name in REAL_PDFS if (EVAL_DOCS / name).exists()]
    if not present:
        pytest.skip(f"the real course PDFs are not in {EVAL_DOCS}")
    real = create_collection(a, "Material real")
    pages, started = 0, time.monotonic()
    ids = [upload(a, real, path)["id"] for path in present]
    for document_id in ids:
        pages += wait_ready_document(b, document_id, timeout=600)["pages"] or 0
    FIGURES["worker_pages_per_second"] = round(pages / (time.monotonic() - started), 2)
    body = ask(b, real, "O que é aprendizado de máquina supervisionado?").json()
    assert {c["document_id"] for c in body["citations"]} & set(ids), body


def jobs_check(api) -> dict:
    return get(f"{api.url}/api/ready", timeout=10).json()["checks"]["jobs"]


def test_a_killed_worker_leaves_nothing_half_done(stack, tmp_path):
    """`kill -9` of the worker mid-ingestion, with the heartbeat and lease a user gets."""
    a, b = stack.apis
    # Long enough that the kill lands mid-ingestion (a 60-page book took ~2 s on ONNX int8).
    textbook = big_pdf(tmp_path / "livro.pdf", pages=240)
    # The chunk count of an uninterrupted run of the same file.
    reference = create_collection(a, "Referência")
    expected = wait_ready_document(a, upload(a, reference, textbook)["id"], timeout=600)["chunks"]
    assert expected > 20
    assert jobs_check(a)["workers"] == 1 and jobs_check(a)["redis"] == "ok"

    collection_id = create_collection(a, "Interrompida")
    item = upload(a, collection_id, textbook)
    document_id = item["id"]
    wait_until(lambda: document(b, document_id)["progress"] >= 0.3, 300, "ingestion halfway", 0.1)
    (worker,) = stack.workers
    FIGURES["worker_rss_mb"] = round(max(rss_mb(p) for p in worker.pids()), 1)
    children = worker.pids()[1:]  # RQ's scheduler, the PDF reader
    assert children
    worker.kill9_main()
    killed_at = time.monotonic()
    stack.workers.clear()
    assert document(a, document_id)["status"] == "running"
    # Nothing of the dead worker lives on.
    wait_until(lambda: not any(pid_alive(p) for p in children), 15, "the worker's children gone")

    # With no worker at all, the API processes put the job back on the queue within a minute,
    # and say that no worker is there to run it.
    wait_until(lambda: document(b, document_id)["status"] == "queued", 60, "job back on the queue")
    FIGURES["killed_worker_job_requeued_s"] = round(time.monotonic() - killed_at, 1)
    check = wait_until(
        lambda: (c := jobs_check(b))["workers"] == 0 and c, 90, "/api/ready: no worker alive"
    )
    assert check["status"] == "no_workers" and check["redis"] == "ok" and check["queued"] == 1

    stack.start_worker("worker-2")
    done = wait_ready_document(b, document_id, timeout=600)
    FIGURES["killed_worker_job_ready_s"] = round(time.monotonic() - killed_at, 1)
    assert done["chunks"] == expected
    assert document(a, document_id)["chunks"] == expected  # the other API process sees it too
    assert sql_chunk_count(stack, document_id) == expected
    assert chunk_counts(stack, collection_id) and all(
        n == expected for n in chunk_counts(stack, collection_id)
    )
    job = get(f"{a.url}/api/jobs/{item['job_id']}").json()
    assert job["status"] == "ready" and job["attempts"] == 2
    wait_until(lambda: jobs_check(a)["workers"] == 1, 60, "/api/ready: the new worker alive")


def test_extractive_load_on_one_and_two_api_processes(stack):
    a, b = stack.apis
    FIGURES["api_rss_mb"] = round(max(rss_mb(p) for p in a.pids()), 1)
    one = load([a.url], STATE["collection"], LOAD_SECONDS)
    two = load([a.url, b.url], STATE["collection"], LOAD_SECONDS)
    FIGURES["extractive_ask_1_process"] = one
    FIGURES["extractive_ask_2_processes"] = two
    for run in (one, two):
        assert not [s for s in run["statuses"] if s == 0 or s >= 500], run


def test_everything_restarts_with_all_state(stack, fake_groq_url):
    a = stack.apis[0]
    # The admin token lists every student's conversations.
    conversations = get(f"{a.url}/api/conversations", params={"limit": 100}, headers=AUTH).json()
    assert conversations["items"]
    stack.stop_all()
    assert stack.chroma is not None
    stack.chroma.stop()
    stack.start_chroma()
    # From here on the API processes answer with an LLM (the fake Groq server).
    llm = {"GROQ_API_KEY": "integration", "GROQ_BASE_URL": fake_groq_url}
    a, b = stack.start_api("api-a", **llm), stack.start_api("api-b", **llm)
    stack.start_worker()
    stack.wait_ready(a, b)
    collections = {c["name"] for c in get(f"{b.url}/api/collections").json()["items"]}
    assert {"Biologia — integração", "Referência", "Interrompida"} <= collections
    assert document(b, STATE["document"])["status"] == "ready"
    again = get(f"{b.url}/api/conversations", params={"limit": 100}, headers=AUTH).json()
    assert [c["id"] for c in again["items"]] == [c["id"] for c in conversations["items"]]
    hits = post(
        f"{b.url}/api/search",
        json={"question": "seleção natural", "collection_id": STATE["collection"]},
    ).json()["results"]
    assert hits and hits[0]["document_id"] == STATE["document"]
    original = get(f"{a.url}/api/documents/{STATE['document']}/file")
    assert original.status_code == 200 and original.content.startswith(b"%PDF")


def test_vector_store_down_then_back_without_restart(stack):
    a, b = stack.apis
    conversations_before = get(
        f"{a.url}/api/conversations", params={"limit": 100}, headers=AUTH
    ).json()
    assert stack.chroma is not None
    stack.chroma.stop()
    ready = get(f"{a.url}/api/ready")
    assert ready.status_code == 503
    assert ready.json()["checks"]["vector_store"]["status"] == "error"
    refused = ask(b, STATE["collection"], "O que é evolução?")
    assert refused.status_code == 503, refused.text
    assert "unavailable" in refused.json()["error"]["message"].lower()
    after = get(f"{a.url}/api/conversations", params={"limit": 100}, headers=AUTH).json()
    assert after == conversations_before  # nothing half-done was stored
    stack.start_chroma()
    stack.wait_ready(a, b, timeout=60)
    assert ask(b, STATE["collection"], "O que é evolução?").status_code == 200


def test_a_student_is_the_same_on_both_api_processes(stack):
    a, b = stack.apis
    ana, bia = student(a), student(b)
    first = ask(b, STATE["collection"], "O que é evolução?", as_=ana)
    assert first.status_code == 200, first.text
    conversation_id = first.json()["conversation_id"]
    follow = ask(a, STATE["collection"], "E a deriva?", as_=ana, conversation_id=conversation_id)
    assert follow.status_code == 200 and follow.json()["conversation_id"] == conversation_id
    mine = get(f"{a.url}/api/conversations", headers=ana).json()["items"]
    assert [c["id"] for c in mine] == [conversation_id]
    for api in (a, b):
        assert get(f"{api.url}/api/conversations/{conversation_id}", headers=bia).status_code == 404
        intrusion = ask(api, STATE["collection"], "?", as_=bia, conversation_id=conversation_id)
        assert intrusion.status_code == 404, intrusion.text


def test_rate_limit_is_shared_by_both_api_processes(stack):
    a, b = stack.apis
    user = student(a)
    statuses = [
        ask((a, b)[n % 2], STATE["collection"], "O que é evolução?", as_=user)
        for n in range(ASK_LIMIT + 1)
    ]
    codes = [r.status_code for r in statuses]
    assert codes.count(429) == 1 and codes[-1] == 429, codes
    refused = statuses[-1]
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.json()["error"]["request_id"]


def test_generated_load_on_two_api_processes(stack):
    a, b = stack.apis
    run = load([a.url, b.url], STATE["collection"], LOAD_SECONDS)
    FIGURES["generated_ask_2_processes_fake_groq"] = run
    assert not [s for s in run["statuses"] if s == 0 or s >= 500], run
