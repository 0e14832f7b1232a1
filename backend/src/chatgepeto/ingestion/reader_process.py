"""The process that reads PDF pages for this one, so that reading overlaps embedding.

pypdf is pure Python and holds the GIL while it reads a page. Read on a thread of the ingesting
process, it starved the embedding threads, which need the GIL between their kernels: reading
and embedding a book took as long as the two one after the other. In a process of its own the
reading runs beside them (docs/benchmarks.md, "Ingestion").

One process per ingesting process, started on first use with the `spawn` method (a forked
copy would inherit the encoders' thread pools, which do not survive `fork()`), and replaced
if it dies. It logs as its parent does, ignores Ctrl-C (the parent handles it), and exits when
its parent is gone.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor

from chatgepeto.observability.logging import configure_logging, logging_configuration

_lock = threading.Lock()
_executor: ProcessPoolExecutor | None = None


def reader_process() -> ProcessPoolExecutor:
    """The reader process's executor, started if need be."""
    global _executor
    with _lock:
        if _executor is None:
            _executor = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start,
                initargs=(os.getpid(), logging_configuration()),
            )
        return _executor


def discard(executor: ProcessPoolExecutor) -> None:
    """Forget a broken executor (its process died); the next call starts a new one."""
    global _executor
    with _lock:
        if _executor is executor:
            _executor = None
    executor.shutdown(wait=False, cancel_futures=True)


def _start(parent: int, logging: tuple[str, bool] | None) -> None:
    """In the reader process, before its first task."""
    if logging is not None:
        configure_logging(*logging)
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()
