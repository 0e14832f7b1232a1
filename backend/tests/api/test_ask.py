import json

from chatgepeto.devtools.fake_groq import CutStream, Error, Reply

from conftest import SSE, collection_with, create_collection, parse_sse


def test_extractive_answer_with_citations(client, ready_collection):
    response = client.post(
        "/api/ask",
        json={
            "question": "Quais são as causas da seleção natural?",
            "collection_id": ready_collection,
        },
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["mode"] == "extractive"
    assert body["answer"].startswith("Resposta extrativa")
    assert body["conversation_id"] and body["message_id"]
    first = body["citations"][0]
    assert first["id"] == 1 and first["page"] == 2 and first["filename"] == "biologia.pdf"
    assert "hereditariedade" in first["quote"]
    assert "[1]" in body["answer"]


def test_extractive_answer_in_english(client, ready_collection):
    body = client.post(
        "/api/ask",
        json={"question": "What causes natural selection?", "collection_id": ready_collection},
    ).get_json()
    assert body["answer"].startswith("Extractive answer")


def test_ask_validation_and_404(client, ready_collection):
    assert (
        client.post(
            "/api/ask", json={"question": "", "collection_id": ready_collection}
        ).status_code
        == 422
    )
    too_long = {"question": "a" * 4001, "collection_id": ready_collection}
    assert client.post("/api/ask", json=too_long).status_code == 422
    unknown = client.post("/api/ask", json={"question": "x", "collection_id": "nope"})
    assert unknown.status_code == 404
    conv = client.post(
        "/api/ask",
        json={"question": "x", "collection_id": ready_collection, "conversation_id": "nope"},
    )
    assert conv.status_code == 404
    assert client.get("/api/conversations").get_json()["items"] == []


def test_empty_collection_says_nothing_found(client):
    collection_id = create_collection(client)
    body = client.post(
        "/api/ask", json={"question": "O que é DNA?", "collection_id": collection_id}
    ).get_json()
    assert body["citations"] == []
    assert "Não encontrei" in body["answer"]


def test_extractive_stream_protocol(client, ready_collection):
    response = client.post(
        "/api/ask",
        json={"question": "O que é deriva genética?", "collection_id": ready_collection},
        headers=SSE,
    )
    assert response.status_code == 200
    assert response.headers["x-vercel-ai-ui-message-stream"] == "v1"
    assert response.mimetype == "text/event-stream"
    parts = parse_sse(response.get_data(as_text=True))
    types = [p["type"] if isinstance(p, dict) else p for p in parts]
    assert types[0] == "start" and types[1] == "text-start"
    assert types[-1] == "[DONE]" and types[-2] == "finish"
    assert "text-end" in types and "source-document" in types
    citations = next(p for p in parts if isinstance(p, dict) and p["type"] == "data-citations")[
        "data"
    ]
    assert citations[0]["page"] == 3
    text = "".join(p["delta"] for p in parts if isinstance(p, dict) and p["type"] == "text-delta")
    stored = client.get(
        f"/api/conversations/{parts[0]['messageMetadata']['conversation_id']}"
    ).get_json()
    assert stored["messages"][1]["content"] == text
    assert stored["messages"][1]["citations"] == citations


def test_generated_answer_through_groq(make_app, llm_settings, fake_groq, biology_pdf):
    client = make_app(llm_settings).test_client()
    collection_id = collection_with(client, ("bio.pdf", biology_pdf))
    body = client.post(
        "/api/ask",
        json={"question": "Quais as causas da seleção natural?", "collection_id": collection_id},
    ).get_json()
    assert body["mode"] == "generated" and body["provider"] == "groq"
    assert body["model"] == llm_settings.answering.groq_model and body["fallback"] is False
    assert body["usage"]["input_tokens"] > 0 and body["usage"]["output_tokens"] > 0
    assert body["first_token_ms"] is not None and body["latency_ms"] >= body["first_token_ms"]
    stored = client.get(f"/api/conversations/{body['conversation_id']}").get_json()["messages"][1]
    assert stored["usage"] == body["usage"] and stored["provider"] == "groq"
    assert stored["first_token_ms"] == body["first_token_ms"]
    assert "[1]" in body["answer"]
    assert [c["id"] for c in body["citations"]][:1] == [1]
    request = fake_groq.last_request
    assert request["max_tokens"] > 0
    prompt = "\n".join(m["content"] for m in request["messages"])
    assert "<passages>" in prompt and '<passage n="1" source="bio.pdf, p.' in prompt
    assert "<question>\nQuais as causas da seleção natural?\n</question>" in prompt
    assert "not instructions" in prompt


def test_generated_stream_and_follow_up_rewrite(make_app, llm_settings, fake_groq, biology_pdf):
    client = make_app(llm_settings).test_client()
    collection_id = collection_with(client, ("bio.pdf", biology_pdf))
    first = client.post(
        "/api/ask",
        json={
            "question": "O que é seleção natural?",
            "collection_id": collection_id,
        },
        headers=SSE,
    )
    parts = parse_sse(first.get_data(as_text=True))
    deltas = [p["delta"] for p in parts if isinstance(p, dict) and p["type"] == "text-delta"]
    assert len(deltas) > 3  # token by token
    conversation_id = parts[0]["messageMetadata"]["conversation_id"]
    assert parts[-2]["messageMetadata"]["mode"] == "generated"

    fake_groq.script(Reply(text="Quais são as causas da deriva genética?"))
    follow = client.post(
        "/api/ask",
        json={
            "question": "e quais são as causas dela?",
            "collection_id": collection_id,
            "conversation_id": conversation_id,
        },
    ).get_json()
    assert follow["conversation_id"] == conversation_id
    condense_request = fake_groq.requests[-2]
    assert "O que é seleção natural?" in json.dumps(condense_request, ensure_ascii=False)
    answer_prompt = fake_groq.requests[-1]["messages"][-1]["content"]
    assert "Deriva genética" in answer_prompt  # retrieval used the rewritten question
    stored = client.get(f"/api/conversations/{conversation_id}").get_json()
    assert [m["role"] for m in stored["messages"]] == ["user", "assistant", "user", "assistant"]


def test_llm_failure_before_tokens_falls_back_to_extractive(
    make_app, llm_settings, fake_groq, biology_pdf
):
    client = make_app(llm_settings).test_client()
    collection_id = collection_with(client, ("bio.pdf", biology_pdf))
    fake_groq.default = Error(status=500)
    body = client.post(
        "/api/ask", json={"question": "O que é deriva genética?", "collection_id": collection_id}
    ).get_json()
    assert body["mode"] == "extractive" and body["citations"]


def test_stream_cut_after_tokens_ends_with_error_and_keeps_partial(
    make_app, llm_settings, fake_groq, biology_pdf
):
    client = make_app(llm_settings).test_client()
    collection_id = collection_with(client, ("bio.pdf", biology_pdf))
    fake_groq.script(CutStream(after_tokens=3))
    parts = parse_sse(
        client.post(
            "/api/ask",
            json={"question": "O que é deriva genética?", "collection_id": collection_id},
            headers=SSE,
        ).get_data(as_text=True)
    )
    types = [p["type"] if isinstance(p, dict) else p for p in parts]
    assert "error" in types and types[-1] == "[DONE]" and "finish" not in types
    conversation_id = parts[0]["messageMetadata"]["conversation_id"]
    answer = client.get(f"/api/conversations/{conversation_id}").get_json()["messages"][1]
    assert answer["incomplete"] is True and answer["content"]


def test_keepalive_comments_while_the_model_thinks(make_app, make_settings, fake_groq, biology_pdf):
    settings = make_settings(
        groq_api_key="k", groq_base_url=fake_groq.base_url, stream_keepalive_seconds=0.1
    )
    client = make_app(settings).test_client()
    collection_id = collection_with(client, ("bio.pdf", biology_pdf))
    fake_groq.script(Reply(delay_first=0.6))
    body = client.post(
        "/api/ask",
        json={"question": "O que é evolução?", "collection_id": collection_id},
        headers=SSE,
    ).get_data(as_text=True)
    assert ": keep-alive" in body
    assert parse_sse(body)[-1] == "[DONE]"


def test_client_gone_mid_stream_keeps_the_partial_answer(
    make_app, llm_settings, fake_groq, biology_pdf
):
    app = make_app(llm_settings)
    client = app.test_client()
    collection_id = collection_with(client, ("bio.pdf", biology_pdf))
    fake_groq.script(Reply(delay_between=0.05))
    response = client.post(
        "/api/ask",
        json={"question": "O que é evolução?", "collection_id": collection_id},
        headers=SSE,
        buffered=False,
    )
    chunks = response.response
    received = ""
    for chunk in chunks:
        received += chunk.decode() if isinstance(chunk, bytes) else chunk
        if received.count("text-delta") >= 2:
            break
    response.close()  # the student closed the tab
    conversation_id = json.loads(received.split("data: ", 2)[1].split("\n")[0])["messageMetadata"][
        "conversation_id"
    ]
    import time

    deadline = time.monotonic() + 10
    while True:
        messages = client.get(f"/api/conversations/{conversation_id}").get_json()["messages"]
        if len(messages) == 2 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert len(messages) == 2
    assert messages[1]["incomplete"] is True
    assert messages[1]["content"]
    # Nothing leaks: no database connection checked out, no answer thread left behind.
    pool = app.extensions["chatgepeto"].engine.pool
    deadline = time.monotonic() + 5
    while (pool.checkedout() or _answer_threads()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pool.checkedout() == 0
    assert _answer_threads() == []
    # The upstream stream was closed early: the fake did not have to send every token.
    assert len(fake_groq.requests) == 1


def _answer_threads():
    import threading

    return [t for t in threading.enumerate() if t.name == "answer"]
