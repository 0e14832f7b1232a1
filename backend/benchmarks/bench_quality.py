"""Benchmark: retrieval quality (nDCG@10) on BEIR SciFact, the product against the baseline.

The product: `chatgepeto eval beir --retriever bm25|dense|hybrid --json` (each corpus document
one chunk, title + text), run as a subprocess per retriever and per embedding setting
("MODEL[:BACKEND]", passed as EMBEDDING_MODEL / EMBEDDING_BACKEND), its last JSON line read.
One fresh index folder per setting: the first run of a setting indexes the corpus (its
`index_seconds` gives the product's indexing speed, model load and SQL/lexical storage
included), the next runs reuse it. BM25 does not depend on the embedding model: it runs once.

The baseline (benchmarks/baseline.py, the LangChain tutorial pipeline): corpus documents
(title + text) through RecursiveCharacterTextSplitter(1000, 200), Chroma.from_documents with
HuggingFaceEmbeddings all-MiniLM-L6-v2, `similarity_search(k=10)` per query; several chunks of
one abstract count once, at their best rank. Metrics from chatgepeto.evaluation.metrics.

Published nDCG@10 figures are on SciFact's *test* split (300 queries), these runs on the
*train* split (809 queries): for orientation only.

The last stdout line is one JSON object; also written to benchmarks/results/quality.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import parse_setting  # noqa: E402  (benchmarks/ on the path first)

PUBLISHED_TEST = {
    "bm25 (BEIR paper / Pyserini / bm25s)": "0.665-0.690",
    "all-MiniLM-L6-v2 dense (MTEB)": "0.645",
    "bge-small-en-v1.5 dense": "0.713",
    "BM25 + bge-base hybrid RRF (Pyserini)": "0.742",
}


def make_subset(scifact: Path, qrels_rel: str, queries: int, docs: int, out: Path) -> Path:
    """A smaller BEIR folder: the first `queries` judged queries, every document they judge,
    and seeded random other documents up to `docs` in all (for machines too slow for the full
    corpus; its figures compare systems with each other, not with published ones)."""
    import random

    from chatgepeto.evaluation.beir import read_jsonl, read_qrels

    qrels = read_qrels(scifact / qrels_rel)
    chosen = list(qrels)[:queries]
    wanted = {d for q in chosen for d in qrels[q]}
    corpus = list(read_jsonl(scifact / "corpus.jsonl"))
    others = [d for d in corpus if str(d["_id"]) not in wanted]
    random.Random(13).shuffle(others)
    keep = wanted | {str(d["_id"]) for d in others[: max(0, docs - len(wanted))]}
    (out / "qrels").mkdir(parents=True, exist_ok=True)
    with (out / "corpus.jsonl").open("w", encoding="utf-8") as fh:
        for d in corpus:
            if str(d["_id"]) in keep:
                fh.write(json.dumps(d) + "\n")
    with (out / "queries.jsonl").open("w", encoding="utf-8") as fh:
        for q in read_jsonl(scifact / "queries.jsonl"):
            if str(q["_id"]) in chosen:
                fh.write(json.dumps(q) + "\n")
    with (out / qrels_rel).open("w", encoding="utf-8") as fh:
        fh.write("query-id\tcorpus-id\tscore\n")
        for q in chosen:
            for d, g in qrels[q].items():
                fh.write(f"{q}\t{d}\t{g}\n")
    return out


def run_product(
    cli: str,
    scifact: Path,
    qrels: Path,
    retriever: str,
    model: str,
    backend: str | None,
    data_dir: Path,
    log: Path,
) -> dict[str, Any]:
    # ONNX exports kept next to the index, so a setting's first run pays the export once.
    env = dict(os.environ, EMBEDDING_MODEL=model, MODEL_CACHE_DIR=str(data_dir / "models"))
    env.pop("EMBEDDING_BACKEND", None)
    if backend:
        env["EMBEDDING_BACKEND"] = backend
    # "hybrid-rrf": the hybrid retriever with reciprocal rank fusion, the fusion before issue 14.
    env["FUSION"] = "rrf" if retriever.endswith("-rrf") else "weighted"
    retriever = retriever.removesuffix("-rrf")
    cmd = [
        cli,
        "eval",
        "beir",
        "--corpus",
        str(scifact / "corpus.jsonl"),
        "--queries",
        str(scifact / "queries.jsonl"),
        "--qrels",
        str(qrels),
        "--retriever",
        retriever,
        "--data-dir",
        str(data_dir),
        "--json",
    ]
    started = time.perf_counter()
    with log.open("a") as err:
        proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=err, text=True)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        tail = "".join(log.read_text().splitlines(keepends=True)[-20:])
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{tail}")
    lines = [x for x in proc.stdout.splitlines() if x.strip()]
    report = json.loads(lines[-1])
    report["wall_seconds"] = round(wall, 2)
    return report


def run_baseline(scifact: Path, qrels_path: Path, persist: Path) -> dict[str, Any]:
    from baseline import Baseline, corpus_documents, ranked_ids

    from chatgepeto.evaluation.beir import read_jsonl, read_qrels
    from chatgepeto.evaluation.metrics import summarize_splits

    loading = time.perf_counter()
    base = Baseline()
    base.warm_up()
    load_seconds = time.perf_counter() - loading
    documents = corpus_documents(scifact / "corpus.jsonl")
    stats = base.ingest_documents(documents, persist)
    print(
        f"baseline indexed {stats.pages} docs ({stats.chunks} chunks) in {stats.seconds:.1f} s",
        file=sys.stderr,
        flush=True,
    )
    qrels = read_qrels(qrels_path)
    queries = [q for q in read_jsonl(scifact / "queries.jsonl") if str(q["_id"]) in qrels]
    started = time.perf_counter()
    runs = []
    for q in queries:
        ranked = ranked_ids(base.search(q["text"], k=10))
        runs.append((str(q["_id"]), ranked, qrels[str(q["_id"])]))
    seconds = time.perf_counter() - started
    n = len(runs) or 1
    return {
        **summarize_splits(runs),  # nDCG@10, recall, MRR@10: all, and per half
        "queries": len(queries),
        "seconds": round(seconds, 2),
        "mean_unique_docs_in_top10": round(sum(len(r) for _, r, _ in runs) / n, 2),
        "retriever": "dense (Chroma similarity_search k=10)",
        "embedding_model": "all-MiniLM-L6-v2 (HuggingFaceEmbeddings, torch)",
        "index_docs": stats.pages,
        "index_chunks": stats.chunks,
        "index_seconds": round(stats.seconds, 2),
        "index_docs_per_s": round(stats.pages / stats.seconds, 2),
        "model_load_seconds_excluded": round(load_seconds, 2),
    }


def print_table(report: dict[str, Any]) -> None:
    subset = report.get("subset")
    scope = f"subset {subset['queries']} queries / {subset['docs']} docs" if subset else "full"
    print(f"\nSciFact {report['qrels']} ({scope}): nDCG@10 (published figures: test split)")
    print(
        f"{'system':44} {'nDCG@10':>8} {'tune':>7} {'report':>7} {'R@10':>7} {'MRR@10':>7} "
        f"{'index docs/s':>12}"
    )
    for row in report["rows"]:
        dps = row.get("index_docs_per_s")
        tune = row.get("tune", {}).get("ndcg@10", 0)
        held = row.get("report", {}).get("ndcg@10", 0)
        print(
            f"{row['system'][:44]:44} {row['ndcg@10']:>8.4f} {tune:>7.4f} {held:>7.4f} "
            f"{row.get('recall@10', 0):>7.4f} {row.get('mrr@10', 0):>7.4f} "
            f"{dps if dps is not None else '':>12}"
        )
    for name, value in PUBLISHED_TEST.items():
        print(f"{'published (test): ' + name:44.44} {value:>8}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scifact", type=Path, required=True, help="BEIR SciFact folder")
    parser.add_argument("--qrels", default="qrels/train.tsv", help="relative to --scifact")
    parser.add_argument(
        "--settings",
        nargs="+",
        default=None,
        metavar="MODEL[:BACKEND]",
        help="product embedding settings (default: EMBEDDING_MODEL/EMBEDDING_BACKEND)",
    )
    parser.add_argument(
        "--retrievers",
        nargs="+",
        default=["dense", "hybrid", "hybrid-rrf", "bm25"],
        help="product retrievers (hybrid-rrf: hybrid with reciprocal rank fusion)",
    )
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument(
        "--subset",
        nargs=2,
        type=int,
        default=None,
        metavar=("QUERIES", "DOCS"),
        help="evaluate on a seeded subset: the first QUERIES judged queries, DOCS documents",
    )
    parser.add_argument("--cli", default=str(Path(sys.executable).with_name("chatgepeto")))
    parser.add_argument("--json", action="store_true", help="(the last line is always JSON)")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "quality.json")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="bench-quality-"))
    log = scratch / "eval.log"
    source = args.scifact
    if args.subset:
        args.scifact = make_subset(source, args.qrels, *args.subset, scratch / "subset")
    qrels = args.scifact / args.qrels
    if args.settings:
        settings = [parse_setting(s) for s in args.settings]
    else:
        settings = [
            (
                os.environ.get("EMBEDDING_MODEL", "multilingual,minilm"),
                os.environ.get("EMBEDDING_BACKEND") or None,
            )
        ]
    with (args.scifact / "corpus.jsonl").open(encoding="utf-8") as fh:
        corpus_size = sum(1 for line in fh if line.strip())

    rows: list[dict[str, Any]] = []
    product: list[dict[str, Any]] = []
    baseline: dict[str, Any] | None = None
    try:
        if not args.no_baseline:
            print("-- baseline", file=sys.stderr, flush=True)
            baseline = run_baseline(args.scifact, qrels, scratch / "baseline-chroma")
            shutil.rmtree(scratch / "baseline-chroma", ignore_errors=True)
            rows.append({"system": "baseline: LangChain tutorial, MiniLM dense", **baseline})
        bm25_done = False
        for i, (model, backend) in enumerate(settings):
            label = f"{model}:{backend}" if backend else model
            data_dir = scratch / f"product-{i}"
            first = True
            for retriever in args.retrievers:
                if retriever == "bm25" and bm25_done:
                    continue
                print(f"-- product {label} {retriever}", file=sys.stderr, flush=True)
                result = run_product(
                    args.cli, args.scifact, qrels, retriever, model, backend, data_dir, log
                )
                result["setting"] = label
                if first:
                    # The first run of a setting indexed the corpus (every model of it).
                    result["index_docs_per_s"] = round(corpus_size / result["index_seconds"], 2)
                    first = False
                else:
                    result.pop("index_seconds", None)  # reused index: no indexing measured
                if retriever == "bm25":
                    bm25_done = True
                    system = "product: bm25"
                else:
                    system = f"product: {retriever} ({label})"
                product.append(result)
                rows.append({"system": system, **result})
                print(
                    f"   nDCG@10 {result['ndcg@10']:.4f} ({result['wall_seconds']} s)",
                    file=sys.stderr,
                    flush=True,
                )
            shutil.rmtree(data_dir, ignore_errors=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    report = {
        "benchmark": "quality",
        "dataset": "BEIR SciFact",
        "qrels": str(args.qrels),
        "subset": (
            {"queries": args.subset[0], "docs": args.subset[1], "of": str(source), "seed": 13}
            if args.subset
            else None
        ),
        "corpus_docs": corpus_size,
        "rows": rows,
        "baseline": baseline,
        "product": product,
        "published_test_split_ndcg@10": PUBLISHED_TEST,
        "cpus": os.cpu_count(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }
    print_table(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
