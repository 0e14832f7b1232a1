"""Benchmark: PDF ingestion, the product's pipeline against the LangChain tutorial baseline.

For each PDF at the top level of --docs, times ingestion end to end through the product's own
path (Documents.ingest_local: an upload's checks and registration, then Ingestor.run_job, as
`chatgepeto ingest`, with services from build_services on a fresh data folder) and through
benchmarks/baseline.py (PyPDFLoader + RecursiveCharacterTextSplitter + HuggingFaceEmbeddings
all-MiniLM-L6-v2 + Chroma.from_documents). Runs alternate (project then baseline, then the
other way round in the next round) and every round starts from empty stores; figures are
medians over rounds.

Embedding models are loaded once per process before any timing, and one untimed warm-up
ingestion of the smallest PDF runs on each side first: model load time and first-call costs
are counted by neither side.

Also measured: re-submitting each already ingested PDF through the product path (its content
hash makes it a duplicate: no job runs), and the product's time per stage, from timing wrappers
installed by this script around the pipeline's functions (src/ is untouched). The stages
overlap (pages are read while earlier chunks embed on other threads): `extract`, `chunk` and
`language+terms` run on the job's thread, `embed:<model>` is each model's embedding time summed
over its tasks on the ingestion threads, `wait_for_vectors` the time from the last page read
until every vector is stored, `sql+other` the rest.

The product runs with its current settings: EMBEDDING_MODEL (and EMBEDDING_BACKEND when the
product has it) from the environment, or --embedding-model/--embedding-backend. --settings
runs the whole comparison once per setting, each in a fresh process ("MODEL[:BACKEND]", e.g.
"multilingual,minilm:torch" "minilm:onnx-int8"), and reports them side by side.

The last stdout line is one JSON object with every figure; it is also written to
benchmarks/results/ingest.json (--out).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import parse_setting  # noqa: E402  (benchmarks/ on the path first)

# Seconds per stage of the product's ingestion, filled by the timing wrappers (some of which
# run on the ingestion threads: the lock keeps their sums whole).
STAGES: dict[str, float] = defaultdict(float)
_STAGES_LOCK = threading.Lock()


def setting_label(model: str, backend: str | None) -> str:
    return f"{model}:{backend}" if backend else model


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


# --- timing wrappers around the product (installed at run time, src/ untouched) ---------------


def _add(label: str, seconds: float) -> None:
    with _STAGES_LOCK:
        STAGES[label] += seconds


def _timed(label: str, func: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            _add(label, time.perf_counter() - started)

    wrapper.__wrapped__ = func  # type: ignore[attr-defined]
    return wrapper


def _timed_iterator(label: str, func: Callable[..., Iterator[Any]]) -> Callable[..., Any]:
    """Time the production of each item of the iterator `func` returns."""

    def wrapper(*args: Any, **kwargs: Any) -> Iterator[Any]:
        items = func(*args, **kwargs)
        while True:
            started = time.perf_counter()
            try:
                item = next(items)
            except StopIteration:
                return
            finally:
                _add(label, time.perf_counter() - started)
            yield item

    wrapper.__wrapped__ = func  # type: ignore[attr-defined]
    return wrapper


def install_instrumentation() -> None:
    """Time the pipeline's stages; load each embedding model once per process."""
    from langchain_core.embeddings import Embeddings

    import chatgepeto.services as services_module
    from chatgepeto.ingestion import pipeline
    from chatgepeto.ingestion.chunking import Chunker
    from chatgepeto.retrieval.vectorstore import VectorWriter

    class TimedEmbeddings(Embeddings):
        def __init__(self, inner: Embeddings, label: str) -> None:
            self.inner = inner
            self.label = label

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            started = time.perf_counter()
            try:
                return self.inner.embed_documents(texts)
            finally:
                _add(f"embed:{self.label}", time.perf_counter() - started)

        def embed_query(self, text: str) -> list[float]:
            return self.inner.embed_query(text)

    original = services_module.make_embeddings
    cache: dict[Any, Embeddings] = {}

    def cached_make_embeddings(*args: Any, **kwargs: Any) -> Embeddings:
        # cache_dir follows DATA_DIR (fresh each round): not part of the model's identity.
        named = tuple(sorted((k, v) for k, v in kwargs.items() if k != "cache_dir"))
        key = (args, named, os.environ.get("EMBEDDING_BACKEND"))
        if key not in cache:
            label = str(args[0] if args else kwargs.get("name", "model"))
            cache[key] = TimedEmbeddings(original(*args, **kwargs), label)
        return cache[key]

    services_module.make_embeddings = cached_make_embeddings
    pipeline.iter_pages = _timed_iterator("extract", pipeline.iter_pages)
    Chunker.add = _timed("chunk", Chunker.add)
    pipeline.chunk_fields = _timed("language+terms", pipeline.chunk_fields)
    VectorWriter.finish = _timed("wait_for_vectors", VectorWriter.finish)


