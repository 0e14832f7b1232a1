import io
import json
import logging
import sys
from pathlib import Path

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


def _lines(monkeypatch, log, json_lines=True) -> list:
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    configure_logging("INFO", json=json_lines)
    log()
    if not json_lines:
        return [stream.getvalue()]
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def _fail_deep() -> None:
    from chatgepeto.storage.files import LocalFileStore

    try:
        LocalFileStore(Path("/tmp/no/such/folder")).open("c1/d1")
    except FileNotFoundError as exc:
        raise RuntimeError("could not read the index") from exc


def test_an_exception_is_its_type_message_and_where_never_a_traceback(monkeypatch):
    def log():
        try:
            _fail_deep()
        except RuntimeError:
            get_logger("test").exception("job_crashed", job_id="j1")
        try:
            _fail_deep()
        except RuntimeError:
            logging.getLogger("stdlib").exception("foreign")

    for line in _lines(monkeypatch, log):
        assert line["exception"] == "RuntimeError: could not read the index"
        assert line["cause"].startswith("FileNotFoundError: [Errno 2] No such file or directory")
        assert "…/c1/d1" in line["cause"] and "/tmp" not in line["cause"]
        # Where, in our code only (the test's own frames are not the product's).
        assert line["raised_at"] == []
        assert line["cause_raised_at"][-1].startswith("chatgepeto.storage.files:open:")
        text = json.dumps(line)
        assert "Traceback" not in text and ".py" not in text and "exc_info" not in line
    # The console renderer (LOG_JSON=false) gets the same summary.
    (console,) = _lines(monkeypatch, lambda: log(), json_lines=False)
    assert "Traceback" not in console and "RuntimeError: could not read the index" in console


def test_database_errors_lose_their_sql_and_paths_their_folders(monkeypatch):
    import sqlalchemy as sa

    engine = sa.create_engine("sqlite://")

    def log():
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT secret FROM nowhere WHERE id = :id"), {"id": 7})
        except sa.exc.OperationalError:
            get_logger("test").exception("query_failed")
        get_logger("test").warning(
            "index_unreadable", path="/tmp/pytest-of-x/data/lexical/c1/3", note="see /api/health"
        )

    failed, unreadable = _lines(monkeypatch, log)
    assert failed["exception"] == "OperationalError: no such table: nowhere"
    assert "SELECT" not in json.dumps(failed) and "sqlite3" not in json.dumps(failed)
    assert unreadable["path"] == "…/c1/3"
    assert unreadable["note"] == "see /api/health"  # URL paths are not file paths
