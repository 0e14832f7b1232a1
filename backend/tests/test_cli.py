"""The command line: ingest, ask, eval beir, and serve (a real gunicorn process)."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from chatgepeto.cli import main

from conftest import BIOLOGY_PAGES, free_port
from utils.documents import make_corrupt_pdf, make_pdf


@pytest.fixture
def cli_env(tmp_path, monkeypatch, database_url):
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("GROQ_API_KEY", "")
    monkeypatch.setenv("CHROMA_HOST", "")
    monkeypatch.setenv("EMBEDDING_MODEL", "multilingual")
    monkeypatch.chdir(tmp_path)  # no stray .env
    return tmp_path


def test_ingest_then_ask(cli_env):
    folder = cli_env / "aulas"
    folder.mkdir()
    make_pdf(folder / "biologia.pdf", BIOLOGY_PAGES)
    (folder / "notas.md").write_text("# Mendel\n\nMendel estudou ervilhas.", encoding="utf-8")
    make_corrupt_pdf(folder / "quebrado.pdf")
    runner = CliRunner()
    result = runner.invoke(main, ["ingest", str(folder), "--collection", "Biologia"])
    assert result.exit_code == 1  # one file failed
    assert "✓ biologia.pdf: 3 pages" in result.output
    assert "✓ notas.md" in result.output
    assert "✗ quebrado.pdf" in result.output

    again = runner.invoke(
        main, ["ingest", str(folder / "biologia.pdf"), "--collection", "Biologia"]
    )
    assert again.exit_code == 0 and "already in the collection" in again.output

    answer = runner.invoke(
        main, ["ask", "O que é deriva genética?", "--collection", "Biologia", "--json"]
    )
    assert answer.exit_code == 0, answer.output
    body = json.loads(answer.output)
    assert body["mode"] == "extractive" and body["citations"][0]["page"] == 3

    missing = runner.invoke(main, ["ask", "x", "--collection", "Nada"])
    assert missing.exit_code != 0 and "No collection named 'Nada'" in missing.output


def test_eval_beir_prints_metrics_as_json(cli_env):
    data = cli_env / "beir"
    data.mkdir()
    corpus = [
        {
            "_id": "d1",
            "title": "Natural selection",
            "text": "Organisms with favourable traits leave more offspring.",
        },
        {
            "_id": "d2",
            "title": "Genetic drift",
            "text": "Random changes of allele frequencies in small populations.",
        },
        {"_id": "d3", "title": "Photosynthesis", "text": "Plants turn light into chemical energy."},
    ]
    (data / "corpus.jsonl").write_text("\n".join(json.dumps(d) for d in corpus))
    queries = [
        {"_id": "q1", "text": "random allele frequency change"},
        {"_id": "q2", "text": "light energy in plants"},
    ]
    (data / "queries.jsonl").write_text("\n".join(json.dumps(q) for q in queries))
    (data / "qrels.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td2\t1\nq2\td3\t1\n")
    for retriever in ("bm25", "dense", "hybrid"):
        result = CliRunner().invoke(
            main,
            [
                "eval",
                "beir",
                "--corpus",
                str(data / "corpus.jsonl"),
                "--queries",
                str(data / "queries.jsonl"),
                "--qrels",
                str(data / "qrels.tsv"),
                "--retriever",
                retriever,
                "--json",
            ],
        )
        assert result.exit_code == 0, result.output
        figures = json.loads(result.output.strip().splitlines()[-1])
        assert set(figures) >= {
            "ndcg@10",
            "recall@10",
            "recall@100",
            "mrr@10",
            "queries",
            "seconds",
        }
        assert figures["queries"] == 2
        assert figures["ndcg@10"] == 1.0, (retriever, figures)


def test_serve_runs_gunicorn_and_prints_the_token(tmp_path, database_url):
    port = free_port()
    env = {
        **os.environ,
        "DATA_DIR": str(tmp_path / "data"),
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "ADMIN_TOKEN": "",
        "GROQ_API_KEY": "",
        "DATABASE_URL": database_url,
        "CHROMA_HOST": "",
        "WORKERS": "3",
        "EMBEDDING_MODEL": "multilingual",
    }
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "chatgepeto"), "serve"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.3)
        token = (tmp_path / "data" / "admin_token").read_text().strip()
        response = httpx.post(
            f"http://127.0.0.1:{port}/api/collections",
            json={"name": "Bio"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 201
    finally:
        process.terminate()
        out, err = process.communicate(timeout=30)
    assert f"Admin token (kept in {tmp_path / 'data' / 'admin_token'}): {token}" in out
    assert "serving with 1 worker" in err
    assert "Using worker: chatgepeto.server.GracefulThreadWorker" in err  # gthread


def test_fake_groq_command_serves_chat_completions(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "chatgepeto"),
            "fake-groq",
            "--port",
            str(port),
            "--delay-first",
            "0",
            "--delay-between",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        body = {
            "model": "m",
            "messages": [
                {
                    "role": "user",
                    "content": "<passages>\n[1] (a.pdf, p. 1)\nCells divide.\n</passages>",
                }
            ],
        }
        while True:
            try:
                response = httpx.post(
                    f"http://127.0.0.1:{port}/openai/v1/chat/completions",
                    json=body,
                    headers={"Authorization": "Bearer x"},
                    timeout=2,
                )
                break
            except httpx.HTTPError:
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
        assert response.status_code == 200
        assert response.json()["choices"][0]["message"]["content"] == "Cells divide. [1]"
    finally:
        process.terminate()
        process.communicate(timeout=10)


def test_fake_groq_command_can_reply_a_fixed_text():
    port = free_port()
    reply = "<script>x</script> ![p](https://evil.example/p.png) [1]"
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "chatgepeto"),
            "fake-groq",
            "--port",
            str(port),
            "--delay-first",
            "0",
            "--reply",
            reply,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        body = {"model": "m", "messages": [{"role": "user", "content": "<passages></passages>"}]}
        while True:
            try:
                response = httpx.post(
                    f"http://127.0.0.1:{port}/openai/v1/chat/completions",
                    json=body,
                    headers={"Authorization": "Bearer x"},
                    timeout=2,
                )
                break
            except httpx.HTTPError:
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
        assert response.json()["choices"][0]["message"]["content"] == reply
    finally:
        process.terminate()
        process.communicate(timeout=10)