def stage_breakdown(total: float, stages: dict[str, float]) -> dict[str, float]:
    """Seconds per stage (see the module docstring): the job thread's stages add up to the
    total; `embed:<model>` ran meanwhile on the ingestion threads."""
    out = {
        key: stages.get(key, 0.0)
        for key in ("extract", "chunk", "language+terms", "wait_for_vectors")
    }
    out["sql+other"] = max(0.0, total - sum(out.values()))
    out.update({k: v for k, v in stages.items() if k.startswith("embed:")})
    return {k: round(v, 3) for k, v in out.items()}


# --- the two sides ---------------------------------------------------------------------------


class Project:
    """The product's ingestion path on a fresh data folder per round."""

    def __init__(self) -> None:
        from chatgepeto.settings import Settings

        self.settings_cls = Settings
        self.svc: Any = None
        self.collection_id = ""
        self.folder: Path | None = None

    def start_round(self, folder: Path) -> None:
        from chatgepeto.services import build_services

        self.folder = folder
        settings = self.settings_cls(
            data_dir=folder, database_url="", chroma_host="", groq_api_key="", redis_url=""
        )
        self.svc = build_services(settings)
        self.collection_id = self.svc.collections.create("bench", "bench_ingest").id

    def end_round(self) -> None:
        if self.svc is not None:
            self.svc.close()
        self.svc = None
        _clear_chroma_cache()

    @property
    def embedding_models(self) -> list[str]:
        return list(self.svc.settings.embeddings.embedding_models)

    def submit(self, path: Path) -> tuple[float, Any]:
        """Stage, register and ingest one file as the CLI does: (seconds, the LocalIngest)."""
        started = time.perf_counter()
        result = self.svc.documents.ingest_local(self.collection_id, path)
        if result.document.status != "ready":
            document = result.document
            raise RuntimeError(f"{path.name}: ingestion {document.status}: {document.error}")
        return time.perf_counter() - started, result

    def ingest(self, path: Path) -> dict[str, Any]:
        STAGES.clear()
        seconds, (document, _) = self.submit(path)
        stages = stage_breakdown(seconds, dict(STAGES))
        pages, chunks = document.pages or 0, document.chunks or 0
        return {"pages": pages, "chunks": chunks, "seconds": seconds, "stages": stages}

    def reingest(self, path: Path) -> dict[str, Any]:
        seconds, (_, new) = self.submit(path)
        return {"seconds": seconds, "jobs": int(new), "duplicate": not new}


def _clear_chroma_cache() -> None:
    try:
        from chromadb.api.client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
    except Exception:  # older/newer chromadb: only a memory matter
        pass


# --- one setting, in this process ------------------------------------------------------------


