"""Hostile files against a real `chatgepeto serve`: what each costs the parser process and the API.

Serves (default settings, `EMBEDDING_MODEL=multilingual` to start fast, rate limits off), then
uploads, one at a time, the real course PDFs (what the limits must leave room for) and each
hostile file of tests/utils/hostile.py, and while each is ingested:

- polls `GET /api/health` every 20 ms over one keep-alive connection (worst and median latency);
- samples every 20 ms the parser process (the API worker's `spawn` child, killed before each
  file so that the API starts a fresh one for it, as after a limit): its peak RSS (the kernel's
  VmHWM, so a peak between samples is not missed), its largest address space seen (VmSize,
  what RLIMIT_AS caps) and its CPU seconds (start-up included, about 0.3 s);
- samples the API worker's RSS (before, and the highest during).

Prints a table and writes results/hostile_files.json. The CPU bomb runs into the default
120 s budget: the whole run takes about five minutes on 2 cores.

    .venv/bin/python benchmarks/bench_hostile_files.py [--docs ../../shared/eval/docs]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psutil

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from common import RESULTS, percentile, serve, wait_until_ready  # noqa: E402

from utils import hostile  # noqa: E402

TOKEN = "bench-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MB = hostile.MB
DEFAULT_DOCS = HERE.parent.parent.parent / "shared" / "eval" / "docs"


def _text_bomb(path: Path) -> Path:
    path.write_text("A deriva genética muda as frequências alélicas. " * 850_000)  # 40 MB
    return path


CASES: list[tuple[str, str, Callable[[Path], Path]]] = [
    ("DOCX zip bomb, 1 GiB", "bomba-1g.docx", lambda p: hostile.docx_bomb(p, 1024 * MB)),
    ("DOCX zip bomb, 3 GiB", "bomba-3g.docx", lambda p: hostile.docx_bomb(p, 3 * 1024 * MB)),
    ("DOCX entry 1000:1, 100 MB", "razao.docx", lambda p: hostile.docx_bomb(p, 100 * MB)),
    ("DOCX 10,000 entries", "muitos.docx", lambda p: hostile.docx_many_entries(p, 10_000)),
    ("DOCX 350,000 entries", "muitissimos.docx", lambda p: hostile.docx_many_entries(p, 350_000)),
    (
        "DOCX XXE (file://)",
        "xxe.docx",
        lambda p: hostile.docx_with_xml(
            p,
            "<w:p><w:r><w:t>Antes &xxe; depois.</w:t></w:r></w:p>",
            '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        ),
    ),
    ("PDF Flate bomb, 1 GiB", "bomba.pdf", lambda p: hostile.pdf_flate_bomb(p, 1024 * MB)),
    ("PDF 60 MB string", "cadeia.pdf", lambda p: hostile.pdf_huge_string(p, 60)),
    ("PDF 1.5M operators", "operadores.pdf", lambda p: hostile.pdf_operator_flood(p, 1_500_000)),
    (
        "PDF CPU bomb (600k ops x 100 pages)",
        "cpu.pdf",
        lambda p: hostile.pdf_operator_flood(p, 600_000, pages=100),
    ),
    (
        "PDF arrays 100k deep",
        "aninhado.pdf",
        lambda p: hostile.pdf_nested_arrays(p, where="content"),
    ),
    ("PDF page tree cycle", "ciclo.pdf", hostile.pdf_page_tree_cycle),
    ("Text 40 MB", "texto.txt", _text_bomb),
]


def _parser(worker: psutil.Process) -> psutil.Process | None:
    for child in worker.children():
        with contextlib.suppress(psutil.Error):
            if "spawn_main" in " ".join(child.cmdline()):
                return child
    return None


def _status_kb(pid: int, field: str) -> int:
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class Watch:
    """Health latency and memory samples while one document is ingested."""

    def __init__(self, base: str, worker: psutil.Process) -> None:
        self.base, self.worker = base, worker
        self.health: list[float] = []
        self.failures = 0
        self.parser_hwm_kb: dict[int, int] = {}
        self.parser_vm_kb: dict[int, int] = {}
        self.parser_cpu: dict[int, tuple[float, float]] = {}  # pid: (first, last) CPU seconds
        self.worker_rss_max = 0
        self.stop = threading.Event()

    def poll_health(self) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as client:
            while not self.stop.is_set():
                started = time.perf_counter()
                try:
                    ok = client.get("/api/health").status_code == 200
                except httpx.HTTPError:
                    ok = False
                self.health.append((time.perf_counter() - started) * 1000)
                self.failures += not ok
                time.sleep(0.02)

    def sample(self) -> None:
        while not self.stop.is_set():
            with contextlib.suppress(psutil.Error):
                self.worker_rss_max = max(self.worker_rss_max, self.worker.memory_info().rss)
            parser = _parser(self.worker)
            if parser is not None:
                pid = parser.pid
                self.parser_hwm_kb[pid] = max(
                    self.parser_hwm_kb.get(pid, 0), _status_kb(pid, "VmHWM")
                )
                self.parser_vm_kb[pid] = max(
                    self.parser_vm_kb.get(pid, 0), _status_kb(pid, "VmSize")
                )
                with contextlib.suppress(psutil.Error):
                    times = parser.cpu_times()
                    spent = times.user + times.system
                    first = self.parser_cpu.get(pid, (spent, spent))[0]
                    self.parser_cpu[pid] = (first, spent)
            time.sleep(0.02)


def measure(client: httpx.Client, base: str, worker: psutil.Process, name: str, path: Path):
    collection = client.post("/api/collections", json={"name": f"bench {name}"}, headers=AUTH)
    collection_id = collection.json()["id"]
    rss_before = worker.memory_info().rss
    # A fresh parser for each file, so that its peak RSS (VmHWM) and CPU time are this file's:
    # the API starts one for the upload, as it does after a parser hit a limit.
    idle = _parser(worker)
    if idle is not None:
        idle.kill()
        # A zombie until the API reaps it (when it next asks for a parser): dead enough.
        deadline = time.monotonic() + 10
        with contextlib.suppress(psutil.NoSuchProcess):
            while idle.status() != psutil.STATUS_ZOMBIE and time.monotonic() < deadline:
                time.sleep(0.05)
    watch = Watch(base, worker)
    threads = [threading.Thread(target=watch.poll_health), threading.Thread(target=watch.sample)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    with path.open("rb") as stream:
        response = client.post(
            f"/api/collections/{collection_id}/documents",
            files={"files": (name, stream)},
            headers=AUTH,
        )
    body = response.json()
    if response.status_code != 202:
        outcome, document = f"refused {response.status_code}", {}
    else:
        document_id = body["items"][0]["id"]
        while True:
            document = client.get(f"/api/documents/{document_id}").json()
            if document["status"] in ("ready", "failed"):
                break
            time.sleep(0.1)
        outcome = document["status"] if document["status"] == "ready" else document["error_code"]
    seconds = time.perf_counter() - started
    time.sleep(0.1)
    watch.stop.set()
    for thread in threads:
        thread.join()
    cpu = sum(last for _, last in watch.parser_cpu.values())
    return {
        "file_mb": round(path.stat().st_size / MB, 2),
        "outcome": outcome,
        "seconds": round(seconds, 2),
        "parser_peak_rss_mb": round(max(watch.parser_hwm_kb.values(), default=0) / 1024),
        "parser_peak_vm_mb": round(max(watch.parser_vm_kb.values(), default=0) / 1024),
        "parser_cpu_s": round(cpu, 1),
        "parsers": len(watch.parser_hwm_kb),
        "api_rss_before_mb": round(rss_before / MB),
        "api_rss_max_mb": round(max(watch.worker_rss_max, rss_before) / MB),
        "health_requests": len(watch.health),
        "health_failures": watch.failures,
        "health_p50_ms": round(statistics.median(watch.health), 1) if watch.health else None,
        "health_p99_ms": round(percentile(watch.health, 0.99), 1) if watch.health else None,
        "health_worst_ms": round(max(watch.health), 1) if watch.health else None,
        "error": document.get("error"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=Path, default=DEFAULT_DOCS, help="the real course PDFs")
    parser.add_argument("--only", help="run only the cases whose label contains this")
    args = parser.parse_args()
    env = {
        "ADMIN_TOKEN": TOKEN,
        "EMBEDDING_MODEL": "multilingual",
        "RATELIMIT_ENABLED": "false",
        "WORKERS": "1",
    }
    real = sorted(args.docs.rglob("*.pdf")) if args.docs.is_dir() else []
    rows: list[tuple[str, dict[str, Any]]] = []
    with tempfile.TemporaryDirectory() as tmp, serve(env) as server:
        folder = Path(tmp)
        wait_until_ready(server.base)  # the models load on a thread at start: not measured here
        master = psutil.Process(server.process.pid)
        (worker,) = [c for c in master.children() if "spawn_main" not in " ".join(c.cmdline())]
        with httpx.Client(base_url=server.base, timeout=600) as client:
            for pdf in real:
                if args.only and args.only not in pdf.name:
                    continue
                rows.append(
                    (f"real: {pdf.name}", measure(client, server.base, worker, pdf.name, pdf))
                )
                print(rows[-1][0], rows[-1][1], flush=True)
            for label, name, build in CASES:
                if args.only and args.only not in label:
                    continue
                path = build(folder / name)
                rows.append((label, measure(client, server.base, worker, name, path)))
                print(label, rows[-1][1], flush=True)
                path.unlink()
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "hostile_files.json"
    out.write_text(json.dumps(dict(rows), indent=2, ensure_ascii=False) + "\n")
    print_table(rows)
    print(f"\nwritten to {out}")


def print_table(rows: list[tuple[str, dict[str, Any]]]) -> None:
    head = (
        f"{'file':40} {'MB':>6} {'outcome':>24} {'s':>6} {'parser RSS':>10} {'parser AS':>9} "
        f"{'CPU s':>6} {'API RSS':>12} {'health p50/p99/max ms':>22}"
    )
    print("\n" + head + "\n" + "-" * len(head))
    for label, r in rows:
        api = f"{r['api_rss_before_mb']}→{r['api_rss_max_mb']}"
        health = f"{r['health_p50_ms']}/{r['health_p99_ms']}/{r['health_worst_ms']}"
        if r["health_failures"]:
            health += f" ({r['health_failures']} failed)"
        print(
            f"{label[:40]:40} {r['file_mb']:>6} {r['outcome'][:24]:>24} {r['seconds']:>6} "
            f"{r['parser_peak_rss_mb']:>10} {r['parser_peak_vm_mb']:>9} {r['parser_cpu_s']:>6} "
            f"{api:>12} {health:>22}"
        )


if __name__ == "__main__":
    main()
