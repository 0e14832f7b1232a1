"""The process that reads PDF pages beside the encoders: replaced when it dies, gone with its
parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chatgepeto.ingestion.filetypes import PDF
from chatgepeto.ingestion.loaders import load_pages
from chatgepeto.ingestion.reader_process import reader_process

from utils.documents import make_pdf

PAGES = [f"Página {i}: a seleção natural age sobre a variação hereditária." for i in range(40)]


def _reader_pid() -> int:
    return reader_process().submit(os.getpid).result(timeout=60)


def _gone(pid: int, within: float) -> bool:
    """True once `pid` has exited (a zombie counts as gone) within `within` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in "ZX":
            return True
        time.sleep(0.1)
    return False


def test_pages_are_read_in_another_process(tmp_path):
    pages = load_pages(make_pdf(tmp_path / "livro.pdf", PAGES), PDF)
    assert [p.number for p in pages] == list(range(1, 41))
    assert pages[7].text == PAGES[7]
    assert _reader_pid() != os.getpid()


def test_a_reader_killed_while_idle_is_replaced(tmp_path):
    pdf = make_pdf(tmp_path / "livro.pdf", PAGES)
    load_pages(pdf, PDF)
    pid = _reader_pid()
    os.kill(pid, signal.SIGKILL)
    assert _gone(pid, 10)
    time.sleep(0.5)  # the executor notices the death on its own thread
    assert [p.text for p in load_pages(pdf, PDF)] == PAGES
    assert _reader_pid() != pid


def test_a_reader_killed_mid_document_fails_that_document_only(tmp_path):
    pdf = make_pdf(tmp_path / "livro.pdf", PAGES * 5)
    pid = _reader_pid()

    def kill_reader(done: int, total: int) -> None:
        if done == 1:
            os.kill(pid, signal.SIGKILL)

    with pytest.raises(RuntimeError, match="reader process stopped"):
        load_pages(pdf, PDF, on_page=kill_reader)
    assert len(load_pages(pdf, PDF)) == 200


def test_the_reader_exits_with_its_parent():
    code = (
        "import os\n"
        "from chatgepeto.ingestion.reader_process import reader_process\n"
        "print(reader_process().submit(os.getpid).result(), flush=True)\n"
        "os._exit(0)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert _gone(int(out.stdout.strip()), 10)
