"""A local fake of Groq's OpenAI-compatible chat-completions API, for tests.

``FakeGroq`` is a real HTTP server (werkzeug, threaded, on 127.0.0.1 and a free port).
The real ``groq`` SDK / ``langchain_groq.ChatGroq`` reach it through their base URL::

    with FakeGroq() as fake:
        llm = ChatGroq(base_url=fake.base_url, api_key="test",
                       model="llama-3.3-70b-versatile", max_retries=0)
        llm.invoke("...")

``base_url`` has no ``/openai/v1``: the SDK appends ``/openai/v1/chat/completions``.

Endpoints
  ``POST /openai/v1/chat/completions`` -- ``stream: false`` gets one ``chat.completion``
  JSON body (``usage`` at top level); ``stream: true`` gets Server-Sent Events, as Groq
  sends them: a first chunk with ``delta = {"role": "assistant", "content": ""}``, one
  ``chat.completion.chunk`` per word token (``"The"``, ``" material"``, ...; see
  ``Reply(chunk_chars=...)``), a last chunk
  with an empty delta, ``finish_reason`` and ``x_groq.usage`` (where langchain-groq reads
  ``usage_metadata`` from), then ``data: [DONE]``. A request without an
  ``Authorization: Bearer`` header gets 401; a body that is not JSON, or lacks ``model``
  or ``messages``, gets 400.
  ``GET /openai/v1/models`` -- a model list.

Default answer (derived from the prompt, so citation tests mean something)
  0. A study request (a message holding ``[chatgepeto-study:quiz]``, ``cards`` or ``guide``,
     the marker of ``study/prompts.py``) gets valid JSON built from the ``<passage>``
     elements of its ``<passages>`` block, one item per passage, as many as the number in
     the request's "Write the N" / "at most N" (all passages when absent), in Portuguese
     when the system prompt names "Brazilian Portuguese", else English. Each item cites its
     passage with the passage's first sentence (longer than 12 characters) as its exact
     quote: quiz items are multiple choice (that sentence is the correct choice, listed
     first, with three fixed distractors), every third one short answer (the answer is the
     sentence); cards take the passage's heading (a short first line without a full stop)
     or its longest word as the term, the sentence as the definition; guide topics take the
     heading (or the first words) as title, the sentence as summary. See ``study_answer``.
  0b. A tutor request (a system message holding "tutor mode", the tutor prompt of
     ``answering/prompts.py``) with passages gets a hint instead of an answer: the first six
     words of the first passage, cited, and a guiding question, in Portuguese when the
     ``<question>`` looks Portuguese (accented letters, or "que", "qual", "como", ...), e.g.
     ``Hint: reread passage [1], which begins “Cells divide by mitosis. Each daughter…”.
     What does it say about your question? Ask for the full answer when you are ready.``
     See ``tutor_answer``.
  1. If a message holds a ``<passages>`` ... ``</passages>`` block (the last such
     message wins; a missing closing tag means "to the end"), passages are its
     ``<passage n="1" source="...">`` ... ``</passage>`` elements, their text unescaped
     (``&lt;`` -> ``<``: ChatGepeto escapes passages, see ``answering/prompts.py``); a block
     without such elements takes the lines starting with ``[n]``, e.g. ``[1] (file.pdf,
     p. 3)`` then the text on the following lines (a leading ``(...)`` source on the
     ``[n]`` line is skipped). The answer is the first sentence of the first passage +
     ``" [n]"`` and, if there is a second passage, ``" "`` + its first sentence +
     ``" [m]"``, e.g. ``"Cells divide. [1] DNA copies. [2]"``. A block with no passages
     gives ``NO_ANSWER``.
  2. Else, if any message contains "standalone" (a request to rewrite a follow-up into a
     standalone question), the answer is the text after the last ``Follow-up question:``
     marker in the last user message (rest of that line, or the next non-empty line),
     or the whole last user message when there is no marker.
  3. Else, lines starting with ``[n]`` in the last user message are used as in 1.
  4. Else ``NO_ANSWER`` ("The material does not contain the answer.").
  ``derive_answer(messages)`` computes it, for tests' expectations.

Scripting
  ``fake.script(b1, b2, ...)`` queues behaviours, consumed one per chat request in order;
  when the queue is empty ``fake.default`` applies (``Reply()`` unless given). Behaviours:
  ``Reply(text=None, delay_first=0, delay_between=0, usage=None, finish_reason="stop",
  chunk_chars=None)``
      answer ``text`` (None: the derived answer; a callable: ``text(messages)``, e.g.
      ``lambda m: m[0]["content"]`` echoes the system prompt). ``chunk_chars`` streams the
      answer in pieces of that many characters instead of word tokens (to split a word
      across chunks). Streaming waits ``delay_first`` after
      the headers, before the first chunk, and ``delay_between`` between token chunks;
      non-streaming waits ``delay_first`` before answering. ``usage`` overrides fields of
      the computed usage (prompt tokens = words in the messages, completion = tokens).
  ``Error(status=429, retry_after=None, body=None, headers={})`` -- an error response
      with Groq's ``{"error": {"message", "type", "code"}}`` body (defaults for 429, 498,
      500, 503); ``retry_after`` sets the ``retry-after`` header (seconds, floats allowed:
      the SDK obeys values in (0, 60], else backs off 0.5 s, 1 s, ...). The SDK retries 408,
      409, 429 and >= 500 (``max_retries``, default 2); 498 is not retried and raises a
      plain ``groq.APIStatusError``.
  ``Hang(seconds)`` -- send nothing for ``seconds`` (a client timeout fires first), then
      behave like an unscripted request.
  ``CutStream(after_tokens=1)`` -- send the role chunk and ``after_tokens`` token chunks,
      then drop the connection (no final chunk, no ``[DONE]``, unterminated chunked body);
      for ``stream: false`` send half of the JSON body and drop.
  ``Malformed()`` -- ``stream: false``: a 200 ``application/json`` body that is not JSON;
      ``stream: true``: the role chunk, then ``data: {not json``, then ``[DONE]``.

Inspection: ``fake.requests`` (every received JSON body, in order), ``fake.calls`` (chat
requests received, including failed ones), ``fake.last_request``, ``fake.pending``
(scripted behaviours not yet used).
"""

