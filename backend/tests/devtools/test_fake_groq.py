"""The fake Groq server, driven by the real ``ChatGroq`` / ``groq`` client over HTTP."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import groq
import httpx
import pytest
from langchain_groq import ChatGroq

from chatgepeto.devtools.fake_groq import (
    NO_ANSWER,
    CutStream,
    Error,
    FakeGroq,
    Hang,
    Malformed,
    Reply,
    derive_answer,
)

MODEL = "llama-3.3-70b-versatile"
PROMPT = (
    "Answer only from the passages and cite them as [n].\n"
    "<passages>\n"
    "[1] (biology.pdf, p. 3)\n"
    "Cells divide by mitosis. Each daughter cell gets a copy.\n"
    "\n"
    "[2] (biology.pdf, p. 4)\n"
    "DNA is copied first! Then the cell splits.\n"
    "</passages>\n"
    "Question: How do cells divide?"
)
ANSWER = "Cells divide by mitosis. [1] DNA is copied first! [2]"
# the fake counts words as tokens: prompt words in, answer words out
USAGE = {"input_tokens": 43, "output_tokens": 10, "total_tokens": 53}


@pytest.fixture
def fake() -> Iterator[FakeGroq]:
    with FakeGroq() as server:
        yield server


def chat(fake: FakeGroq, **kwargs: Any) -> ChatGroq:
    return ChatGroq(
        base_url=fake.base_url, api_key="test", model=MODEL, **{"max_retries": 0, **kwargs}
    )


def test_invoke_gets_the_derived_answer_with_citations(fake: FakeGroq) -> None:
    assert len(PROMPT.split()) == USAGE["input_tokens"]
    message = chat(fake).invoke(PROMPT)

    assert message.content == ANSWER
    assert message.usage_metadata == USAGE
    assert message.response_metadata["finish_reason"] == "stop"
    assert fake.calls == 1
    body = fake.last_request
    assert body["model"] == MODEL
    assert body["stream"] is False
    assert body["messages"] == [{"role": "user", "content": PROMPT}]


def test_stream_sends_word_tokens_then_usage_in_x_groq(fake: FakeGroq) -> None:
    chunks = list(chat(fake).stream(PROMPT))

    contents = [c.content for c in chunks]
    assert contents[0] == ""  # Groq's first chunk carries only the assistant role
    words = ["Cells", " divide", " by", " mitosis.", " [1]"]
    words += [" DNA", " is", " copied", " first!", " [2]"]
    assert [c for c in contents if c] == words
    whole = sum(chunks[1:], chunks[0])
    assert whole.content == ANSWER
    assert whole.usage_metadata == USAGE
    assert whole.response_metadata["finish_reason"] == "stop"
    assert fake.last_request["stream"] is True


def test_raw_sse_wire_format(fake: FakeGroq) -> None:
    body = {"model": MODEL, "stream": True, "messages": [{"role": "user", "content": "Hi"}]}
    response = httpx.post(
        f"{fake.base_url}/openai/v1/chat/completions",
        json=body,
        headers={"Authorization": "Bearer test"},
    )

    assert response.headers["content-type"] == "text/event-stream"
    events = response.text.split("\n\n")
    assert events[-2:] == ["data: [DONE]", ""]
    chunks = [json.loads(e.removeprefix("data: ")) for e in events[:-2]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    last = chunks[-1]
    assert last["choices"][0] == {
        "index": 0,
        "delta": {},
        "logprobs": None,
        "finish_reason": "stop",
    }
    usage = last["x_groq"]["usage"]
    assert (usage["prompt_tokens"], usage["completion_tokens"], usage["total_tokens"]) == (1, 7, 8)
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert text == NO_ANSWER


def test_scripted_reply_text_and_usage(fake: FakeGroq) -> None:
    fake.script(Reply(text="Scripted answer.", usage={"prompt_tokens": 100}))

    first = chat(fake).invoke(PROMPT)
    second = chat(fake).invoke(PROMPT)

    assert first.content == "Scripted answer."
    assert first.usage_metadata == {"input_tokens": 100, "output_tokens": 2, "total_tokens": 102}
    assert second.content == ANSWER  # queue empty: default behaviour again
    assert fake.pending == 0


def test_reply_text_from_the_messages_and_split_into_fixed_pieces(fake: FakeGroq) -> None:
    echo = Reply(text=lambda messages: messages[0]["content"], chunk_chars=4)
    fake.script(echo, echo)

    assert chat(fake).invoke([("system", "Secret rules."), ("human", "Hi")]).content == (
        "Secret rules."
    )
    pieces = [c.content for c in chat(fake).stream([("system", "Secret rules."), ("human", "Hi")])]
    assert [p for p in pieces if p] == ["Secr", "et r", "ules", "."]


def test_default_behaviour_can_be_an_error() -> None:
    with FakeGroq(default=Error(503)) as fake, pytest.raises(groq.InternalServerError):
        chat(fake).invoke(PROMPT)


@pytest.mark.parametrize("mode", ["invoke", "stream"])
def test_429_raises_rate_limit_error(fake: FakeGroq, mode: str) -> None:
    fake.script(Error(429, retry_after=1))
    llm = chat(fake)

    with pytest.raises(groq.RateLimitError) as caught:
        llm.invoke(PROMPT) if mode == "invoke" else list(llm.stream(PROMPT))

    assert caught.value.status_code == 429
    assert caught.value.response.headers["retry-after"] == "1"
    assert caught.value.body["error"]["code"] == "rate_limit_exceeded"
    assert fake.calls == 1


def test_429_is_retried_after_retry_after(fake: FakeGroq) -> None:
    fake.script(Error(429, retry_after=0.05), Reply(text="Second time lucky."))

    message = chat(fake, max_retries=1).invoke(PROMPT)

    assert message.content == "Second time lucky."
    assert fake.calls == 2
    assert fake.requests[0] == fake.requests[1]


def test_498_is_a_plain_status_error_and_not_retried(fake: FakeGroq) -> None:
    fake.script(Error(498))

    with pytest.raises(groq.APIStatusError) as caught:
        chat(fake, max_retries=2).invoke(PROMPT)

    assert caught.value.status_code == 498
    assert not isinstance(caught.value, groq.InternalServerError | groq.RateLimitError)
    assert fake.calls == 1


@pytest.mark.parametrize("mode", ["invoke", "stream"])
def test_500_raises_internal_server_error(fake: FakeGroq, mode: str) -> None:
    fake.script(Error(500))
    llm = chat(fake)

    with pytest.raises(groq.InternalServerError):
        llm.invoke(PROMPT) if mode == "invoke" else list(llm.stream(PROMPT))


def test_cut_stream_raises_during_iteration_after_k_tokens(fake: FakeGroq) -> None:
    fake.script(CutStream(after_tokens=3))
    received: list[str] = []

    with pytest.raises(httpx.RemoteProtocolError):
        for chunk in chat(fake).stream(PROMPT):
            received.append(chunk.content)

    assert "".join(received) == "Cells divide by"


def test_cut_non_streaming_response_is_a_connection_error(fake: FakeGroq) -> None:
    fake.script(CutStream())

    with pytest.raises(groq.APIConnectionError):
        chat(fake).invoke(PROMPT)


@pytest.mark.parametrize("mode", ["invoke", "stream"])
def test_malformed_body_raises_json_error(fake: FakeGroq, mode: str) -> None:
    fake.script(Malformed())
    llm = chat(fake)

    with pytest.raises(json.JSONDecodeError):
        llm.invoke(PROMPT) if mode == "invoke" else list(llm.stream(PROMPT))


def test_hang_with_client_timeout_raises_timeout_and_stops_fast() -> None:
    fake = FakeGroq().start()
    fake.script(Hang(30))
    with pytest.raises(groq.APITimeoutError):
        chat(fake, timeout=0.3).invoke(PROMPT)
    started = time.monotonic()
    fake.stop()  # wakes the hanging request thread
    assert time.monotonic() - started < 2


def test_slow_first_token_times_out_while_streaming(fake: FakeGroq) -> None:
    fake.script(Reply(delay_first=5))

    with pytest.raises(httpx.ReadTimeout):
        list(chat(fake, timeout=0.3).stream(PROMPT))


def test_concurrent_streams_are_served_in_parallel(fake: FakeGroq) -> None:
    fake.default = Reply(delay_between=0.1)  # 10 tokens: about 0.9 s per stream
    results: list[str] = []

    def run() -> None:
        results.append("".join(c.content for c in chat(fake).stream(PROMPT)))

    threads = [threading.Thread(target=run) for _ in range(3)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == [ANSWER] * 3
    assert 0.9 < time.monotonic() - started < 1.8  # one after another: 2.7 s


def test_models_endpoint_and_auth(fake: FakeGroq) -> None:
    client = groq.Groq(base_url=fake.base_url, api_key="test", max_retries=0)
    assert MODEL in [m.id for m in client.models.list().data]

    response = httpx.post(f"{fake.base_url}/openai/v1/chat/completions", json={})
    assert response.status_code == 401
    assert fake.requests == []


# ------------------------------------------------------------------ derived-answer rules


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "system", "content": "You are a study assistant."}, user_msg(text)]


def user_msg(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def test_no_passages_means_no_answer() -> None:
    assert derive_answer(user("What is mitosis?")) == NO_ANSWER
    assert derive_answer(user("<passages>\n</passages>\nWhat is mitosis?")) == NO_ANSWER


def test_single_passage_and_liberal_parsing() -> None:
    text = "<passages>\n  [3] (notes.docx) Osmosis moves water.   More text.\n</passages>"
    assert derive_answer(user(text)) == "Osmosis moves water. [3]"
    # no closing tag, content given as OpenAI-style parts
    parts = [{"type": "text", "text": "<passages>\n[1] (a.pdf, p. 1)\nA fact\n"}]
    assert derive_answer([{"role": "user", "content": parts}]) == "A fact [1]"


def test_passage_elements_are_read_and_unescaped() -> None:
    text = (
        '<passages>\n<passage n="1" source="a.pdf, p. 1">\nCells &lt;b&gt; divide &amp; grow.'
        ' More.\n[7] (fake.pdf) Forged.\n</passage>\n\n<passage n="2" source="b.md">\n'
        "DNA copies.\n</passage>\n</passages>\n\n<question>\nHow?\n</question>"
    )
    assert derive_answer(user(text)) == "Cells <b> divide & grow. [1] DNA copies. [2]"


def test_passages_in_system_message_are_found() -> None:
    messages = [{"role": "system", "content": PROMPT}, user_msg("How do cells divide?")]
    assert derive_answer(messages) == ANSWER


def test_standalone_rewrite_returns_the_follow_up_question() -> None:
    system = {"role": "system", "content": "Rewrite the follow-up as a standalone question."}
    with_marker = user_msg("Chat history:\nuser: mitosis?\nFollow-up question: And meiosis?\n")
    on_next_line = user_msg("Follow-up question:\n\n  What about plants?\nStandalone question:")
    assert derive_answer([system, with_marker]) == "And meiosis?"
    assert derive_answer([system, on_next_line]) == "What about plants?"
    assert derive_answer([system, user_msg("  What is ATP? ")]) == "What is ATP?"


STUDY_HUMAN = (
    '<passages>\n<passage n="1" source="bio.pdf, p. 2">\nSeleção natural\n\nA seleção natural '
    "ocorre quando indivíduos com variações favoráveis deixam mais descendentes. Outra frase."
    '\n</passage>\n\n<passage n="2" source="bio.pdf, p. 3">\nA deriva genética muda as '
    "frequências &lt;alélicas&gt; ao acaso.\n</passage>\n\n"
    '<passage n="3" source="bio.pdf, p. 4">\nA mutação cria variação nova nos genes.\n</passage>'
    "\n</passages>\n\nWrite the {count} questions now, as JSON."
)


def study(kind: str, count: int = 3, language: str = "Brazilian Portuguese") -> list[dict]:
    system = {"role": "system", "content": f"[chatgepeto-study:{kind}]\nWrite in {language}."}
    messages = [system, user_msg(STUDY_HUMAN.format(count=count))]
    return json.loads(derive_answer(messages))["items"]


def test_study_quiz_request_gets_json_built_from_its_passages() -> None:
    items = study("quiz")
    assert [item["type"] for item in items] == ["mcq", "mcq", "short"]
    first = items[0]
    sentence = (
        "A seleção natural ocorre quando indivíduos com variações favoráveis deixam mais "
        "descendentes."
    )
    assert first["passage"] == 1 and first["quote"] == sentence
    assert first["choices"][first["correct"]] == first["answer"] == sentence
    assert len(set(first["choices"])) == 4 and first["question"].startswith("Qual afirmação")
    # Passages are unescaped, as they were before the prompt escaped them.
    assert items[1]["quote"] == "A deriva genética muda as frequências <alélicas> ao acaso."
    assert items[2]["choices"] == [] and items[2]["answer"] == items[2]["quote"]


def test_study_request_count_and_language() -> None:
    assert len(study("quiz", count=1)) == 1
    english = study("quiz", count=1, language="English")
    assert english[0]["question"].startswith("Which statement")
    assert "The material does not cover this." in english[0]["choices"]


def test_study_cards_and_guide_requests() -> None:
    cards = study("cards")
    assert cards[0]["term"] == "Seleção natural"  # the passage's heading
    assert cards[1]["term"] == "frequências"  # else its longest word
    assert all(card["definition"] == card["quote"] for card in cards)
    guide = study("guide")
    assert guide[0]["title"] == "Seleção natural"
    assert guide[2]["title"] == "A mutação cria variação nova nos"
    assert guide[1]["sources"] == [{"passage": 2, "quote": guide[1]["summary"]}]


def test_study_request_through_the_real_client(fake: FakeGroq) -> None:
    system = "[chatgepeto-study:cards]\nWrite in English."
    reply = chat(fake).invoke([("system", system), ("human", STUDY_HUMAN.format(count=2))])
    assert [card["term"] for card in json.loads(reply.content)["items"]] == [
        "Seleção natural",
        "frequências",
    ]


def test_tutor_request_gets_a_hint_in_the_questions_language() -> None:
    system = {"role": "system", "content": "You are ChatGepeto in tutor mode."}
    passages = PROMPT.split("Question:")[0]
    english = user_msg(f"{passages}\n<question>\nHow do cells divide?\n</question>")
    portuguese = user_msg(f"{passages}\n<question>\nComo as células se dividem?\n</question>")
    assert derive_answer([system, english]) == (
        "Hint: reread passage [1], which begins “Cells divide by mitosis. Each daughter…”. "
        "What does it say about your question? Ask for the full answer when you are ready."
    )
    assert derive_answer([system, portuguese]).startswith("Dica: releia o trecho [1]")
    # Without passages, or without the tutor prompt, the usual answers.
    assert derive_answer([system, user_msg("<passages>\n</passages>")]) == NO_ANSWER
    assert derive_answer([english]) == ANSWER
