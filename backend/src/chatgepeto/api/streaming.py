"""Answers as a Vercel AI SDK UI message stream (SSE), with keep-alive comments.

The answer is produced on a helper thread so the response can send keep-alives while it
waits; when the client goes away, the producer is told to stop and the upstream call closes.
"""

from __future__ import annotations

import contextvars
import json
import queue
import threading
from collections.abc import Iterator
from typing import Any

from chatgepeto.answering.service import Delta, Event, Failed, Finished, Started
from chatgepeto.ingestion.filetypes import SUPPORTED_EXTENSIONS, TEXT, extension_of
from chatgepeto.observability.logging import get_logger

log = get_logger(__name__)

HEADERS = {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-cache, no-transform",
    "X-Accel-Buffering": "no",
    "x-vercel-ai-ui-message-stream": "v1",
}
KEEPALIVE = ": keep-alive\n\n"
DONE = "data: [DONE]\n\n"
_END = object()


def sse(part: dict[str, Any]) -> str:
    return f"data: {json.dumps(part, ensure_ascii=False)}\n\n"


def _media_type(filename: str) -> str:
    return SUPPORTED_EXTENSIONS.get(extension_of(filename), TEXT)


def _source_parts(citations: list[dict[str, Any]]) -> Iterator[str]:
    for citation in citations:
        page = citation.get("page")
        title = f"{citation['filename']}, p. {page}" if page is not None else citation["filename"]
        yield sse(
            {
                "type": "source-document",
                "sourceId": f"{citation['document_id']}:{citation['id']}",
                "mediaType": _media_type(citation["filename"]),
                "title": title,
                "filename": citation["filename"],
            }
        )
    yield sse({"type": "data-citations", "data": citations})


def encode(events: Iterator[Event]) -> Iterator[str]:
    """Translate answer events into UI message stream parts."""
    try:
        yield from _encode(events)
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()


def _encode(events: Iterator[Event]) -> Iterator[str]:
    text_open = False
    for event in events:
        if isinstance(event, Started):
            meta = {"conversation_id": event.conversation_id, "message_id": event.message_id}
            yield sse({"type": "start", "messageId": event.message_id, "messageMetadata": meta})
        elif isinstance(event, Delta):
            if not text_open:
                yield sse({"type": "text-start", "id": "text-1"})
                text_open = True
            yield sse({"type": "text-delta", "id": "text-1", "delta": event.text})
        elif isinstance(event, Finished | Failed):
            if text_open:
                yield sse({"type": "text-end", "id": "text-1"})
            result = event.result
            yield from _source_parts(result.citations)
            if isinstance(event, Failed):
                yield sse({"type": "error", "errorText": event.message})
            else:
                meta = {
                    "conversation_id": result.conversation_id,
                    "message_id": result.message_id,
                    "mode": result.mode,
                    "provider": result.provider,
                    "model": result.model,
                    "fallback": result.fallback,
                    "incomplete": result.incomplete,
                    "tutor": result.tutor,
                }
                yield sse({"type": "finish", "messageMetadata": meta})
    yield DONE


def with_keepalive(parts: Iterator[str], interval: float = 10.0) -> Iterator[str]:
    """Yield `parts` produced on a helper thread, and a keep-alive comment while waiting."""
    # Unbounded: an answer is small, and the producer must never block on a gone client.
    items: queue.Queue[Any] = queue.Queue()
    stop = threading.Event()
    context = contextvars.copy_context()

    def produce() -> None:
        try:
            for part in parts:
                if stop.is_set():
                    break
                items.put(part)
        except Exception as exc:
            log.exception("stream_failed")
            items.put(sse({"type": "error", "errorText": f"The answer failed: {exc}"}))
            items.put(DONE)
        finally:
            # Closing the generator runs the answer's cleanup (partial answer kept, upstream
            # call closed) on this thread, even when the client left early.
            close = getattr(parts, "close", None)
            if close is not None:
                close()
            items.put(_END)

    thread = threading.Thread(target=context.run, args=(produce,), daemon=True, name="answer")
    thread.start()
    try:
        while True:
            try:
                item = items.get(timeout=interval)
            except queue.Empty:
                yield KEEPALIVE
                continue
            if item is _END:
                return
            yield item
    finally:
        # The client is done or gone: the producer stops at its next part.
        stop.set()
