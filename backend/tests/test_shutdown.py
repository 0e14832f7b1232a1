"""Graceful shutdown of `chatgepeto serve`, for real: gunicorn, SIGTERM, a streamed answer.

A container is stopped with SIGTERM, then killed after its grace period. The API must let the
answers it is streaming finish (GRACEFUL_TIMEOUT), refuse new connections meanwhile (so a
load balancer or proxy tries another replica at once) and exit 0 before the grace ends.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import threading
import time

import httpx
import pytest

from chatgepeto.devtools.fake_groq import FakeGroq, Reply

from conftest import AUTH, BIOLOGY_PAGES, SSE, free_port, parse_sse
from utils.documents import make_pdf
from utils.servers import serve_env, start_serve

GRACE = 20  # GRACEFUL_TIMEOUT given to the server, seconds
TOKEN_DELAY = 0.25  # seconds between streamed tokens: the answer takes ~6 s to stream
ANSWER = " ".join(
    [
        "A seleção natural ocorre quando indivíduos com variações favoráveis deixam mais "
        "descendentes [1]."
    ]
    * 2
)


def _wait(predicate, timeout: float, what: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert process.poll() is None, f"server exited while waiting for {what}"
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(0.2)


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/api/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _refused(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return False
    except ConnectionRefusedError:
        return True
    except OSError:  # a timeout: accepted by nobody, not refused
        return False


@pytest.fixture
def slow_groq():
    with FakeGroq(Reply(text=ANSWER, delay_between=TOKEN_DELAY)) as fake:
        yield fake


@pytest.fixture
def server(tmp_path, database_url, slow_groq):
    """`chatgepeto serve` as a process of its own, on a free port; killed if still up."""
    port = free_port()
    env = serve_env(
        tmp_path,
        port,
        database_url,
        GROQ_API_KEY="test-key",
        GROQ_BASE_URL=slow_groq.base_url,
        EMBEDDING_MODEL="multilingual",
        GRACEFUL_TIMEOUT=str(GRACE),
        WORKERS="1",
    )
    process, log_path = start_serve(tmp_path, env)
    try:
        yield process, port
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        if process.returncode not in (0, None):
            print(log_path.read_text(errors="replace")[-4000:])


def test_sigterm_lets_a_streamed_answer_finish_and_refuses_new_connections(server, tmp_path):
    process, port = server
    base = f"http://127.0.0.1:{port}"
    _wait(lambda: _healthy(base), 90, "health", process)

    collection = httpx.post(f"{base}/api/collections", json={"name": "Bio"}, headers=AUTH)
    assert collection.status_code == 201, collection.text
    collection_id = collection.json()["id"]
    pdf = make_pdf(tmp_path / "biologia.pdf", BIOLOGY_PAGES).read_bytes()
    uploaded = httpx.post(
        f"{base}/api/collections/{collection_id}/documents",
        files={"files": ("biologia.pdf", pdf, "application/pdf")},
        headers=AUTH,
        timeout=30,
    )
    assert uploaded.status_code == 202, uploaded.text
    document_url = f"{base}/api/documents/{uploaded.json()['items'][0]['id']}"
    # The embedding model loads in this fresh process first: allow for it.
    _wait(
        lambda: httpx.get(document_url, timeout=5).json()["status"] in ("ready", "failed"),
        120,
        "ingestion",
        process,
    )
    assert httpx.get(document_url).json()["status"] == "ready"

    first_token = threading.Event()
    stream: dict[str, object] = {}

    def ask() -> None:
        try:
            with httpx.stream(
                "POST",
                f"{base}/api/ask",
                json={"question": "O que é seleção natural?", "collection_id": collection_id},
                headers=SSE,
                timeout=httpx.Timeout(10, read=30),
            ) as response:
                stream["status"] = response.status_code
                body = ""
                for chunk in response.iter_text():
                    body += chunk
                    if '"text-delta"' in body:
                        first_token.set()
                stream["body"] = body
                stream["ended"] = time.monotonic()
        except Exception as exc:  # reported by the assertions below
            stream["error"] = repr(exc)
        finally:
            first_token.set()

    asker = threading.Thread(target=ask, daemon=True)
    asker.start()
    assert first_token.wait(60), "no token streamed within 60 s"
    assert "error" not in stream, stream.get("error")

    process.send_signal(signal.SIGTERM)
    signalled = time.monotonic()

    # New connections are refused at once (not left waiting in the listen backlog)...
    _deadline = signalled + 5
    while not _refused(port):
        assert time.monotonic() < _deadline, "new connections still accepted 5 s after SIGTERM"
        time.sleep(0.1)
    refused_at = time.monotonic()
    # ...while the answer is still streaming.
    assert "ended" not in stream, "the answer ended before the listener closed: too fast to tell"

    asker.join(GRACE + 5)
    assert not asker.is_alive(), "the stream did not end"
    assert "error" not in stream, stream.get("error")
    assert stream["status"] == 200
    parts = parse_sse(str(stream["body"]))
    assert parts[-1] == "[DONE]"
    assert any(isinstance(p, dict) and p["type"] == "finish" for p in parts), parts[-3:]
    assert not any(isinstance(p, dict) and p["type"] == "error" for p in parts), parts
    text = "".join(p["delta"] for p in parts if isinstance(p, dict) and p["type"] == "text-delta")
    assert text.strip() == ANSWER
    assert float(stream["ended"]) > refused_at

    returncode = process.wait(timeout=GRACE + 5)
    exited = time.monotonic() - signalled
    assert returncode == 0
    assert exited < GRACE, f"exited {exited:.1f} s after SIGTERM (grace {GRACE} s)"
