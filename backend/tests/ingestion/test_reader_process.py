"""The parser process that reads documents beside the encoders: within its limits, replaced
when it dies or hits one, gone with its parent."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chatgepeto.ingestion import reader_process
from chatgepeto.ingestion.filetypes import DOCX, MARKDOWN, PDF, TEXT
from chatgepeto.ingestion.loaders import DocumentError, load_pages
from chatgepeto.ingestion.reader_process import LimitExceeded, ParseLimits, parser_pids

from utils.documents import make_docx, make_pdf, make_text

PAGES = [f"Página {i}: a seleção natural age sobre a variação hereditária." for i in range(40)]


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


def _limits_of(pid: int) -> dict[str, str]:
    lines = Path(f"/proc/{pid}/limits").read_text().splitlines()
    return {line[:26].strip(): line[26:].split()[0] for line in lines[1:]}


# -- in the child, for the tests below (picklable by name) ---------------------------------------


def _identify():
    yield os.getpid()
    yield resource.getrlimit(resource.RLIMIT_AS)


def _allocate(megabytes: int):
    hog = bytearray(megabytes * 1024 * 1024)
    yield len(hog)


def _spin():
    while True:
        pass


def _fail():
    yield "first"
    raise ValueError("broken on purpose")


def _missing(path: str):
    yield Path(path).read_bytes()


# -------------------------------------------------------------------------------------------------


def _pid(limits: ParseLimits) -> int:
    """The pid of the parser process a call with `limits` gets (run to its end: kept)."""
    pid, _ = reader_process.run(limits, _identify)
    return pid


def test_every_type_is_read_in_another_process(tmp_path):
    pages = load_pages(make_pdf(tmp_path / "livro.pdf", PAGES), PDF)
    assert [p.number for p in pages] == list(range(1, 41))
    assert pages[7].text == PAGES[7]
    assert load_pages(make_docx(tmp_path / "a.docx", ["Mitose."]), DOCX)[0].text == "Mitose."
    assert load_pages(make_text(tmp_path / "a.md", "# Meiose"), MARKDOWN)[0].text == "# Meiose"
    pid, memory = list(reader_process.run(ParseLimits(), _identify))
    assert pid != os.getpid() and pid in parser_pids()
    assert memory == (ParseLimits().memory_bytes,) * 2


def test_the_limits_are_set_in_the_child(tmp_path):
    limits = ParseLimits(memory_bytes=512 * 1024 * 1024, cpu_seconds=30)
    pid = _pid(limits)
    applied = _limits_of(pid)
    assert applied["Max address space"] == str(512 * 1024 * 1024)
    assert applied["Max core file size"] == "0"
    # The CPU budget is the time already spent plus 30 s, reset for every document.
    assert 30 <= int(applied["Max cpu time"]) <= 40


def test_memory_over_the_limit_ends_that_call_and_replaces_the_child():
    limits = ParseLimits(memory_bytes=256 * 1024 * 1024)
    pid = _pid(limits)
    with pytest.raises(LimitExceeded) as caught:
        list(reader_process.run(limits, _allocate, 400))
    assert caught.value.kind == "memory"
    assert _gone(pid, 10)
    assert list(reader_process.run(limits, _allocate, 10)) == [10 * 1024 * 1024]


def test_cpu_over_the_limit_kills_the_child_with_sigxcpu():
    limits = ParseLimits(cpu_seconds=1)
    pid = _pid(limits)
    with pytest.raises(LimitExceeded) as caught:
        list(reader_process.run(limits, _spin))
    assert caught.value.kind == "cpu"
    assert _gone(pid, 10)
    assert _pid(limits) != pid


def test_an_exception_in_the_child_is_raised_here_and_the_child_is_kept():
    limits = ParseLimits()
    pid = _pid(limits)
    seen = []
    with pytest.raises(ValueError, match="broken on purpose"):
        for item in reader_process.run(limits, _fail):
            seen.append(item)
    assert seen == ["first"]
    assert _pid(limits) == pid


def test_a_reader_killed_while_idle_is_replaced(tmp_path):
    pdf = make_pdf(tmp_path / "livro.pdf", PAGES)
    load_pages(pdf, PDF)
    (pid,) = parser_pids()
    os.kill(pid, signal.SIGKILL)
    # Straight away: the kernel may still be ending its threads (the leader shows as a zombie
    # while the parent cannot reap it yet), so it may be handed out once more.
    assert [p.text for p in load_pages(pdf, PDF)] == PAGES
    assert _gone(pid, 10)
    assert parser_pids() and pid not in parser_pids()


def test_a_reader_killed_mid_document_fails_that_document_only(tmp_path):
    pdf = make_pdf(tmp_path / "livro.pdf", PAGES * 5)

    def kill_reader(done: int, total: int) -> None:
        if done == 1:
            for pid in parser_pids():
                os.kill(pid, signal.SIGKILL)

    # SIGKILL is how the kernel's OOM killer ends a process: a limit, not a crash to retry.
    with pytest.raises(DocumentError) as caught:
        load_pages(pdf, PDF, on_page=kill_reader)
    assert caught.value.code == "parse_limits_exceeded"
    assert len(load_pages(pdf, PDF)) == 200


def test_a_document_abandoned_half_way_leaves_no_busy_child(tmp_path):
    from chatgepeto.ingestion.loaders import iter_pages

    pdf = make_pdf(tmp_path / "livro.pdf", PAGES * 5)
    pages = iter_pages(pdf, PDF)
    next(pages)
    (busy,) = parser_pids()
    pages.close()  # the pipeline does this when a job fails half-way
    assert _gone(busy, 10)
    assert [p.text for p in load_pages(make_text(tmp_path / "a.txt", "Oi."), TEXT)] == ["Oi."]


def test_the_reader_exits_with_its_parent(tmp_path):
    path = make_text(tmp_path / "a.txt", "Oi.")
    code = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from chatgepeto.ingestion.loaders import load_pages\n"
        "from chatgepeto.ingestion.reader_process import parser_pids\n"
        "load_pages(Path(sys.argv[1]), 'text/plain')\n"
        "print(parser_pids()[0], flush=True)\n"
        "os._exit(0)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert _gone(int(out.stdout.strip()), 10)


def test_an_os_error_in_the_child_is_its_exception_not_its_death(tmp_path):
    limits = ParseLimits()
    pid = _pid(limits)
    with pytest.raises(FileNotFoundError):
        list(reader_process.run(limits, _missing, str(tmp_path / "nada")))
    assert _pid(limits) == pid