from __future__ import annotations

import contextlib
import http
import json
import re
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html import unescape
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request

__all__ = [
    "NO_ANSWER",
    "Behaviour",
    "CutStream",
    "Error",
    "FakeGroq",
    "Hang",
    "Malformed",
    "Reply",
    "derive_answer",
    "study_answer",
    "tutor_answer",
]

NO_ANSWER = "The material does not contain the answer."
CHAT_PATH = "/openai/v1/chat/completions"
MODELS_PATH = "/openai/v1/models"
MODELS = ("llama-3.3-70b-versatile", "llama-3.1-8b-instant")


# --------------------------------------------------------------------------- behaviours


@dataclass(frozen=True)
class Reply:
    """A successful answer; ``text=None`` means the answer derived from the prompt."""

    text: str | Callable[[list[dict[str, Any]]], str] | None = None
    delay_first: float = 0.0
    delay_between: float = 0.0
    usage: dict[str, Any] | None = None
    finish_reason: str = "stop"
    chunk_chars: int | None = None


@dataclass(frozen=True)
class Error:
    """An HTTP error response with a Groq-style error body."""

    status: int = 429
    retry_after: float | None = None
    body: dict[str, Any] | str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Hang:
    """Say nothing for ``seconds``, then answer as an unscripted request would."""

    seconds: float


@dataclass(frozen=True)
class CutStream:
    """Send ``after_tokens`` tokens, then drop the connection without ``[DONE]``."""

    after_tokens: int = 1


@dataclass(frozen=True)
class Malformed:
    """Send a body (or an SSE data line) that is not valid JSON."""


Behaviour = Reply | Error | Hang | CutStream | Malformed

