"""Benchmark: what the backend adds to time-to-first-token, and the wait when Groq is down.

Starts the fake Groq server (300 ms to the first token, 20 ms per token) and `chatgepeto serve`
pointed at it, ingests one course PDF, then:
- measures time to the first token straight from the fake (the floor), and through
  `POST /api/ask` streamed (retrieval, prompt, LangChain, SSE), over N asks;
- makes the fake answer 500 and times asks while the breaker is closed (retries, then the
  extractive answer) and once it is open (fails fast, extractive at once).
The last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import time
from pathlib import Path

import httpx
from common import percentile, running_server

from chatgepeto.devtools.fake_groq import Error, FakeGroq, Reply

HERE = Path(__file__).parent
FIRST, BETWEEN = 0.3, 0.02


def summary(values: list[float]) -> dict[str, float]:
    return {
        "median_ms": round(statistics.median(values), 1),
        "p95_ms": round(percentile(values, 0.95), 1),
    }


def direct_ttft(base: str) -> float:
    body = {
        "model": "llama-3.3-70b-versatile",
        "stream": True,
        "messages": [
            {"role": "user", "content": "<passages>\n[1] (a.pdf, p. 1)\nA b c.\n</passages>"}
        ],
    }
    started = time.perf_counter()
    with httpx.stream(
        "POST",
        f"{base}/openai/v1/chat/completions",
        json=body,
        headers={"Authorization": "Bearer x"},
        timeout=30,
    ) as response:
        for line in response.iter_lines():
            if (
                line.startswith("data: {")
                and '"content": "' in line
                and '"content": ""' not in line
            ):
                return (time.perf_counter() - started) * 1000
    raise RuntimeError("no token")


def app_ttft(client: httpx.Client, collection: str, question: str) -> float:
    """Time to the first text-delta of a streamed ask (the whole stream is read)."""
    started = time.perf_counter()
    first = None
    body = {"question": question, "collection_id": collection}
    headers = {"Accept": "text/event-stream"}
    with client.stream("POST", "/api/ask", json=body, headers=headers) as response:
        head = []  # the stream's first lines, to say what came instead of an answer
        for line in response.iter_lines():
            if len(head) < 3:
                head.append(line)
            if first is None and '"type": "text-delta"' in line:
                first = (time.perf_counter() - started) * 1000
    if first is None:
        raise RuntimeError(f"no text-delta: HTTP {response.status_code}, {head}")
    return first


def breaker_fail_fast(fake: FakeGroq, n: int = 200) -> dict[str, float]:
    """How long a call to a provider whose breaker is open takes (no network call)."""
    from chatgepeto.answering.providers import make_provider_chain
    from chatgepeto.settings import Settings

    settings = Settings(
        _env_file=None,
        groq_api_key="fake",
        groq_base_url=fake.base_url,
        llm_max_retries=0,
        breaker_fail_max=1,
        breaker_reset_seconds=600,
        redis_url="",
    )
    provider = make_provider_chain(settings).primary
    fake.default = Error(status=500)
    calls_before = fake.calls
    timings = []
    for _ in range(n + 1):
        started = time.perf_counter()
        with contextlib.suppress(Exception):  # CircuitBreakerError once open
            next(provider.stream(iter(["hello"])))
        timings.append((time.perf_counter() - started) * 1000)
    assert fake.calls == calls_before + 1, "an open breaker must not call out"
    fast = timings[1:]  # the first call failed for real and opened the breaker
    return {
        "median_ms": round(statistics.median(fast), 3),
        "p95_ms": round(percentile(fast, 0.95), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pdf", type=Path, required=True)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    questions = [
        json.loads(line)["question"]
        for line in (HERE / "qa_questions.jsonl").open()
        if "bio312" in line
    ]
    fake = FakeGroq(Reply(delay_first=FIRST, delay_between=BETWEEN)).start()
    env = {
        "ADMIN_TOKEN": "bench",
        "GROQ_API_KEY": "fake",
        "GROQ_BASE_URL": fake.base_url,
        "BREAKER_FAIL_MAX": "5",
        "BREAKER_RESET_SECONDS": "600",
        # 100 asks from one client in a minute: the per-student limit would answer 429.
        "RATELIMIT_ENABLED": "false",
    }
    try:
        with running_server(env) as base:
            report = run(base, fake, args.pdf, questions, args.requests)
    finally:
        fake.stop()
    print(json.dumps(report))


def run(base: str, fake: FakeGroq, pdf: Path, questions: list[str], n: int) -> dict:
    auth = {"Authorization": "Bearer bench"}
    client = httpx.Client(base_url=base, timeout=120)
    collection = client.post("/api/collections", json={"name": "bench"}, headers=auth).json()["id"]
    with pdf.open("rb") as fh:
        item = client.post(
            f"/api/collections/{collection}/documents",
            files={"files": (pdf.name, fh, "application/pdf")},
            headers=auth,
        ).json()
    document_id = item["items"][0]["id"]
    while client.get(f"/api/documents/{document_id}").json()["status"] not in ("ready", "failed"):
        time.sleep(0.2)

    floor = [direct_ttft(fake.base_url) for _ in range(20)]
    app_ttft(client, collection, questions[0])  # warm up
    through = [app_ttft(client, collection, questions[i % len(questions)]) for i in range(n)]
    overhead = [t - statistics.median(floor) for t in through]
    print(f"ttft direct {summary(floor)}, through the app {summary(through)}", file=sys.stderr)

    fake.default = Error(status=500)
    closed, opened = [], []
    for i in range(15):
        started = time.perf_counter()
        body = client.post(
            "/api/ask",
            json={"question": questions[i % len(questions)], "collection_id": collection},
        ).json()
        elapsed = (time.perf_counter() - started) * 1000
        assert body["mode"] == "extractive", body
        state = client.get("/api/ready").json()["checks"]["llm"]["providers"][0]["breaker"]
        (opened if state == "open" and closed else closed).append(elapsed)
    return {
        "breaker_open_fail_fast": breaker_fail_fast(fake),
        "fake_groq": {"first_token_ms": FIRST * 1000, "between_tokens_ms": BETWEEN * 1000},
        "ttft_direct": summary(floor),
        "ttft_through_app": summary(through),
        "ttft_overhead": summary(overhead),
        "groq_down_breaker_closed": summary(closed) | {"asks": len(closed)},
        "groq_down_breaker_open": summary(opened[1:]) | {"asks": len(opened) - 1},
    }


if __name__ == "__main__":
    main()
