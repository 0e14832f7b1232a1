"""The process that reads documents for this one, within limits on memory and CPU time.

Every document (PDF, DOCX, Markdown, text) is parsed in a child process, for two reasons:

- Speed. pypdf is pure Python and holds the GIL while it reads a page. Read on a thread of
  the ingesting process, it starved the embedding threads, which need the GIL between their
  kernels: reading and embedding a book took as long as the two one after the other. In a
  process of its own the reading runs beside them (docs/benchmarks.md, "Ingestion").
- Safety. A hostile file (a decompression bomb, a PDF stream that inflates to gigabytes, an
  object tree nested or looped without end) can only exhaust the child: its address space is
  capped (RLIMIT_AS, so allocations fail with MemoryError) and so is the CPU time it may spend
  on one document (RLIMIT_CPU: the kernel kills it with SIGXCPU). The API and the worker only
  receive the extracted text, page by page, and stay responsive and small.

A child is started on first use with the `spawn` method (a forked copy would inherit the
encoders' thread pools, which do not survive `fork()`), kept for the next document, and
replaced if it dies or hits a limit. It logs as its parent does, ignores Ctrl-C (the parent
handles it), and exits when its parent is gone. Each caller gets a child of its own (at most
one waits idle), so documents read on different threads never wait for each other.

`run(limits, function, *args)` calls a generator function in a child and yields what it
yields; what the function raises is raised here. The child's death on a limit raises
`LimitExceeded`.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import resource
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from chatgepeto.observability.logging import configure_logging, get_logger, logging_configuration

log = get_logger(__name__)

# Exit status of a child that ran out of memory (after reporting it, when it still could).
_EXIT_MEMORY = 86
# A child that sends nothing for this many times its CPU budget is stuck, not busy (a busy one
# is killed by its CPU limit first), however loaded the machine.
_STALL_FACTOR = 5
_MIN_STALL_SECONDS = 60.0
# The parent's wait for the child ends this often, so that a signal handler can run (Python
# runs them in the main thread only, between waits; a worker's main thread runs its jobs).
_POLL_SECONDS = 0.5


@dataclass(frozen=True)
class ParseLimits:
    """What parsing one document may use; settings.py holds the configured values."""

    # Address space of the parser process (RLIMIT_AS): it takes about 170 MB itself, 190 MB
    # with the evaluation PDFs (docs/security.md, "Hostile files").
    memory_bytes: int = 1024 * 1024 * 1024
    # CPU seconds per document (RLIMIT_CPU). Think Python (288 pages) takes about 6.
    cpu_seconds: int = 120
    # Characters of extracted text per document (a 1,000-page book holds about 3 million).
    max_chars: int = 10_000_000
    # A DOCX's parts, inflated: their declared sizes added up, checked before inflating.
    max_unpacked_bytes: int = 256 * 1024 * 1024
    # Entries in a DOCX (Word writes a dozen plus one per image).
    max_entries: int = 2000
    # Inflated / compressed size of one DOCX entry larger than 1 MB; Word's XML packs about
    # 5-15×, a zip bomb about 1000×.
    max_ratio: int = 200


class LimitExceeded(Exception):
    """The parser process hit a limit on this document: `kind` is "memory" or "cpu"."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class ParserStopped(RuntimeError):
    """The parser process died while reading a document, for another reason than a limit."""


class _Child:
    """One parser process and the parent's end of its pipe."""

    def __init__(self, limits: ParseLimits) -> None:
        context = multiprocessing.get_context("spawn")
        self.limits = limits
        # Whether the last call ran to its end, leaving the child ready for another.
        self.clean = True
        self.conn, child_end = context.Pipe()
        self.process = context.Process(
            target=_serve,
            args=(child_end, os.getpid(), logging_configuration(), limits),
            name="chatgepeto-parser",
            daemon=True,
        )
        self.process.start()
        child_end.close()
        self.pid = self.process.pid

    def alive(self) -> bool:
        return self.process.is_alive()

    def run(self, function: Callable[..., Iterator[Any]], args: tuple[Any, ...]) -> Iterator[Any]:
        """Call `function(*args)` in the child, yielding its items; the child is left ready for
        the next call only if the call ran to its end (see `clean`)."""
        self.clean = False
        stall = max(_MIN_STALL_SECONDS, _STALL_FACTOR * self.limits.cpu_seconds)
        try:
            self.conn.send((function, args))
        except OSError:  # it died while idle, after it was handed out
            raise self._death() from None
        while True:
            try:
                if not self._poll(stall):
                    log.error("parser_stalled", pid=self.pid, seconds=stall)
                    self.stop()
                    raise LimitExceeded("cpu")
                kind, value = self.conn.recv()
            except (EOFError, OSError):  # the pipe closed: the child is gone
                raise self._death() from None
            if kind == "item":
                yield value
            elif kind == "end":
                self.clean = True
                return
            else:  # "raise": the function's exception, or the child's LimitExceeded
                self.clean = not isinstance(value, LimitExceeded)
                raise value

    def _death(self) -> Exception:
        """What the child's death means (it closed the pipe)."""
        self.process.join(timeout=5)
        code = self.process.exitcode
        log.warning("parser_died", pid=self.pid, exitcode=code)
        if code == _EXIT_MEMORY:
            return LimitExceeded("memory")
        if code == -signal.SIGXCPU:
            return LimitExceeded("cpu")
        if code == -signal.SIGKILL:
            # The kernel's OOM killer (or an operator) ended it while it held this document.
            killed = LimitExceeded("memory")
            killed.killed = True
            return killed
        return ParserStopped(f"The document reader process stopped (exit status {code}).")

    def _poll(self, seconds: float) -> bool:
        """Whether the child sent something within `seconds`, asked in short waits."""
        deadline = time.monotonic() + seconds
        while not self.conn.poll(min(_POLL_SECONDS, max(0.0, deadline - time.monotonic()))):
            if time.monotonic() >= deadline:
                return False
        return True

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