_ERROR_DEFAULTS: dict[int, tuple[str, str, str]] = {
    400: ("invalid_request_error", "invalid_request_error", "Bad request."),
    401: ("invalid_request_error", "invalid_api_key", "Invalid API Key"),
    404: ("invalid_request_error", "unknown_url", "Unknown request URL."),
    429: (
        "tokens",
        "rate_limit_exceeded",
        "Rate limit reached for model in organization on tokens per minute (TPM). "
        "Please try again in 1s.",
    ),
    498: ("capacity_exceeded", "flex_tier_capacity_exceeded", "Flex tier capacity exceeded."),
    500: ("internal_server_error", "internal_server_error", "Internal Server Error"),
    503: ("service_unavailable", "service_unavailable", "Service Unavailable"),
}


def _error_body(status: int, message: str | None = None) -> dict[str, Any]:
    kind, code, default_message = _ERROR_DEFAULTS.get(status, ("api_error", "error", "Error"))
    return {"error": {"message": message or default_message, "type": kind, "code": code}}


# ------------------------------------------------------------------------ derived answer


_BLOCK = re.compile(r"<passages>(.*?)(?:</passages>|\Z)", re.S | re.I)
_ELEMENT = re.compile(r'<passage\b[^>]*?\bn="(\d+)"[^>]*>(.*?)(?:</passage>|\Z)', re.S | re.I)
_PASSAGE_HEAD = re.compile(r"^\s*\[(\d+)\]\s*(?:\([^)\n]*\))?\s*[:\-–—]?\s*(.*)$")
_FOLLOW_UP = re.compile(r"follow[- ]?up question\s*:", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _text(content: Any) -> str:
    """Message content as text (a string, or OpenAI-style content parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def _passages(text: str) -> list[tuple[int, str]]:
    elements = _ELEMENT.findall(text)
    if elements:
        return [(int(n), " ".join(unescape(body).split())) for n, body in elements]
    passages: list[tuple[int, list[str]]] = []
    for line in text.splitlines():
        head = _PASSAGE_HEAD.match(line)
        if head:
            passages.append((int(head.group(1)), [head.group(2)]))
        elif passages:
            passages[-1][1].append(line)
    return [(n, " ".join(" ".join(lines).split())) for n, lines in passages]


def _cite(passages: list[tuple[int, str]]) -> str:
    parts = [f"{_SENTENCE_END.split(body, 1)[0]} [{n}]" for n, body in passages if body][:2]
    return " ".join(parts) or NO_ANSWER


_STUDY = re.compile(r"\[chatgepeto-study:(quiz|cards|guide)\]")
_STUDY_COUNT = re.compile(r"\b(?:Write the|at most)\s+(\d+)", re.I)
_DISTRACTORS = {
    "pt": [
        "O material não trata deste assunto.",
        "O trecho afirma o contrário.",
        "Nenhuma das anteriores.",
    ],
    "en": [
        "The material does not cover this.",
        "The passage says the opposite.",
        "None of the above.",
    ],
}


def _study_sentence(body: str) -> tuple[str, str]:
    """(heading, first sentence) of a passage: the heading is a short first line without a
    full stop ("" if none); the sentence is the first one after it longer than 12 characters,
    its words as in the text (whitespace collapsed)."""
    lines = [line.strip() for line in body.strip().splitlines()]
    heading = ""
    if len(lines) > 1 and lines[0] and len(lines[0].split()) <= 6 and lines[0][-1] not in ".!?:":
        heading, body = lines[0], "\n".join(lines[1:])
    flat = " ".join(body.split())
    sentences = [s for s in _SENTENCE_END.split(flat) if len(s) > 12] or [flat]
    words = sentences[0].split()[:40]
    return heading, " ".join(words)


def study_answer(kind: str, messages: list[dict[str, Any]]) -> str:
    """The fake's default JSON reply to a study request (see the module docstring, 0.)."""
    texts = [_text(m.get("content")) for m in messages]
    pt = any("Brazilian Portuguese" in t for t in texts)
    language = "pt" if pt else "en"
    block = next((b for t in reversed(texts) if (b := _BLOCK.search(t))), None)
    elements = _ELEMENT.findall(block.group(1)) if block else []
    counts = [int(c.group(1)) for t in texts if (c := _STUDY_COUNT.search(t))]
    limit = counts[-1] if counts else len(elements)
    items: list[dict[str, Any]] = []
    for position, (n, raw) in enumerate(elements[:limit]):
        heading, sentence = _study_sentence(unescape(raw))
        if not sentence:
            continue
        if kind == "quiz":
            if position % 3 == 2:
                question = (
                    f"O que o material diz no trecho {n}?"
                    if pt
                    else f"What does the material say in passage {n}?"
                )
                items.append(
                    {"type": "short", "question": question, "choices": [], "answer": sentence}
                )
            else:
                question = (
                    f"Qual afirmação está de acordo com o trecho {n}?"
                    if pt
                    else f"Which statement agrees with passage {n}?"
                )
                items.append(
                    {
                        "type": "mcq",
                        "question": question,
                        "choices": [sentence, *_DISTRACTORS[language]],
                        "correct": 0,
                        "answer": sentence,
                    }
                )
            items[-1].update(
                explanation=("O trecho diz: " if pt else "The passage says: ") + sentence,
                passage=int(n),
                quote=sentence,
            )
        elif kind == "cards":
            term = heading or max(
                (w.strip(".,;:!?()\"'“”") for w in sentence.split()), key=len, default=""
            )
            items.append(
                {"term": term, "definition": sentence, "passage": int(n), "quote": sentence}
            )
        else:
            title = heading or " ".join(sentence.split()[:6])
            items.append(
                {
                    "title": title,
                    "summary": sentence,
                    "sources": [{"passage": int(n), "quote": sentence}],
                }
            )
    return json.dumps({"items": items}, ensure_ascii=False)


_QUESTION = re.compile(r"<question>(.*?)(?:</question>|\Z)", re.S | re.I)
_PORTUGUESE = re.compile(r"[ãõçáéíóúâêô]|\b(?:que|qual|quais|como|por|para|uma?)\b", re.I)


def tutor_answer(messages: list[dict[str, Any]]) -> str | None:
    """The fake's default hint for a tutor request with passages (docstring, 0b), else None."""
    texts = [_text(m.get("content")) for m in messages]
    if not any("tutor mode" in t for t in texts):
        return None
    block = next((b for t in reversed(texts) if (b := _BLOCK.search(t))), None)
    passages = [(n, body) for n, body in _passages(block.group(1)) if body] if block else []
    if not passages:
        return None
    n, body = passages[0]
    words = body.split()
    start = " ".join(words[:6]) + ("…" if len(words) > 6 else "")
    question = next((q.group(1) for t in reversed(texts) if (q := _QUESTION.search(t))), "")
    if _PORTUGUESE.search(unescape(question)):
        return (
            f"Dica: releia o trecho [{n}], que começa assim: “{start}”. O que ele diz sobre a "
            "sua pergunta? Quando quiser, peça a resposta completa."
        )
    return (
        f"Hint: reread passage [{n}], which begins “{start}”. What does it say about your "
        "question? Ask for the full answer when you are ready."
    )


def derive_answer(messages: list[dict[str, Any]]) -> str:
    """The fake's default answer for these chat messages (see the module docstring)."""
    texts = [_text(m.get("content")) for m in messages]
    user_texts = [_text(m.get("content")) for m in messages if m.get("role") == "user"]
    last_user = user_texts[-1] if user_texts else ""
    for text in texts:
        study = _STUDY.search(text)
        if study:
            return study_answer(study.group(1), messages)
    hint = tutor_answer(messages)
    if hint is not None:
        return hint
    for text in reversed(texts):
        block = _BLOCK.search(text)
        if block:
            return _cite(_passages(block.group(1)))
    if any("standalone" in t.lower() for t in texts):
        markers = list(_FOLLOW_UP.finditer(last_user))
        if not markers:
            return last_user.strip()
        rest = last_user[markers[-1].end() :]
        return next((line.strip() for line in rest.splitlines() if line.strip()), "")
    return _cite(_passages(last_user))


def _tokens(text: str, chunk_chars: int | None = None) -> list[str]:
    """Word tokens with their leading spaces: ``"a b"`` -> ``["a", " b"]``; or fixed-size
    pieces of ``chunk_chars`` characters."""
    if chunk_chars:
        return [text[i : i + chunk_chars] for i in range(0, len(text), chunk_chars)]
    return re.findall(r"\s*\S+", text)


# -------------------------------------------------------------------------------- server


class _QuietHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"  # chunked responses, so a cut stream is detectable

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class _Cut(Exception):
    """Raised inside a response generator to drop the connection."""


class FakeGroq:
    """Local fake Groq server; use as a context manager, or ``start()`` / ``stop()``."""

    def __init__(
        self, default: Behaviour | None = None, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.default: Behaviour = default or Reply()
        self.requests: list[dict[str, Any]] = []
        self.calls = 0
        self._script: deque[Behaviour] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = make_server(
            host, port, self._wsgi, threaded=True, request_handler=_QuietHandler
        )
        self.base_url = f"http://{host}:{self._server.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-groq",
            daemon=True,
        )

    # -- lifecycle

    def start(self) -> FakeGroq:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; wakes requests that are hanging or sleeping between tokens."""
        self._stopping.set()
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def serve_forever(self) -> None:
        """Serve in the foreground until interrupted (the `chatgepeto fake-groq` command)."""
        try:
            self._server.serve_forever(poll_interval=0.2)
        finally:
            self._stopping.set()
            self._server.server_close()

    def __enter__(self) -> FakeGroq:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- scripting and inspection

    def script(self, *behaviours: Behaviour) -> None:
        """Queue behaviours, used one per chat request before ``default`` applies."""
        with self._lock:
            self._script.extend(behaviours)

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._script)

    @property
    def last_request(self) -> dict[str, Any]:
        with self._lock:
            return self.requests[-1]

    def _next_behaviour(self) -> Behaviour:
        with self._lock:
            return self._script.popleft() if self._script else self.default

    def _sleep(self, seconds: float) -> bool:
        """Sleep unless the server stops first; True when it is stopping."""
        if seconds > 0:
            return self._stopping.wait(seconds)
        return self._stopping.is_set()

    # -- WSGI

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        request = Request(environ)
        if request.method == "GET" and request.path == MODELS_PATH:
            return self._json(start_response, 200, self._models())
        if request.path != CHAT_PATH:
            return self._json(start_response, 404, _error_body(404))
        if request.method != "POST":
            return self._json(start_response, 405, _error_body(405, "Method not allowed."))
        with self._lock:
            self.calls += 1
        if not request.headers.get("Authorization", "").startswith("Bearer "):
            return self._json(start_response, 401, _error_body(401))
        try:
            body = json.loads(request.get_data())
        except ValueError:
            return self._json(start_response, 400, _error_body(400, "Body is not JSON."))
        with self._lock:
            self.requests.append(body)
        if not isinstance(body, dict) or "model" not in body or "messages" not in body:
            return self._json(start_response, 400, _error_body(400, "model and messages needed."))
        return self._respond(environ, start_response, body, self._next_behaviour())

    def _respond(
        self, environ: dict[str, Any], start_response: Any, body: dict[str, Any], b: Behaviour
    ) -> Iterator[bytes]:
        stream = bool(body.get("stream"))
        if isinstance(b, Hang):
            if self._sleep(b.seconds):
                return self._json(start_response, 503, _error_body(503))
            return self._respond(environ, start_response, body, self.default)
        if isinstance(b, Error):
            headers = dict(b.headers)
            if b.retry_after is not None:
                headers["retry-after"] = f"{b.retry_after:g}"
            err = b.body if b.body is not None else _error_body(b.status)
            return self._json(start_response, b.status, err, headers)
        answer = b.text if isinstance(b, Reply) and b.text is not None else None
        if callable(answer):
            answer = answer(body["messages"])
        answer = derive_answer(body["messages"]) if answer is None else answer
        reply = b if isinstance(b, Reply) else Reply()
        tokens = _tokens(answer, reply.chunk_chars)
        usage = self._usage(body["messages"], tokens, reply.usage)
        ids = {"id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "req": f"req_{uuid.uuid4().hex[:26]}"}
        if stream:
            start_response("200 OK", [("Content-Type", "text/event-stream")])
            return self._cut_on_demand(environ, self._sse(body, b, reply, tokens, usage, ids))
        if isinstance(b, CutStream | Malformed):
            completion = json.dumps(self._completion(body, answer, reply, usage, ids))
            start_response("200 OK", [("Content-Type", "application/json")])
            half = completion[: len(completion) // 2].encode()
            return self._cut_on_demand(environ, self._partial(b, half))
        if self._sleep(reply.delay_first):
            return self._json(start_response, 503, _error_body(503))
        return self._json(start_response, 200, self._completion(body, answer, reply, usage, ids))

    def _partial(self, b: Behaviour, half: bytes) -> Iterator[bytes]:
        yield half
        if isinstance(b, CutStream):
            raise _Cut

    def _sse(
        self,
        body: dict[str, Any],
        b: Behaviour,
        reply: Reply,
        tokens: list[str],
        usage: dict[str, Any],
        ids: dict[str, str],
    ) -> Iterator[bytes]:
        def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
            data = {
                "id": ids["id"],
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": body["model"],
                "system_fingerprint": "fp_fakegroq",
                "choices": [
                    {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
                ],
                **extra,
            }
            return f"data: {json.dumps(data)}\n\n".encode()

        yield b""  # send the headers now; the body (first token) may come later
        if self._sleep(reply.delay_first):
            return
        yield chunk({"role": "assistant", "content": ""}, x_groq={"id": ids["req"]})
        if isinstance(b, Malformed):
            yield b"data: {not json\n\n"
            yield b"data: [DONE]\n\n"
            return
        limit = b.after_tokens if isinstance(b, CutStream) else len(tokens)
        for i, token in enumerate(tokens[:limit]):
            if i and self._sleep(reply.delay_between):
                return
            yield chunk({"content": token})
        if isinstance(b, CutStream):
            raise _Cut
        yield chunk({}, reply.finish_reason, x_groq={"id": ids["req"], "usage": usage})
        yield b"data: [DONE]\n\n"

    @staticmethod
    def _cut_on_demand(environ: dict[str, Any], body: Iterator[bytes]) -> Iterator[bytes]:
        """Pass ``body`` through; on ``_Cut``, shut the socket down mid-response."""
        try:
            yield from body
        except _Cut:
            with contextlib.suppress(OSError):
                environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)

    # -- bodies

    @staticmethod
    def _json(
        start_response: Any, status: int, obj: Any, headers: dict[str, str] | None = None
    ) -> Iterator[bytes]:
        data = obj.encode() if isinstance(obj, str) else json.dumps(obj).encode()
        try:
            phrase = http.HTTPStatus(status).phrase
        except ValueError:
            phrase = "Error"
        start_response(
            f"{status} {phrase}",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(data))),
                *(headers or {}).items(),
            ],
        )
        return iter([data])

    @staticmethod
    def _usage(
        messages: list[dict[str, Any]], tokens: list[str], override: dict[str, Any] | None
    ) -> dict[str, Any]:
        prompt = sum(len(_text(m.get("content")).split()) for m in messages)
        usage: dict[str, Any] = {
            "queue_time": 0.001,
            "prompt_tokens": prompt,
            "prompt_time": 0.002,
            "completion_tokens": len(tokens),
            "completion_time": 0.003,
            "total_time": 0.005,
        }
        usage.update(override or {})
        usage.setdefault("total_tokens", usage["prompt_tokens"] + usage["completion_tokens"])
        return usage

    @staticmethod
    def _completion(
        body: dict[str, Any], answer: str, reply: Reply, usage: dict[str, Any], ids: dict[str, str]
    ) -> dict[str, Any]:
        return {
            "id": ids["id"],
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": answer},
                    "logprobs": None,
                    "finish_reason": reply.finish_reason,
                }
            ],
            "usage": usage,
            "system_fingerprint": "fp_fakegroq",
            "x_groq": {"id": ids["req"]},
        }

    @staticmethod
    def _models() -> dict[str, Any]:
        return {
            "object": "list",
            "data": [
                {
                    "id": name,
                    "object": "model",
                    "created": 1_700_000_000,
                    "owned_by": "Meta",
                    "active": True,
                    "context_window": 131_072,
                }
                for name in MODELS
            ],
        }
