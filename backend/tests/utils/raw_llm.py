"""A chat-completions server written on a bare socket, for streams that end the wrong way.

The fake Groq (werkzeug) always frames its bodies; a real provider, proxy or load balancer may
instead close the connection cleanly in the middle of an answer, leave half an SSE line, stall,
or send an error object instead of the next chunk. `RawLLM` answers every request with
`HTTP/1.1 200`, `Content-Type: text/event-stream`, `Connection: close` and no length (the body
ends when the socket does), sends a role chunk and `tokens`, then ends as its `ending` says:

- `close`: shuts the socket down cleanly (FIN), no final chunk, no `[DONE]`;
- `half-line`: half of the next `data:` line, then a clean close;
- `stall`: nothing more, the socket held open for `stall_seconds`;
- `error`: a `data: {"error": {...}}` event (as Groq and OpenAI send mid-stream), then `[DONE]`;
- `reset`: the connection reset (RST);
- `done`: a proper ending (a final chunk with `finish_reason`, then `[DONE]`).
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from dataclasses import dataclass, field

ENDINGS = ("close", "half-line", "stall", "error", "reset", "done")


def _chunk(content: str | None, finish_reason: str | None = None, role: bool = False) -> bytes:
    delta: dict[str, str] = {}
    if role:
        delta["role"] = "assistant"
    if content is not None:
        delta["content"] = content
    body = {
        "id": "chatcmpl-raw",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": "llama-3.3-70b-versatile",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }
    return f"data: {json.dumps(body)}\n\n".encode()


@dataclass
class RawLLM:
    tokens: list[str] = field(default_factory=lambda: ["A deriva", " genética", " é"])
    ending: str = "close"
    stall_seconds: float = 5.0
    requests: int = 0

    def __post_init__(self) -> None:
        if self.ending not in ENDINGS:
            raise ValueError(f"ending must be one of {ENDINGS}")
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True, name="raw-llm")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def __enter__(self) -> RawLLM:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self._listener.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _read_request(self, conn: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            data += conn.recv(65536)
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(body) < length:
            body += conn.recv(65536)

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            self._read_request(conn)
            self.requests += 1
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                b"Cache-Control: no-cache\r\nConnection: close\r\n\r\n"
            )
            conn.sendall(_chunk("", role=True))
            for token in self.tokens:
                conn.sendall(_chunk(token))
                time.sleep(0.01)
            if self.ending == "done":
                conn.sendall(_chunk(None, finish_reason="stop") + b"data: [DONE]\n\n")
            elif self.ending == "half-line":
                line = _chunk(" um processo")
                conn.sendall(line[: len(line) // 2])
            elif self.ending == "stall":
                self._stop.wait(self.stall_seconds)
            elif self.ending == "error":
                error = {"message": "Internal server error", "type": "internal_server_error"}
                conn.sendall(f"data: {json.dumps({'error': error})}\n\n".encode())
                conn.sendall(b"data: [DONE]\n\n")
            elif self.ending == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            conn.shutdown(socket.SHUT_WR)
