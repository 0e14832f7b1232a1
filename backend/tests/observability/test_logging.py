import io
import json
import logging
import sys

import structlog

from chatgepeto.observability.logging import configure_logging, get_logger


def test_json_lines_carry_the_request_id(monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    configure_logging("INFO", json=True)
    structlog.contextvars.bind_contextvars(request_id="req-42")
    try:
        get_logger("test").info("answered", provider="groq", latency_ms=12.5)
        logging.getLogger("stdlib").warning("plain %s", "message")
    finally:
        structlog.contextvars.clear_contextvars()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines[0]["event"] == "answered" and lines[0]["request_id"] == "req-42"
    assert lines[0]["provider"] == "groq" and lines[0]["level"] == "info"
    assert lines[1]["event"] == "plain message" and lines[1]["request_id"] == "req-42"
    assert "timestamp" in lines[1]
