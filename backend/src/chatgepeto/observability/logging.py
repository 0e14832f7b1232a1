"""JSON logs with structlog; every line of a request carries its request_id.

A logged exception is written as its type, its message and where it was raised, as module,
function and line (`chatgepeto.ingestion.pipeline:_ingest:380`), never as a traceback. No
value of a log line holds an absolute file path (it is cut to its last two names,
`…/c1/1`) or an SQL statement (a database error's statement, parameters and driver prefix
are cut off).
"""

from __future__ import annotations

import logging
import os
import re
import sys
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any

import structlog

# The arguments of the last configure_logging() call: helper processes log the same way.
_configured: tuple[str, bool] | None = None


def configure_logging(level: str = "INFO", json: bool = True) -> None:
    """Route structlog and the standard library through one JSON (or console) renderer."""
    global _configured
    _configured = (level, json)
    shared = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            summarize_exception,
            redact_values,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpcore", "chromadb", "bm25s", "sentence_transformers", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def logging_configuration() -> tuple[str, bool] | None:
    """How this process's logging was configured (level, json), None if it was not."""
    return _configured


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)


# Where the logged exception was raised: this many innermost frames of our own code.
_FRAMES = 6
_OURS = {"chatgepeto"}
# SQLAlchemy appends the statement, its parameters and a link to its messages; PostgreSQL
# quotes the statement's line; a wrapped driver error starts with the driver's class.
_SQL_TAIL = re.compile(
    r"\s*(?:\[SQL: |\[parameters: |\(Background on this error at: |LINE \d+: ).*", re.S
)
_DRIVER_PREFIX = re.compile(r"^\([\w.]+\) ")


def _path_pattern() -> re.Pattern[str]:
    """Absolute paths under this machine's top folders (not URL paths like /api/…)."""
    roots = {"tmp", "home", "root", "usr", "var", "opt", "etc", "srv", "mnt", "data", "work"}
    for place in (tempfile.gettempdir(), sys.prefix, str(Path.home()), os.getcwd()):
        parts = Path(place).parts
        if len(parts) > 1:
            roots.add(parts[1])
    alternatives = "|".join(re.escape(r) for r in sorted(roots))
    return re.compile(rf"(?<![\w.:/])/(?:{alternatives})(?:/[^\s'\"(),;:]*)?")


_PATH = _path_pattern()


def _shorten(match: re.Match[str]) -> str:
    # The last two names say which file it was; the folders above say where the machine
    # keeps it, which a log line should not.
    parts = [p for p in match[0].split("/") if p]
    return "…/" + "/".join(parts[-2:])


def redact(text: str) -> str:
    """`text` with no SQL statement and no absolute file path in it."""
    return _PATH.sub(_shorten, _DRIVER_PREFIX.sub("", _SQL_TAIL.sub("", text)))


def redact_values(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: no absolute path or SQL statement in any value of a log line."""
    for key, value in event_dict.items():
        if isinstance(value, str):
            event_dict[key] = redact(value)
        elif isinstance(value, Path):
            event_dict[key] = redact(str(value))
        elif isinstance(value, list | tuple):
            event_dict[key] = [redact(str(v)) if isinstance(v, str | Path) else v for v in value]
    return event_dict


def _describe(exc: BaseException) -> str:
    message = redact(str(exc))
    name = type(exc).__qualname__
    return f"{name}: {message}" if message else name


def _frames(tb: TracebackType | None) -> list[str]:
    """The innermost frames of this package's code (a library's own are left out)."""
    frames = []
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", "")
        if module.partition(".")[0] in _OURS:
            frames.append(f"{module}:{tb.tb_frame.f_code.co_name}:{tb.tb_lineno}")
        tb = tb.tb_next
    return frames[-_FRAMES:]


def summarize_exception(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: `exc_info` → `exception` (type: message), `raised_at` (our frames,
    `module:function:line`) and `cause` (the exception it came from), not a traceback."""
    exc_info = event_dict.pop("exc_info", None)
    if exc_info is None or exc_info is False:
        return event_dict
    if exc_info is True:
        exc_info = sys.exc_info()
    exc = exc_info if isinstance(exc_info, BaseException) else exc_info[1]
    if exc is None:
        return event_dict
    event_dict["exception"] = _describe(exc)
    event_dict["raised_at"] = _frames(exc.__traceback__)
    cause = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    if cause is not None:
        event_dict["cause"] = _describe(cause)
        event_dict["cause_raised_at"] = _frames(cause.__traceback__)
    return event_dict
