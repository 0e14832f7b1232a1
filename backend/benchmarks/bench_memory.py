"""Benchmark: memory of `chatgepeto serve` per process, with and without PRELOAD_MODELS.

For each setup — one worker on embedded Chroma (the default), and --workers workers on a
Chroma server this script starts (`chroma run`), each without and with PRELOAD_MODELS —
serves a fresh data folder, uploads one text document, sends --requests searches from 4
clients (so that every worker has run both models many times, concurrently), checks that every
answer holds the document's passage, and then reads /proc/<pid>/smaps_rollup of gunicorn's
master and of each worker: RSS, PSS (each shared page counted once, split between the
processes that map it), and the anonymous private part. The sum of PSS is what the server
costs the machine. Results: results/memory.json (--json also prints them).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from common import RESULTS, free_port, run_clients, serve, wait_until_ready

TOKEN = "bench"
TEXT = (
    "A deriva genética muda as frequências alélicas ao acaso, sobretudo em populações "
    "pequenas. Natural selection favours heritable variation that improves survival."
)
QUESTIONS = ["O que é deriva genética?", "What does natural selection favour?"]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def smaps(pid: int) -> dict[str, float]:
    """RSS, PSS and the private anonymous part of one process, in MB."""
    values: dict[str, int] = {}
    with open(f"/proc/{pid}/smaps_rollup") as fh:
        for line in fh:
            key, _, rest = line.partition(":")
            if rest.strip().endswith("kB"):
                values[key] = int(rest.split()[0])
    mb = {
        "rss": values["Rss"],
        "pss": values["Pss"],
        "private": values["Private_Clean"] + values["Private_Dirty"],
        "shared": values["Shared_Clean"] + values["Shared_Dirty"],
    }
    return {k: round(v / 1024, 1) for k, v in mb.items()}


@contextlib.contextmanager
def chroma_server() -> Iterator[int]:
    binary = shutil.which("chroma", path=str(Path(sys.executable).parent)) or "chroma"
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        process = subprocess.Popen(
            [binary, "run", "--path", tmp, "--host", "127.0.0.1", "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with contextlib.suppress(httpx.HTTPError):
                    httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
                    break
                time.sleep(0.3)
            yield port
        finally:
            process.terminate()
            process.wait(timeout=30)


def measure(workers: int, preload: bool, chroma_port: int | None, requests: int) -> dict:
    env = {
        "ADMIN_TOKEN": TOKEN,
        "GROQ_API_KEY": "",
        "RATELIMIT_ENABLED": "false",
        "WORKERS": str(workers),
        "PRELOAD_MODELS": "true" if preload else "false",
    }
    if chroma_port:
        env |= {"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(chroma_port)}
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with serve(env) as server:
        wait_until_ready(server.base)
        up = round(time.perf_counter() - server.started, 1)
        with httpx.Client(base_url=server.base, timeout=120) as client:
            collection = client.post(
                "/api/collections", json={"name": f"memory {workers} {preload}"}, headers=auth
            ).json()["id"]
            item = client.post(
                f"/api/collections/{collection}/documents",
                files={"files": ("deriva.txt", TEXT.encode(), "text/plain")},
                headers=auth,
            ).json()["items"][0]
            while client.get(f"/api/documents/{item['id']}").json()["status"] != "ready":
                time.sleep(0.2)
            bodies = [{"question": q, "collection_id": collection} for q in QUESTIONS]
            for body in bodies * 4:
                results = client.post("/api/search", json=body).json()["results"]
                assert results and "deriva genética" in results[0]["text"], results
        load = run_clients(server.base, "/api/search", bodies, clients=4, requests=requests)
        assert load["errors"] == 0, load
        import psutil

        master = psutil.Process(server.process.pid)
        children = master.children()
        processes = {"master": smaps(master.pid)} | {
            f"worker {i + 1}": smaps(child.pid) for i, child in enumerate(children)
        }
    total = {key: round(sum(p[key] for p in processes.values()), 1) for key in ("rss", "pss")}
    row = {
        "workers": workers,
        "preload_models": preload,
        "chroma": "server" if chroma_port else "embedded",
        "serving_s": up,
        "search": {k: load[k] for k in ("requests", "p50_ms", "p95_ms", "errors")},
        "processes_mb": processes,
        "total_mb": total,
    }
    log(json.dumps(row))
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2, help="workers with a Chroma server")
    parser.add_argument("--requests", type=int, default=400, help="searches per setup")
    parser.add_argument("--out", type=Path, default=RESULTS / "memory.json")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    rows = [measure(1, preload, None, args.requests) for preload in (False, True)]
    with chroma_server() as port:
        rows += [measure(args.workers, preload, port, args.requests) for preload in (False, True)]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"setups": rows}, indent=2) + "\n")

    log(f"\n{'setup':<38}{'process':<10}{'RSS MB':>8}{'PSS MB':>8}{'private':>9}")
    for row in rows:
        name = (
            f"{row['workers']} worker(s), {row['chroma']} Chroma, "
            f"preload {'on' if row['preload_models'] else 'off'}"
        )
        for process, mb in [*row["processes_mb"].items(), ("total", row["total_mb"])]:
            log(f"{name:<38}{process:<10}{mb['rss']:>8}{mb['pss']:>8}{mb.get('private', ''):>9}")
            name = ""
    if args.json:
        print(json.dumps(rows))


if __name__ == "__main__":
    main()
