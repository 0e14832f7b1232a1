"""PRELOAD_MODELS: gunicorn's master loads the models that survive a fork, the workers share them.

A real `chatgepeto serve` with two workers on a Chroma server: the workers answer searches
correctly and concurrently, a worker killed with SIGKILL is replaced by one that answers too,
the master never loads ONNX Runtime (a child forked after its import hangs or aborts when it
exits), and SIGTERM stops everything cleanly with status 0.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from chatgepeto.settings import Settings
from test_shutdown import _healthy, _wait

from conftest import AUTH, BIOLOGY_PAGES, free_port, start_chroma_server
from utils.documents import make_pdf
from utils.servers import serve_env, start_serve

GRACE = 20


def mapped(pid: int, library: str) -> bool:
    return library in Path(f"/proc/{pid}/maps").read_text()


def workers_of(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def test_preloading_needs_single_threaded_encoders():
    with pytest.raises(ValueError, match="EMBEDDING_THREADS=1"):
        Settings(_env_file=None, preload_models=True, embedding_threads=2)
    assert Settings(_env_file=None, preload_models=True, embedding_threads=0).server.preload_models


def test_what_is_loaded_before_the_fork_leaves_onnx_runtime_out():
    script = (
        "import sys\n"
        "from chatgepeto.services import load_models_before_fork\n"
        "from chatgepeto.settings import Settings\n"
        "models = load_models_before_fork(Settings(_env_file=None))\n"
        "print(sorted(models), 'onnxruntime' in sys.modules,"
        " 'sentence_transformers' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "EMBEDDING_MODEL": "multilingual,minilm", "HF_HUB_OFFLINE": "1"},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split("\n")[-2] == "['multilingual'] False True"


@pytest.fixture
def chroma(tmp_path):
    (tmp_path / "chroma-server").mkdir()
    yield from start_chroma_server(tmp_path / "chroma-server")


@pytest.fixture
def preloaded_server(tmp_path, database_url, chroma):
    port = free_port()
    env = serve_env(
        tmp_path,
        port,
        database_url,
        CHROMA_HOST=chroma[0],
        CHROMA_PORT=str(chroma[1]),
        EMBEDDING_MODEL="multilingual,minilm",
        WORKERS="2",
        PRELOAD_MODELS="true",
        GRACEFUL_TIMEOUT=str(GRACE),
        RATELIMIT_ENABLED="false",
    )
    process, log_path = start_serve(tmp_path, env)
    try:
        yield process, port, log_path
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        if process.returncode not in (0, None):
            print(log_path.read_text(errors="replace")[-4000:])


def search_pages(base: str, collection_id: str, n: int) -> list[int]:
    """The top page of `n` searches sent from 4 clients at once."""

    def one(_: int) -> int:
        response = httpx.post(
            f"{base}/api/search",
            json={"question": "o que é deriva genética?", "collection_id": collection_id},
            timeout=60,
        )
        assert response.status_code == 200, response.text
        return response.json()["results"][0]["page"]

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(one, range(n)))


def test_preloaded_workers_answer_are_replaced_and_stop_cleanly(preloaded_server, tmp_path):
    process, port, log_path = preloaded_server
    base = f"http://127.0.0.1:{port}"
    _wait(lambda: _healthy(base), 180, "health", process)
    assert not mapped(process.pid, "onnxruntime")  # the master never imported it
    first = workers_of(process.pid)
    assert len(first) == 2

    collection_id = httpx.post(
        f"{base}/api/collections", json={"name": "Bio"}, headers=AUTH
    ).json()["id"]
    pdf = make_pdf(tmp_path / "biologia.pdf", BIOLOGY_PAGES).read_bytes()
    uploaded = httpx.post(
        f"{base}/api/collections/{collection_id}/documents",
        files={"files": ("biologia.pdf", pdf, "application/pdf")},
        headers=AUTH,
        timeout=30,
    )
    document_url = f"{base}/api/documents/{uploaded.json()['items'][0]['id']}"
    _wait(
        lambda: httpx.get(document_url, timeout=5).json()["status"] in ("ready", "failed"),
        120,
        "ingestion",
        process,
    )
    assert httpx.get(document_url).json()["status"] == "ready"

    assert set(search_pages(base, collection_id, 60)) == {3}
    assert all(mapped(pid, "onnxruntime") for pid in first)  # each loaded MiniLM itself

    # A worker killed outright: gunicorn forks a new one from the master, models included.
    os.kill(first[0], signal.SIGKILL)
    _wait(
        lambda: len(set(workers_of(process.pid)) - set(first)) == 1,
        60,
        "a new worker",
        process,
    )
    assert set(search_pages(base, collection_id, 40)) == {3}

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=GRACE + 10) == 0
    log = log_path.read_text(errors="replace")
    stopping = log.split("Handling signal: term")[-1]  # the SIGKILL above is logged too
    assert "Traceback" not in log, log[-3000:]
    for trouble in ("SIGABRT", "was sent SIGKILL", "terminate called"):
        assert trouble not in stopping, stopping
