"""A pytest plugin: no response, log line or stored message of the whole suite leaks a secret.

Every response of every app the tests build (status, headers and body, streamed ones as far
as they were read), every log line the product's formatter writes, and every text column of
every database the tests' apps leave (chunks aside: they are the documents themselves) is
searched for:

- secrets: the admin token, API keys and signing secrets of every Settings an app was built
  with (known as `create_app` asks for them), and the test admin token;
- file paths: the repository, the pytest temporary folders (every DATA_DIR), /tmp, the
  Python installation;
- tracebacks (`Traceback (most recent call last)`, `File "...", line`) and SQL (`SELECT `,
  `INSERT INTO`, `[SQL:`, `sqlalchemy`, `psycopg`).

A test whose records hold one of them errors at teardown, saying where and what. Documents a
test uploads come back in downloads, passages and citations: those are the teacher's own
content, so a test may declare text of its own as content with `leaks.allow("...")`.
"""

from __future__ import annotations

import logging
import re
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]

# Text that never belongs in a response, a log line or a stored message.
STATIC_PATTERNS: dict[str, re.Pattern[str]] = {
    "traceback": re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+"),
    "sql": re.compile(r"\bSELECT \S|\bINSERT INTO\b|\bDELETE FROM\b|\[SQL: |\bUPDATE \w+ SET\b"),
    "sql library": re.compile(r"sqlalchemy|psycopg", re.IGNORECASE),
}
# Secrets shorter than this are not searched for (tests use "k" or "local" as dummy keys).
MIN_SECRET_LENGTH = 8
# Uploaded files come back as they were: their bytes are the teacher's, not ours.
_CONTENT_ROUTES = re.compile(r"^/api/documents/[^/]+/file$")
_TABLES_NOT_SCANNED = {"chunks", "alembic_version"}


@dataclass
class Record:
    kind: str  # response | log | stored
    where: str
    text: str


class LeakCheck:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.secrets: dict[str, str] = {}
        self.paths: list[str] = []
        self.records: list[Record] = []
        self.allowed: list[str] = []
        self.lock = threading.Lock()

    # -- what to look for -----------------------------------------------------------------

    def add_secret(self, name: str, value: Any) -> None:
        if hasattr(value, "get_secret_value"):
            value = value.get_secret_value()
        if isinstance(value, str) and len(value) >= MIN_SECRET_LENGTH:
            with self.lock:
                self.secrets.setdefault(value, name)

    def add_path(self, path: str | Path) -> None:
        text = str(path).rstrip("/")
        if len(text) > 1 and text not in self.paths:
            self.paths.append(text)

    def record(self, kind: str, where: str, text: str) -> None:
        with self.lock:
            self.records.append(Record(kind, where, text))

    # -- checking -------------------------------------------------------------------------

    def findings(self, records: Iterable[Record]) -> list[str]:
        found = []
        for record in records:
            text = record.text
            for allowed in self.allowed:
                text = text.replace(allowed, "")
            for what, pattern in self._patterns():
                match = pattern.search(text)
                if match:
                    start = max(0, match.start() - 80)
                    excerpt = text[start : match.end() + 80].replace("\n", "\\n")
                    found.append(f"{record.kind} ({record.where}) holds {what}: …{excerpt}…")
        return found

    def _patterns(self) -> Iterator[tuple[str, re.Pattern[str]]]:
        yield from STATIC_PATTERNS.items()
        for value, name in list(self.secrets.items()):
            yield f"a secret ({name})", re.compile(re.escape(value))
        for path in self.paths:
            # A path and what is under it (the bare word "/tmp" in a sentence is not a path).
            yield f"a file path ({path})", re.compile(re.escape(path) + r"(?=/|\b)")

    def take(self) -> list[Record]:
        with self.lock:
            taken, self.records = self.records, []
        return taken


_check: LeakCheck | None = None


def allow(text: str) -> None:
    """Declare `text` as a test's own document content: found in a response, it is fine."""
    if _check is not None:
        _check.allowed.append(text)


# -- recording ------------------------------------------------------------------------------


