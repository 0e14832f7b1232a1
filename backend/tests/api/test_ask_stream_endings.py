"""A provider's stream that ends early, however it ends, reaches the student as an error after
the text already sent, and the partial answer is kept, marked incomplete.

The provider here is `RawLLM`, a server on a bare socket (tests/utils/raw_llm.py), reached by
the real langchain-groq client through GROQ_BASE_URL: a connection closed cleanly without
`[DONE]`, half an SSE line, a stall past the read timeout, an error object mid-stream, a reset.
"""

from __future__ import annotations

import pytest

from conftest import SSE, collection_with, parse_sse
from utils.raw_llm import RawLLM

QUESTION = "O que é deriva genética?"
TOKENS = ["A deriva", " genética", " é"]


@pytest.fixture
def ask_through(make_app, make_settings, biology_pdf):
    def run(raw: RawLLM, *, stream: bool = True):
        settings = make_settings(
            groq_api_key="test-key",
            groq_base_url=raw.base_url,
            llm_max_retries=0,
            llm_stream_idle_timeout=0.5,
        )
        client = make_app(settings).test_client()
        collection_id = collection_with(client, ("bio.pdf", biology_pdf))
        response = client.post(
            "/api/ask",
            json={"question": QUESTION, "collection_id": collection_id},
            headers=SSE if stream else {},
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        return client, response

    return run


def _types(parts):
    return [p["type"] if isinstance(p, dict) else p for p in parts]


@pytest.mark.parametrize("ending", ["close", "half-line", "stall", "error", "reset"])
def test_an_early_end_is_an_error_after_the_text_sent(ask_through, ending):
    with RawLLM(TOKENS, ending=ending, stall_seconds=3.0) as raw:
        client, response = ask_through(raw)
        parts = parse_sse(response.get_data(as_text=True))
    types = _types(parts)
    assert types[0] == "start"
    assert "text-delta" in types and "error" in types, types
    assert "finish" not in types, types
    assert types.index("error") > max(i for i, t in enumerate(types) if t == "text-delta")
    deltas = [p for p in parts if isinstance(p, dict) and p["type"] == "text-delta"]
    streamed = "".join(p["delta"] for p in deltas)
    assert streamed == "".join(TOKENS)
    conversation_id = parts[0]["messageMetadata"]["conversation_id"]
    stored = client.get(f"/api/conversations/{conversation_id}").get_json()["messages"]
    assert [m["role"] for m in stored] == ["user", "assistant"]
    assert stored[1]["incomplete"] is True
    assert stored[1]["content"] == "".join(TOKENS)
    # Not retried after text was sent: the student would see the answer twice.
    assert raw.requests == 1


def test_a_proper_ending_is_a_finished_answer(ask_through):
    with RawLLM(TOKENS, ending="done") as raw:
        _, response = ask_through(raw)
        parts = parse_sse(response.get_data(as_text=True))
    types = _types(parts)
    assert "finish" in types and "error" not in types, types
    assert parts[types.index("finish")]["messageMetadata"]["incomplete"] is False


@pytest.mark.parametrize("ending", ["close", "half-line", "error"])
def test_the_whole_answer_at_once_is_marked_incomplete(ask_through, ending):
    with RawLLM(TOKENS, ending=ending) as raw:
        _, response = ask_through(raw, stream=False)
    body = response.get_json()
    assert body["mode"] == "generated"
    assert body["incomplete"] is True
    assert body["answer"] == "".join(TOKENS)


def test_a_clean_close_before_any_text_gives_the_extractive_answer(ask_through):
    with RawLLM([], ending="close") as raw:
        _, response = ask_through(raw, stream=False)
    body = response.get_json()
    assert body["mode"] == "extractive" and body["citations"]
    assert body["incomplete"] is False