_lock = threading.Lock()
_idle: list[_Child] = []
_live: dict[int, _Child] = {}


def _acquire(limits: ParseLimits, *, fresh: bool = False) -> tuple[_Child, bool]:
    """A child for one document, and whether it was an idle one reused."""
    with _lock:
        while _idle and not fresh:
            child = _idle.pop()
            if child.alive() and child.limits == limits:
                return child, True
            _retire(child)
        child = _Child(limits)
        _live[child.pid] = child
        return child, False


def _release(child: _Child) -> None:
    with _lock:
        if child.clean and child.alive() and not _idle:
            _idle.append(child)
            return
        _retire(child)


def _retire(child: _Child) -> None:
    _live.pop(child.pid, None)
    child.stop()


def run(limits: ParseLimits, function: Callable[..., Iterator[Any]], *args: Any) -> Iterator[Any]:
    """Yield what the generator `function(*args)` yields, run in a parser process with
    `limits`; its exceptions are raised here. A child that hits a limit raises LimitExceeded
    (and is replaced); one that dies otherwise raises ParserStopped. Closing the iterator
    early stops that child (it may be half-way through the document)."""
    child, reused = _acquire(limits)
    started = False
    try:
        for item in child.run(function, args):
            started = True
            yield item
    except (LimitExceeded, ParserStopped) as exc:
        killed = isinstance(exc, ParserStopped) or getattr(exc, "killed", False)
        if not reused or started or not killed:
            raise
        # An idle child killed before it sent anything back: maybe while idle, a moment ago,
        # its death not yet seen when it was handed out. Once more, on a fresh child.
        _release(child)
        child, _ = _acquire(limits, fresh=True)
        yield from child.run(function, args)
    finally:
        _release(child)


def parser_pids() -> list[int]:
    """The process ids of this process's parser processes (for tests and benchmarks)."""
    with _lock:
        return [pid for pid, child in _live.items() if child.alive()]


def shutdown() -> None:
    """Stop every parser process (they also exit by themselves with this one)."""
    with _lock:
        for child in list(_live.values()):
            _retire(child)
        _idle.clear()


# --- in the child ---------------------------------------------------------------------------


def _serve(
    conn: Connection, parent: int, logging: tuple[str, bool] | None, limits: ParseLimits
) -> None:
    """The child's loop: run one call at a time, each within a fresh CPU budget."""
    if logging is not None:
        configure_logging(*logging)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _watch_parent(parent)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a child killed on a limit dumps nothing
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    while True:
        try:
            function, args = conn.recv()
        except EOFError:
            return
        _start_cpu_budget(limits.cpu_seconds)
        try:
            for item in function(*args):
                conn.send(("item", item))
            conn.send(("end", None))
        except MemoryError:
            # The heap may be in pieces: say so if we can, and make way for a fresh process.
            try:
                conn.send(("raise", LimitExceeded("memory")))
            finally:
                os._exit(_EXIT_MEMORY)
        except Exception as exc:
            conn.send(("raise", _picklable(exc)))


def _start_cpu_budget(seconds: int) -> None:
    """Let this process spend `seconds` more CPU seconds, then the kernel sends SIGXCPU, whose
    default action ends it. Only the soft limit moves (up or down), so it can be reset for
    every document; the hard limit stays where it was."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(usage.ru_utime + usage.ru_stime) + seconds
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _picklable(exc: Exception) -> Exception:
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")


def _watch_parent(parent: int) -> None:
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()