def run_setting(docs: list[Path], rounds: int, scratch: Path) -> dict[str, Any]:
    from baseline import Baseline

    # ONNX exports (EMBEDDING_BACKEND=onnx*) made once, in the warm-up, not once per round.
    os.environ.setdefault("MODEL_CACHE_DIR", str(scratch / "models"))
    import torch

    install_instrumentation()
    # torch's thread count is process-wide and the product sets its own (EMBEDDING_THREADS):
    # each side runs with its own, the baseline with torch's default, as a tutorial user has.
    threads = {"baseline": torch.get_num_threads()}
    project = Project()
    base = Baseline()

    # Load every model and pay first-call costs outside the timings.
    smallest = min(docs, key=lambda p: p.stat().st_size)
    loading = time.perf_counter()
    project.start_round(scratch / "warm-project")
    project.svc.warm_up()
    model_load_seconds = time.perf_counter() - loading
    threads["project"] = torch.get_num_threads()
    models = project.embedding_models
    project.ingest(smallest)
    project.end_round()
    torch.set_num_threads(threads["baseline"])
    base.warm_up()
    base.ingest([smallest], scratch / "warm-baseline")
    _clear_chroma_cache()
    shutil.rmtree(scratch / "warm-project", ignore_errors=True)
    shutil.rmtree(scratch / "warm-baseline", ignore_errors=True)

    runs: dict[str, dict[str, list[dict[str, Any]]]] = {
        p.name: {"project": [], "baseline": [], "reingest": []} for p in docs
    }
    for r in range(rounds):
        project_dir, baseline_dir = scratch / f"project-{r}", scratch / f"baseline-{r}"
        project.start_round(project_dir)
        for path in docs:
            order = ("project", "baseline") if r % 2 == 0 else ("baseline", "project")
            for side in order:
                torch.set_num_threads(threads[side])
                if side == "project":
                    result = project.ingest(path)
                else:
                    result = base.ingest([path], baseline_dir).as_dict()
                runs[path.name][side].append(result)
                print(
                    f"round {r + 1}/{rounds} {side:8} {path.name}: "
                    f"{result['pages']} pages, {result['chunks']} chunks, "
                    f"{result['seconds']:.2f} s",
                    file=sys.stderr,
                    flush=True,
                )
        for path in docs:
            runs[path.name]["reingest"].append(project.reingest(path))
        project.end_round()
        base.store = None
        _clear_chroma_cache()
        shutil.rmtree(project_dir, ignore_errors=True)
        shutil.rmtree(baseline_dir, ignore_errors=True)

    documents: dict[str, Any] = {}
    for name, sides in runs.items():
        entry: dict[str, Any] = {}
        for side in ("project", "baseline"):
            results = sides[side]
            seconds = median([x["seconds"] for x in results])
            pages, chunks = results[0]["pages"], results[0]["chunks"]
            entry[side] = {
                "pages": pages,
                "chunks": chunks,
                "seconds": round(seconds, 3),
                "pages_per_s": round(pages / seconds, 2) if seconds else None,
                "chunks_per_s": round(chunks / seconds, 2) if seconds else None,
                "seconds_per_round": [round(x["seconds"], 3) for x in results],
            }
            if side == "project":
                keys = dict.fromkeys(k for x in results for k in x["stages"])
                entry[side]["stages_seconds"] = {
                    k: round(median([x["stages"].get(k, 0.0) for x in results]), 3) for k in keys
                }
        entry["ratio_pages_per_s"] = _ratio(entry)
        re = sides["reingest"]
        entry["reingest"] = {
            "seconds": round(median([x["seconds"] for x in re]), 4),
            "seconds_per_round": [round(x["seconds"], 4) for x in re],
            "all_duplicates": all(x["duplicate"] and x["jobs"] == 0 for x in re),
            "share_of_first_ingest": round(
                median([x["seconds"] for x in re]) / entry["project"]["seconds"], 5
            ),
        }
        documents[name] = entry

    total: dict[str, Any] = {}
    for side in ("project", "baseline"):
        per_round = [sum(runs[p.name][side][r]["seconds"] for p in docs) for r in range(rounds)]
        pages = sum(documents[p.name][side]["pages"] for p in docs)
        chunks = sum(documents[p.name][side]["chunks"] for p in docs)
        seconds = median(per_round)
        total[side] = {
            "pages": pages,
            "chunks": chunks,
            "seconds": round(seconds, 3),
            "pages_per_s": round(pages / seconds, 2),
            "chunks_per_s": round(chunks / seconds, 2),
            "seconds_per_round": [round(s, 3) for s in per_round],
        }
    total["ratio_pages_per_s"] = _ratio(total)
    total["reingest_seconds"] = round(
        median([sum(runs[p.name]["reingest"][r]["seconds"] for p in docs) for r in range(rounds)]),
        4,
    )
    stage_keys = dict.fromkeys(
        k for p in docs for k in documents[p.name]["project"]["stages_seconds"]
    )
    total["project"]["stages_seconds"] = {
        k: round(sum(documents[p.name]["project"]["stages_seconds"].get(k, 0.0) for p in docs), 3)
        for k in stage_keys
    }
    return {
        "setting": setting_label(
            os.environ.get("EMBEDDING_MODEL", "multilingual,minilm"),
            os.environ.get("EMBEDDING_BACKEND"),
        ),
        "embedding_model": os.environ.get("EMBEDDING_MODEL") or None,
        "embedding_backend": os.environ.get("EMBEDDING_BACKEND") or None,
        "product_models": models,
        "product_chunking": {
            "chunk_size": project.settings_cls().ingestion.chunk_size,
            "chunk_overlap": project.settings_cls().ingestion.chunk_overlap,
        },
        "baseline": "PyPDFLoader + RecursiveCharacterTextSplitter(1000, 200) + "
        "HuggingFaceEmbeddings(all-MiniLM-L6-v2) + Chroma.from_documents",
        "rounds": rounds,
        "model_load_seconds_excluded": round(model_load_seconds, 2),
        "documents": documents,
        "total": total,
    }