class _RecordedBody:
    """The app's response iterable, recording what is read of it; closes what it wraps."""

    def __init__(self, iterable: Iterable[bytes], record: Record) -> None:
        self._iterable = iterable
        self._record = record

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._iterable:
            self._record.text += chunk.decode("utf-8", "replace")
            yield chunk

    def close(self) -> None:
        if hasattr(self._iterable, "close"):
            self._iterable.close()


def _patch_flask(check: LeakCheck) -> None:
    from flask import Flask

    original = Flask.__call__

    def recording_call(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        where = f"{environ.get('REQUEST_METHOD')} {path}"
        content = bool(_CONTENT_ROUTES.match(path))

        def recording_start_response(status, headers, exc_info=None):
            head = "\n".join(f"{k}: {v}" for k, v in headers)
            check.record("response head", where, f"{status}\n{head}")
            return start_response(status, headers, exc_info)

        iterable = original(self, environ, recording_start_response)
        if content:
            return iterable
        body = Record("response body", where, "")
        check.records.append(body)
        return _RecordedBody(iterable, body)

    Flask.__call__ = recording_call


def _patch_logging(check: LeakCheck) -> None:
    from structlog.stdlib import ProcessorFormatter

    original = ProcessorFormatter.format

    def recording_format(self, record: logging.LogRecord) -> str:
        line = original(self, record)
        check.record("log line", record.name, line)
        return line

    ProcessorFormatter.format = recording_format


def _patch_settings(check: LeakCheck) -> None:
    """Learn each app's secrets as it asks for them (generated ones included)."""
    from pydantic import SecretStr

    from chatgepeto.settings import Settings

    for name in [n for n in dir(Settings) if n.startswith("ensure_")]:
        original = getattr(Settings, name)

        def learning(self, *args, _original=original, _name=name, **kwargs):
            result = _original(self, *args, **kwargs)
            for value in result if isinstance(result, tuple) else (result,):
                check.add_secret(_name.removeprefix("ensure_"), value)
            # Every secret setting, whichever group holds it.
            for group_name in type(self).model_fields:
                group = getattr(self, group_name)
                for field, value in group:
                    if isinstance(value, SecretStr):
                        check.add_secret(field, value)
            check.add_path(self.storage.data_dir)
            return result

        setattr(Settings, name, learning)


def _patch_services(check: LeakCheck) -> None:
    """Before an app's database goes, read every stored text in it."""
    import sqlalchemy as sa

    from chatgepeto.services import Services

    original = Services.close

    def scanning_close(self) -> None:
        try:
            meta = sa.MetaData()
            meta.reflect(self.engine)
            with self.engine.connect() as conn:
                for table in meta.sorted_tables:
                    if table.name in _TABLES_NOT_SCANNED:
                        continue
                    texts = [c for c in table.columns if isinstance(c.type, (sa.String, sa.JSON))]
                    if not texts:
                        continue
                    for row in conn.execute(sa.select(*texts)):
                        stored = "\n".join(str(v) for v in row if v is not None)
                        check.record("stored row", table.name, stored)
        except sa.exc.SQLAlchemyError:
            pass  # the database is already gone (a test dropped it): nothing left to leak
        original(self)

    Services.close = scanning_close


# -- hooks ------------------------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    global _check
    _check = LeakCheck(config)
    config.stash[_KEY] = _check
    from conftest import ADMIN_TOKEN, GROQ_TEST_KEY

    _check.add_secret("test admin token", ADMIN_TOKEN)
    _check.add_secret("test Groq key", GROQ_TEST_KEY)
    for path in (REPO, tempfile.gettempdir(), sys.base_prefix + "/lib", sys.prefix):
        _check.add_path(path)
    _patch_flask(_check)
    _patch_logging(_check)
    _patch_settings(_check)
    _patch_services(_check)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    factory = getattr(item.config, "_tmp_path_factory", None)
    if factory is not None and _check is not None:
        _check.add_path(factory.getbasetemp())
        _check.allowed = []
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    if call.when != "teardown" or _check is None:
        return
    report = outcome.get_result()
    found = _check.findings(_check.take())
    if found and report.passed:
        report.outcome = "failed"
        shown = "\n".join(found[:20])
        more = f"\n… and {len(found) - 20} more" if len(found) > 20 else ""
        report.longrepr = f"secrets, paths, tracebacks or SQL leaked:\n{shown}{more}"


_KEY = pytest.StashKey[LeakCheck]()
