"""Benchmark: how search latency and memory grow with a collection's size.

For each --sizes (chunks in one collection; synthetic course-like text, see common.build_data,
built once into results/cache/<chunks>/, vectors composed from really embedded sentences),
serves a copy of the data with `chatgepeto serve` (default settings: hybrid retrieval over
two embedding models and BM25) and sends --requests sequential /api/search requests from one
client: p50/p95/p99, server RSS after start-up, after warm-up and after the run, data folder
size (SQL, Chroma, files). Then, in-process on the same data, the median of each retrieval
mode (hybrid, dense-only, bm25-only: the HTTP API has no retriever parameter) and of each
stage of a search. Growth: the ratio per 10x chunks of each figure (log-log fit).

Results: results/scaling.json; plots (--plots, default docs/benchmarks/): scaling-latency.png,
scaling-memory.png, and latency-clients.png when results/latency.json exists.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import math
import shutil
import sys
import tempfile
import time
from pathlib import Path

import httpx
from common import (
    PLOTS,
    RESULTS,
    Server,
    cached_data,
    dir_size_mb,
    latency_summary,
    load_questions,
    metric_samples,
    profile_search,
    serve,
    wait_until_ready,
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def lexical_counts(base: str) -> dict[str, float]:
    """How many BM25 indexes the server has built and loaded (saved ones) so far."""
    samples = metric_samples(base, "chatgepeto_lexical_index_seconds_count")
    return {source: samples.get(f'{{source="{source}"}}', 0.0) for source in ("built", "loaded")}


def wait_until_warm(server: Server, timeout: float = 600) -> tuple[float, float]:
    """Seconds from the process start until the models were loaded and until the BM25 index
    was in memory (the warm-up thread built or loaded it)."""
    deadline = time.monotonic() + timeout
    ready = warm = 0.0
    while time.monotonic() < deadline and not (ready and warm):
        with contextlib.suppress(httpx.HTTPError, KeyError, ValueError):
            if not ready:
                checks = httpx.get(f"{server.base}/api/ready", timeout=5).json()["checks"]
                if checks["embedding_model"]["status"] == "loaded":
                    ready = time.perf_counter() - server.started
            if not warm and sum(lexical_counts(server.base).values()) >= 1:
                warm = time.perf_counter() - server.started
        time.sleep(0.1)
    return round(ready, 2), round(warm, 2)


def timed_search(client: httpx.Client, body: dict) -> float:
    started = time.perf_counter()
    client.post("/api/search", json=body).raise_for_status()
    return round((time.perf_counter() - started) * 1000, 1)


def upload_text(client: httpx.Client, collection: str, text: str) -> None:
    """Upload one text document through the API and wait until it is ready."""
    response = client.post(
        f"/api/collections/{collection}/documents",
        headers={"Authorization": "Bearer bench"},
        files={"files": ("added.txt", text.encode(), "text/plain")},
    )
    response.raise_for_status()
    document = response.json()["items"][0]["id"]
    deadline = time.monotonic() + 120
    while client.get(f"/api/documents/{document}").json()["status"] != "ready":
        if time.monotonic() > deadline:
            raise SystemExit("the uploaded document did not become ready")
        time.sleep(0.2)


def measure_size(chunks: int, questions: list[str], requests: int, modes: bool) -> dict:
    """Three starts on one copy of the data.

    1. Nothing saved (a new container): the first search as soon as /api/ready says the
       models are loaded, while the warm-up thread may still be building BM25.
    2. Nothing saved again: wait until the warm-up is done, then the first search, the latency
       run and the memory figures; then an upload, the search right after it and the time the
       background rebuild takes.
    3. A restart on the same folder: BM25 loaded as saved; the first search at ready.
    """
    data, record = cached_data(chunks, log=log)
    collection = record["collection_id"]
    bodies = [{"question": q, "collection_id": collection} for q in questions]
    env = {"ADMIN_TOKEN": "bench", "GROQ_API_KEY": "", "RATELIMIT_ENABLED": "false"}
    result: dict = {
        "chunks": chunks,
        "build": record["build"],
        "build_cached": record.get("cached", False),
        "disk_mb": {
            "total": dir_size_mb(data),
            "sql": round(sum(p.stat().st_size for p in data.glob("*.sqlite3*")) / 2**20, 1),
            "chroma": dir_size_mb(data / "chroma"),
            "files": dir_size_mb(data / "files"),
        },
        "rss_mb": {},
        "start": {},
    }
    start = result["start"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data"
        shutil.copytree(data, folder)

        with (
            serve(env, data_dir=folder) as server,
            httpx.Client(base_url=server.base, timeout=600) as client,
        ):
            wait_until_ready(server.base)
            start["ready_s"] = round(time.perf_counter() - server.started, 2)
            start["first_search_at_ready_ms"] = timed_search(client, bodies[0])
        shutil.rmtree(folder / "lexical", ignore_errors=True)  # nothing saved again

        with serve(env, data_dir=folder) as server:
            start["models_loaded_s"], start["bm25_in_memory_s"] = wait_until_warm(server)
            result["rss_mb"]["started"] = server.rss_mb()
            with httpx.Client(base_url=server.base, timeout=600) as client:
                result["first_search_ms"] = timed_search(client, bodies[0])
                for body in bodies[1:11]:
                    client.post("/api/search", json=body).raise_for_status()
                result["rss_mb"]["warm"] = server.rss_mb()
                latencies = [timed_search(client, bodies[i % len(bodies)]) for i in range(requests)]
                result["search_http"] = latency_summary(latencies)
                result["rss_mb"]["after_run"] = server.rss_mb()

                # An upload bumps the version: the next search finds the index stale.
                built = lexical_counts(server.base)["built"]
                upload_text(client, collection, "Xilofonização: um termo inventado para o teste.")
                changed = time.perf_counter()
                result["after_upload"] = {"first_search_ms": timed_search(client, bodies[1])}
                while lexical_counts(server.base)["built"] <= built:
                    time.sleep(0.1)
                result["after_upload"]["bm25_rebuilt_s"] = round(time.perf_counter() - changed, 2)
                result["after_upload"]["second_search_ms"] = timed_search(client, bodies[2])
        result["disk_mb"]["lexical"] = dir_size_mb(folder / "lexical")

        with (
            serve(env, data_dir=folder) as server,
            httpx.Client(base_url=server.base, timeout=600) as client,
        ):
            wait_until_ready(server.base)
            start["restart_ready_s"] = round(time.perf_counter() - server.started, 2)
            start["restart_first_search_at_ready_ms"] = timed_search(client, bodies[0])
            start["restart_lexical"] = lexical_counts(server.base)
    if modes:
        profile = profile_search(data, collection, questions, n=30, with_cprofile=False)
        result["in_process_median_ms"] = profile["stages_median_ms"]
    log(f"{chunks} chunks: {json.dumps(result)}")
    return result


def growth(sizes: list[int], values: list[float]) -> dict:
    """Ratio per 10x chunks: from a least-squares fit of log(value) on log(size)."""
    points = [(math.log10(s), math.log10(v)) for s, v in zip(sizes, values, strict=True) if v > 0]
    if len(points) < 2:
        return {}
    mx = sum(x for x, _ in points) / len(points)
    my = sum(y for _, y in points) / len(points)
    slope = sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x, _ in points)
    steps = [round(b / a, 2) for a, b in itertools.pairwise(values) if a > 0]
    return {"ratio_per_10x": round(10**slope, 2), "exponent": round(slope, 2), "steps": steps}


def summarise(results: list[dict]) -> dict:
    sizes = [r["chunks"] for r in results]
    series = {
        "search_p50_ms": [r["search_http"]["p50_ms"] for r in results],
        "search_p95_ms": [r["search_http"]["p95_ms"] for r in results],
        "rss_warm_mb": [r["rss_mb"]["warm"] for r in results],
        "rss_after_run_mb": [r["rss_mb"]["after_run"] for r in results],
        "disk_mb": [r["disk_mb"]["total"] for r in results],
    }
    if all("in_process_median_ms" in r for r in results):
        for stage in results[0]["in_process_median_ms"]:
            series[f"in_process.{stage}"] = [r["in_process_median_ms"][stage] for r in results]
    return {name: growth(sizes, values) for name, values in series.items()}


def plot_scaling(report: dict, folder: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = report["sizes"]
    sizes = [r["chunks"] for r in results]
    folder.mkdir(parents=True, exist_ok=True)
    written = []

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for q in ("p50", "p95", "p99"):
        ax.plot(sizes, [r["search_http"][f"{q}_ms"] for r in results], "o-", label=f"HTTP {q}")
    if all("in_process_median_ms" in r for r in results):
        for mode, style in (("hybrid", "s--"), ("dense", "^--"), ("bm25", "v--")):
            key = f"retriever.search[{mode}]"
            values = [r["in_process_median_ms"].get(key) for r in results]
            ax.plot(sizes, values, style, alpha=0.7, label=f"in-process {mode} p50")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("chunks in the collection")
    ax.set_ylabel("ms")
    ax.set_title("/api/search latency vs collection size (1 client)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = folder / "scaling-latency.png"
    fig.savefig(path, dpi=120)
    plt.close(fig)
    written.append(path)

    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.plot(sizes, [r["rss_mb"]["started"] for r in results], "o-", label="RSS after start-up")
    ax.plot(sizes, [r["rss_mb"]["warm"] for r in results], "o-", label="RSS after warm-up")
    ax.plot(sizes, [r["rss_mb"]["after_run"] for r in results], "o-", label="RSS after the run")
    ax.plot(sizes, [r["disk_mb"]["total"] for r in results], "s--", label="data folder")
    ax.plot(sizes, [r["disk_mb"]["chroma"] for r in results], "s:", label="of which Chroma")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("chunks in the collection")
    ax.set_ylabel("MB")
    ax.set_title("Server memory (master + worker) and disk vs collection size")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = folder / "scaling-memory.png"
    fig.savefig(path, dpi=120)
    plt.close(fig)
    written.append(path)
    return written


def plot_clients(latency: dict, path: Path) -> Path:
    """p50/p95/p99 and throughput against concurrent clients (bench_latency's results)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    for ax, endpoint in zip(axes, ("/api/search", "/api/ask"), strict=True):
        rows = latency[endpoint]
        clients = [r["clients"] for r in rows]
        for q in ("p50", "p95", "p99"):
            ax.plot(clients, [r[f"{q}_ms"] for r in rows], "o-", label=q)
        ax.set_xscale("log", base=2)
        ax.set_xticks(clients, [str(c) for c in clients])
        ax.set_xlabel("concurrent clients")
        ax.set_ylabel("latency, ms")
        ax.grid(True, alpha=0.3)
        twin = ax.twinx()
        twin.plot(clients, [r["throughput_rps"] for r in rows], "k^:", label="req/s")
        twin.set_ylabel("throughput, req/s")
        twin.set_ylim(0, 1.2 * max(r["throughput_rps"] for r in rows))
        ax.set_title(f"{endpoint} ({latency['chunks']} chunks)")
        lines = ax.get_legend_handles_labels()
        more = twin.get_legend_handles_labels()
        ax.legend(lines[0] + more[0], lines[1] + more[1], fontsize=8, loc="upper left")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--requests", type=int, default=100, help="sequential searches per size")
    parser.add_argument("--no-modes", action="store_true", help="skip the in-process breakdown")
    parser.add_argument("--plots", type=Path, default=PLOTS)
    parser.add_argument("--out", type=Path, default=RESULTS / "scaling.json")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()

    questions = load_questions()
    started = time.perf_counter()
    results = [
        measure_size(n, questions, args.requests, not args.no_modes) for n in sorted(args.sizes)
    ]
    report = {
        "note": (
            "one collection of synthetic course-like chunks per size; each chunk's vector per "
            "model is the normalised mean of its sentences' vectors (every sentence of a "
            "6000-sentence pool embedded for real by both models); SQL text and BM25 terms are "
            "the chunk's real text. HTTP: one client, sequential. in_process_median_ms: the "
            "retriever in the bench process on a copy of the data"
        ),
        "sizes": results,
        "growth": summarise(results),
        "seconds": round(time.perf_counter() - started, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    plots = plot_scaling(report, args.plots)
    latency_path = RESULTS / "latency.json"
    if latency_path.exists():
        plots.append(
            plot_clients(json.loads(latency_path.read_text()), args.plots / "latency-clients.png")
        )
    report["plots"] = [str(p) for p in plots]
    print_table(report)
    if args.json:
        print(json.dumps(report))


def print_table(report: dict) -> None:
    log(
        f"\n{'chunks':>8}{'p50':>8}{'p95':>8}{'p99':>8}{'RSS warm':>10}{'RSS end':>9}"
        f"{'disk MB':>9}{'build s':>9}"
    )
    for r in report["sizes"]:
        s = r["search_http"]
        log(
            f"{r['chunks']:>8}{s['p50_ms']:>8}{s['p95_ms']:>8}{s['p99_ms']:>8}"
            f"{r['rss_mb']['warm']:>10}{r['rss_mb']['after_run']:>9}{r['disk_mb']['total']:>9}"
            f"{r['build']['total_seconds']:>9}"
        )
    log(
        "\nfirst search after a start, ms (nothing saved: at /api/ready, after the warm-up; "
        "restart: BM25 saved, at /api/ready), and the first search after an upload"
    )
    log(
        f"{'chunks':>8}{'ready s':>9}{'at ready':>10}{'warm s':>8}{'warm':>8}{'restart':>9}"
        f"{'upload':>8}{'rebuilt s':>11}"
    )
    for r in report["sizes"]:
        start, upload = r["start"], r["after_upload"]
        log(
            f"{r['chunks']:>8}{start['ready_s']:>9}{start['first_search_at_ready_ms']:>10}"
            f"{start['bm25_in_memory_s']:>8}{r['first_search_ms']:>8}"
            f"{start['restart_first_search_at_ready_ms']:>9}{upload['first_search_ms']:>8}"
            f"{upload['bm25_rebuilt_s']:>11}"
        )
    log("growth per 10x chunks:")
    for name, g in report["growth"].items():
        if g:
            log(f"  {name}: x{g['ratio_per_10x']} (steps {g['steps']})")
    log("plots: " + ", ".join(report["plots"]))


if __name__ == "__main__":
    main()