def _ratio(entry: dict[str, Any]) -> float | None:
    p, b = entry["project"]["pages_per_s"], entry["baseline"]["pages_per_s"]
    return round(p / b, 3) if p and b else None


# --- report ---------------------------------------------------------------------------------


def print_report(results: list[dict[str, Any]]) -> None:
    for res in results:
        print(
            f"\n== product setting {res['setting']} (models {res['product_models']}), "
            f"median of {res['rounds']} rounds; model load excluded =="
        )
        head = (
            f"{'document':42} {'pages':>5} {'chunks P/B':>11} {'s P':>7} {'s B':>7} "
            f"{'pages/s P':>9} {'pages/s B':>9} {'P/B':>5} {'re-ingest s':>11}"
        )
        print(head)
        rows = [*res["documents"].items(), ("TOTAL", res["total"])]
        for name, e in rows:
            p, b = e["project"], e["baseline"]
            reingest = e["reingest"]["seconds"] if "reingest" in e else e["reingest_seconds"]
            print(
                f"{name[:42]:42} {p['pages']:>5} {p['chunks']:>5}/{b['chunks']:<5} "
                f"{p['seconds']:>7.2f} {b['seconds']:>7.2f} {p['pages_per_s']:>9.2f} "
                f"{b['pages_per_s']:>9.2f} {e['ratio_pages_per_s']:>5.2f} {reingest:>11.4f}"
            )
        print("product stages, total seconds:", res["total"]["project"]["stages_seconds"])
    if len(results) > 1:
        print("\n== pages/s side by side (total over the PDFs) ==")
        for res in results:
            t = res["total"]
            print(
                f"{res['setting']:28} project {t['project']['pages_per_s']:7.2f}  "
                f"baseline {t['baseline']['pages_per_s']:7.2f}  ratio {t['ratio_pages_per_s']:.2f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=Path, required=True, help="folder of PDFs (top level)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--embedding-model", default=None, help="sets EMBEDDING_MODEL")
    parser.add_argument("--embedding-backend", default=None, help="sets EMBEDDING_BACKEND")
    parser.add_argument(
        "--settings",
        nargs="+",
        default=None,
        metavar="MODEL[:BACKEND]",
        help="run the comparison for each product setting, in a fresh process each",
    )
    parser.add_argument("--json", action="store_true", help="(the last line is always JSON)")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "ingest.json")
    parser.add_argument("--no-write", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    docs = sorted(p for p in args.docs.iterdir() if p.is_file() and p.suffix.lower() == ".pdf")
    if not docs:
        raise SystemExit(f"no PDF in {args.docs}")

    if args.settings:
        results = []
        for spec in args.settings:
            model, backend = parse_setting(spec)
            cmd = [
                sys.executable,
                __file__,
                "--docs",
                str(args.docs),
                "--rounds",
                str(args.rounds),
                "--embedding-model",
                model,
                "--json",
                "--no-write",
            ]
            if backend:
                cmd += ["--embedding-backend", backend]
            print(f"-- setting {spec}", file=sys.stderr, flush=True)
            proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=True)
            lines = [x for x in proc.stdout.splitlines() if x.strip()]
            results.extend(json.loads(lines[-1])["results"])
            if not args.no_write:  # keep what is done if a later setting fails
                write_report(args.out, docs, results)
    else:
        if args.embedding_model:
            os.environ["EMBEDDING_MODEL"] = args.embedding_model
        if args.embedding_backend:
            os.environ["EMBEDDING_BACKEND"] = args.embedding_backend
        with tempfile.TemporaryDirectory(prefix="bench-ingest-") as scratch:
            results = [run_setting(docs, args.rounds, Path(scratch))]

    print_report(results)
    report = make_report(docs, results)
    if not args.no_write:
        write_report(args.out, docs, results)
    print(json.dumps(report))


def make_report(docs: list[Path], results: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "benchmark": "ingest",
        "docs": [p.name for p in docs],
        "cpus": os.cpu_count(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "results": results,
    }


def write_report(out: Path, docs: list[Path], results: list[dict[str, Any]]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(make_report(docs, results), indent=2) + "\n")


if __name__ == "__main__":
    main()
