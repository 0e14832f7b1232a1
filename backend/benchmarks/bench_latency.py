"""Benchmark: /api/search and extractive /api/ask latency under 1, 4 and 16 concurrent clients.

Serves (`chatgepeto serve`, default settings, no GROQ_API_KEY: extractive answers, rate limits
off) a copy of a synthetic collection of --chunks chunks (built once into results/cache/, see
common.build_data), warms up, then sends --requests requests per client count from threads
with their own keep-alive httpx clients, timing each one client-side: p50/p95/p99 and
throughput. Then, against the fake Groq server, the time-to-first-token the backend adds to a
streamed /api/ask (bench_llm's measurement: TTFT through the API minus the fake's own TTFT).
Server RSS (gunicorn master + worker) after start-up, warm-up and the run.

Targets (issue 7), at 10k chunks: search p95 < 60 ms and extractive ask p95 < 120 ms with
one client, TTFT overhead < 50 ms median. When one is missed (or with --profile) one search is
broken down by stage in-process. Results: results/latency.json (--json also prints them).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import httpx
from bench_llm import BETWEEN, FIRST, app_ttft, direct_ttft
from common import (
    PLOTS,
    RESULTS,
    cached_data,
    dir_size_mb,
    latency_summary,
    load_questions,
    profile_search,
    run_clients,
    serve,
    wait_until_ready,
)

from chatgepeto.devtools.fake_groq import FakeGroq, Reply

TOKEN = "bench-token"
TARGETS = {"search_p95_ms": 60.0, "ask_p95_ms": 120.0, "ttft_overhead_median_ms": 50.0}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def measure_load(
    data: Path,
    collection: str,
    questions: list[str],
    clients: list[int],
    requests: int,
    extra_env: dict[str, str],
) -> dict:
    env = {"ADMIN_TOKEN": TOKEN, "GROQ_API_KEY": "", "RATELIMIT_ENABLED": "false", **extra_env}
    bodies = [{"question": q, "collection_id": collection} for q in questions]
    report: dict = {"rss_mb": {}}
    with serve(env, data) as server:
        wait_until_ready(server.base)
        report["rss_mb"]["started"] = server.rss_mb()
        with httpx.Client(base_url=server.base, timeout=300) as client:
            started = time.perf_counter()
            client.post("/api/search", json=bodies[0]).raise_for_status()
            report["first_search_ms"] = round((time.perf_counter() - started) * 1000, 1)
            for body in bodies[:20]:  # caches: BM25 index, Chroma segments, models
                client.post("/api/search", json=body).raise_for_status()
                client.post("/api/ask", json=body).raise_for_status()
            answer = client.post("/api/ask", json=bodies[0]).json()
            assert answer["mode"] == "extractive", answer.get("mode")
        report["rss_mb"]["warm"] = server.rss_mb()
        for path in ("/api/search", "/api/ask"):
            report[path] = []
            for n in clients:
                figures = run_clients(server.base, path, bodies, n, requests)
                report[path].append(figures)
                log(f"{path} {n:>2} clients: {figures}")
        report["rss_mb"]["after_run"] = server.rss_mb()
        report["data_mb_after_run"] = dir_size_mb(server.data_dir)
    return report


def measure_ttft(
    data: Path, collection: str, questions: list[str], n: int, extra_env: dict[str, str]
) -> dict:
    fake = FakeGroq(Reply(delay_first=FIRST, delay_between=BETWEEN)).start()
    env = {
        "ADMIN_TOKEN": TOKEN,
        "GROQ_API_KEY": "fake",
        "GROQ_BASE_URL": fake.base_url,
        "RATELIMIT_ENABLED": "false",
        **extra_env,
    }
    try:
        with serve(env, data) as server:
            wait_until_ready(server.base)
            with httpx.Client(base_url=server.base, timeout=120) as client:
                for q in questions[:3]:
                    app_ttft(client, collection, q)
                floor = [direct_ttft(fake.base_url) for _ in range(20)]
                through = [
                    app_ttft(client, collection, questions[i % len(questions)]) for i in range(n)
                ]
    finally:
        fake.stop()
    floor_median = statistics.median(floor)
    overhead = [t - floor_median for t in through]
    return {
        "fake_groq": {"first_token_ms": FIRST * 1000, "between_tokens_ms": BETWEEN * 1000},
        "asks": n,
        "ttft_direct": latency_summary(floor),
        "ttft_through_app": latency_summary(through),
        "ttft_overhead": latency_summary(overhead),
    }


def check_targets(report: dict) -> dict:
    search_1 = next(r for r in report["/api/search"] if r["clients"] == 1)
    ask_1 = next(r for r in report["/api/ask"] if r["clients"] == 1)
    measured = {
        "search_p95_ms": search_1["p95_ms"],
        "ask_p95_ms": ask_1["p95_ms"],
    }
    if "ttft" in report:
        measured["ttft_overhead_median_ms"] = report["ttft"]["ttft_overhead"]["p50_ms"]
    return {
        name: {"target_ms": TARGETS[name], "measured_ms": value, "met": value < TARGETS[name]}
        for name, value in measured.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chunks", type=int, default=10000)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--requests", type=int, default=200, help="per client count")
    parser.add_argument("--ttft-requests", type=int, default=40)
    parser.add_argument("--vectors", choices=("composed", "real"), default="composed")
    parser.add_argument("--rebuild", action="store_true", help="ignore the cached data folder")
    parser.add_argument("--profile", action="store_true", help="profile even if targets met")
    parser.add_argument("--no-profile", action="store_true", help="never profile")
    parser.add_argument("--no-ttft", action="store_true")
    parser.add_argument(
        "--env",
        nargs="*",
        default=[],
        metavar="KEY=VALUE",
        help="extra server environment (e.g. OMP_NUM_THREADS=1), for comparisons",
    )
    parser.add_argument("--plots", type=Path, default=None, help=f"e.g. {PLOTS}")
    parser.add_argument("--out", type=Path, default=RESULTS / "latency.json")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()

    questions = load_questions()
    data, record = cached_data(args.chunks, vectors=args.vectors, rebuild=args.rebuild, log=log)
    collection = record["collection_id"]
    report: dict = {
        "chunks": args.chunks,
        "vectors": args.vectors,
        "note": (
            "synthetic course-like chunks; composed vectors = normalised mean of the chunk's "
            "sentence vectors (each sentence embedded for real by every model); SQL text and "
            "BM25 terms are the chunk's real text"
            if args.vectors == "composed"
            else "synthetic chunks embedded for real by every model (VectorIndex.upsert)"
        ),
        "data": {k: record[k] for k in ("build", "data_mb", "cached") if k in record},
        "settings": "defaults (hybrid, multilingual+minilm, 1 worker x 8 threads), no LLM",
    }
    extra_env = dict(item.split("=", 1) for item in args.env)
    if extra_env:
        report["server_env"] = extra_env
    report.update(measure_load(data, collection, questions, args.clients, args.requests, extra_env))
    if not args.no_ttft:
        report["ttft"] = measure_ttft(data, collection, questions, args.ttft_requests, extra_env)
        log(f"ttft: {report['ttft']}")
    report["targets"] = check_targets(report)
    missed = not all(t["met"] for t in report["targets"].values())
    if args.profile or (missed and not args.no_profile):
        log("profiling one search in-process")
        report["profile"] = profile_search(data, collection, questions)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    if args.plots:
        from bench_scaling import plot_clients

        plot_clients(report, args.plots / "latency-clients.png")
    print_table(report)
    if args.json:
        print(json.dumps(report))


def print_table(report: dict) -> None:
    log(f"\n{report['chunks']} chunks ({report['vectors']} vectors); RSS MB {report['rss_mb']}")
    log(f"{'endpoint':<12}{'clients':>8}{'p50':>8}{'p95':>8}{'p99':>8}{'req/s':>8}{'errors':>8}")
    for path in ("/api/search", "/api/ask"):
        for r in report[path]:
            log(
                f"{path:<12}{r['clients']:>8}{r['p50_ms']:>8}{r['p95_ms']:>8}{r['p99_ms']:>8}"
                f"{r['throughput_rps']:>8}{r['errors']:>8}"
            )
    if "ttft" in report:
        t = report["ttft"]
        log(
            f"TTFT direct p50 {t['ttft_direct']['p50_ms']} ms, through the app p50 "
            f"{t['ttft_through_app']['p50_ms']} ms, overhead p50 {t['ttft_overhead']['p50_ms']}"
            f" / p95 {t['ttft_overhead']['p95_ms']} ms"
        )
    for name, t in report["targets"].items():
        verdict = "met" if t["met"] else "MISSED"
        log(f"target {name}: {t['measured_ms']} < {t['target_ms']} ms: {verdict}")
    if "profile" in report:
        log("in-process stage medians (ms): " + json.dumps(report["profile"]["stages_median_ms"]))


if __name__ == "__main__":
    main()
