"""Helpers shared by the benchmark scripts.

- a `chatgepeto serve` on a free port with a fresh (or copied) data folder, and its RSS;
- percentiles and load from N concurrent clients;
- a synthetic course-like corpus of any size, written straight into a data folder the way
  ingestion writes it (SQL documents and chunks with BM25 terms, `index_version` bumped,
  Chroma vectors for every embedding model), cached under results/cache/<chunks>/;
- an in-process breakdown of one search by stage (embedding, Chroma, BM25, SQL).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).parent
RESULTS = HERE / "results"
CACHE = RESULTS / "cache"
REPO = HERE.parent.parent
PLOTS = REPO / "docs" / "benchmarks"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


# -- statistics -----------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def latency_summary(values: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/max/mean in ms of latencies given in ms."""
    return {
        "requests": len(values),
        "p50_ms": round(statistics.median(values), 1),
        "p95_ms": round(percentile(values, 0.95), 1),
        "p99_ms": round(percentile(values, 0.99), 1),
        "max_ms": round(max(values), 1),
        "mean_ms": round(statistics.fmean(values), 1),
    }


def load_questions(path: Path = HERE / "qa_questions.jsonl") -> list[str]:
    return [json.loads(line)["question"] for line in path.open() if line.strip()]


# -- the server -----------------------------------------------------------------------------


def parse_setting(spec: str) -> tuple[str, str | None]:
    """'multilingual,minilm:torch' -> ('multilingual,minilm', 'torch'); no backend -> None."""
    from chatgepeto.retrieval.embeddings import BACKENDS

    model, sep, backend = spec.rpartition(":")
    if sep and backend in BACKENDS:
        return model, backend
    return spec, None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(base: str, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the server exited during start-up")
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("the server did not start")


def wait_until_ready(base: str, timeout: float = 180) -> None:
    """Until every embedding model is loaded (start-up warms them in a thread)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError, KeyError, ValueError):
            checks = httpx.get(f"{base}/api/ready", timeout=5).json()["checks"]
            if checks["embedding_model"]["status"] == "loaded":
                return
        time.sleep(0.5)


@dataclass
class Server:
    base: str
    process: subprocess.Popen
    data_dir: Path
    started: float = 0.0  # time.perf_counter() when the process was started

    def rss_mb(self) -> float:
        """Resident memory of the server: gunicorn's master and its workers."""
        import psutil

        root = psutil.Process(self.process.pid)
        total = 0
        for proc in [root, *root.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                total += proc.memory_info().rss
        return round(total / 2**20, 1)


@contextlib.contextmanager
def serve(
    env: dict[str, str], data_from: Path | None = None, *, data_dir: Path | None = None
) -> Iterator[Server]:
    """`chatgepeto serve` on a free port with a fresh data folder (a copy of `data_from`), or
    on `data_dir` itself (to serve the same folder again, as after a restart)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        if data_dir is None:
            data_dir = Path(tmp) / "data"
            if data_from is not None:
                shutil.copytree(data_from, data_dir)
            else:
                data_dir.mkdir()
        started = time.perf_counter()
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "chatgepeto"), "serve"],
            env={
                **os.environ,
                "DATA_DIR": str(data_dir),
                "PORT": str(port),
                "HOST": "127.0.0.1",
                "DATABASE_URL": "",
                "CHROMA_HOST": "",
                "REDIS_URL": "",
                "LOG_LEVEL": "WARNING",
                **env,
            },
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_until_up(base, server)
            yield Server(base, server, data_dir, started)
        finally:
            server.terminate()
            server.wait(timeout=30)


@contextlib.contextmanager
def running_server(env: dict[str, str]) -> Iterator[str]:
    """`chatgepeto serve` on a free port with a fresh, embedded data folder; its base URL."""
    with serve(env) as server:
        yield server.base


def metric_samples(base: str, name: str) -> dict[str, float]:
    """The samples of one metric in the server's /metrics, by their label text."""
    samples: dict[str, float] = {}
    for line in httpx.get(f"{base}/metrics", timeout=10).text.splitlines():
        if line.startswith(name):
            key, _, value = line.rpartition(" ")
            samples[key[len(name) :]] = float(value)
    return samples


def dir_size_mb(path: Path) -> float:
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20, 1)


# -- load -----------------------------------------------------------------------------------


def run_clients(
    base: str,
    path: str,
    bodies: Sequence[dict[str, Any]],
    clients: int,
    requests: int,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """`requests` POSTs to `path` from `clients` threads, each with its own keep-alive client.

    Each request is timed client-side; throughput is requests over the wall time.
    """
    latencies: list[float] = []
    errors: list[str] = []
    counter = iter(range(requests))
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def worker() -> None:
        with httpx.Client(base_url=base, timeout=120, headers=headers) as client:
            client.get("/api/health")  # open the connection before the clock starts
            barrier.wait()
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                started = time.perf_counter()
                try:
                    response = client.post(path, json=bodies[i % len(bodies)])
                    elapsed = (time.perf_counter() - started) * 1000
                    if response.status_code != 200:
                        errors.append(f"{response.status_code} {response.text[:200]}")
                        continue
                except httpx.HTTPError as exc:
                    errors.append(repr(exc))
                    continue
                with lock:
                    latencies.append(elapsed)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if not latencies:
        raise RuntimeError(f"every request to {path} failed: {errors[:3]}")
    return {
        "clients": clients,
        **latency_summary(latencies),
        "throughput_rps": round(len(latencies) / wall, 1),
        "errors": len(errors),
        **({"first_error": errors[0]} if errors else {}),
    }


# -- the synthetic corpus -------------------------------------------------------------------

# Bumped whenever the generator or the way the data is written changes (invalidates caches).
CORPUS_VERSION = 2
CHUNKS_PER_DOCUMENT = 100
CHUNK_CHARS = 900  # chunks close at the first sentence end past this (CHUNK_SIZE is 1000)

_EN = {
    "subject": [
        "Natural selection",
        "Genetic drift",
        "Gene flow between populations",
        "A recessive allele",
        "The heritability of a trait",
        "Sexual selection",
        "A homologous structure",
        "The founder effect",
        "Quantitative genetics",
        "Speciation by geographic isolation",
        "A Python function",
        "A recursive function",
        "The for loop",
        "A list comprehension",
        "A dictionary",
        "An immutable tuple",
        "A class with methods",
        "String slicing",
        "Exception handling",
        "A module import",
        "The Hardy-Weinberg equilibrium",
        "Mutation rate",
        "Phylogenetic analysis",
        "Adaptive radiation",
        "The variable scope",
        "A while loop",
        "Operator overloading",
        "A boolean expression",
        "Inheritance between classes",
        "The stack diagram",
    ],
    "verb": [
        "changes",
        "explains",
        "depends on",
        "reduces",
        "increases",
        "is measured by",
        "is defined through",
        "interacts with",
        "is illustrated by",
        "determines",
        "is limited by",
        "produces",
        "returns",
        "stores",
        "iterates over",
        "transforms",
        "is compared with",
        "accumulates",
        "is the main cause of",
        "is a special case of",
    ],
    "object": [
        "allele frequencies in small populations",
        "the variation among individuals",
        "the fitness of each genotype",
        "the diversity of species in an island",
        "continuous characters such as height",
        "the mean phenotype of the offspring",
        "the value of each element in a sequence",
        "the keys and values of a mapping",
        "a new list without changing the original",
        "the base case of the recursion",
        "the attributes of an object",
        "the characters of a string",
        "the error raised by a bad index",
        "the local variables of a frame",
        "the frequency of heterozygotes",
        "the rate of molecular evolution",
        "reproductive isolation between lineages",
        "the common ancestor of two taxa",
        "the number of iterations of a loop",
        "the return value of a method call",
    ],
    "context": [
        "as the textbook shows in chapter three",
        "according to the classical experiments",
        "in most laboratory exercises",
        "when the population size is small",
        "under strong environmental pressure",
        "in the example of the finches",
        "when the program runs for the first time",
        "as the interpreter evaluates each statement",
        "in the exercises at the end of the chapter",
        "following the model proposed by Fisher",
        "as Darwin described in the Origin of Species",
        "if the input is empty",
        "over many generations",
        "in a typical debugging session",
        "during the lecture on evolution",
        "for every call of the function",
    ],
}

_PT = {
    "subject": [
        "A seleção natural",
        "A deriva genética",
        "O fluxo gênico entre populações",
        "Um alelo recessivo",
        "A herdabilidade de um caráter",
        "A seleção sexual",
        "Uma estrutura homóloga",
        "O efeito fundador",
        "A genética quantitativa",
        "A especiação por isolamento geográfico",
        "Uma função em Python",
        "Uma função recursiva",
        "O laço for",
        "Uma compreensão de lista",
        "Um dicionário",
        "Uma tupla imutável",
        "Uma classe com métodos",
        "O fatiamento de strings",
        "O tratamento de exceções",
        "A importação de um módulo",
        "O equilíbrio de Hardy-Weinberg",
        "A taxa de mutação",
        "A análise filogenética",
        "A radiação adaptativa",
        "O escopo das variáveis",
        "Um laço while",
        "A herança entre classes",
        "A homologia entre espécies",
        "A aptidão relativa",
        "A variação fenotípica",
    ],
    "verb": [
        "altera",
        "explica",
        "depende de",
        "reduz",
        "aumenta",
        "é medida por",
        "é definida por",
        "interage com",
        "é ilustrada por",
        "determina",
        "é limitada por",
        "produz",
        "devolve",
        "armazena",
        "percorre",
        "transforma",
        "é comparada com",
        "acumula",
        "é a principal causa de",
        "é um caso particular de",
    ],
    "object": [
        "as frequências alélicas em populações pequenas",
        "a variação entre os indivíduos",
        "a aptidão de cada genótipo",
        "a diversidade de espécies numa ilha",
        "caracteres contínuos como a altura",
        "o fenótipo médio da prole",
        "o valor de cada elemento de uma sequência",
        "as chaves e os valores de um mapeamento",
        "uma nova lista sem alterar a original",
        "o caso base da recursão",
        "os atributos de um objeto",
        "os caracteres de uma string",
        "o erro gerado por um índice inválido",
        "as variáveis locais de um quadro",
        "a frequência de heterozigotos",
        "a taxa de evolução molecular",
        "o isolamento reprodutivo entre linhagens",
        "o ancestral comum de dois táxons",
        "o número de repetições de um laço",
        "o valor de retorno de um método",
    ],
    "context": [
        "como mostra a apostila no capítulo três",
        "segundo os experimentos clássicos",
        "na maioria dos exercícios de laboratório",
        "quando o tamanho da população é pequeno",
        "sob forte pressão ambiental",
        "no exemplo dos tentilhões",
        "quando o programa roda pela primeira vez",
        "à medida que o interpretador avalia cada comando",
        "nos exercícios do fim do capítulo",
        "seguindo o modelo proposto por Fisher",
        "como Darwin descreveu na Origem das Espécies",
        "se a entrada estiver vazia",
        "ao longo de muitas gerações",
        "numa sessão típica de depuração",
        "durante a aula sobre evolução",
        "em cada chamada da função",
    ],
}


def sentence_pool(per_language: int, seed: int = 7) -> list[tuple[str, str]]:
    """Distinct course-like sentences, (language, text), half Portuguese, half English."""
    rnd = random.Random(seed)
    pool: list[tuple[str, str]] = []
    for language, parts in (("en", _EN), ("pt", _PT)):
        seen: set[str] = set()
        while len(seen) < per_language:
            text = (
                f"{rnd.choice(parts['subject'])} {rnd.choice(parts['verb'])} "
                f"{rnd.choice(parts['object'])} {rnd.choice(parts['context'])}"
            )
            if rnd.random() < 0.5:  # a second clause makes sentences of uneven length
                text += f", and {rnd.choice(parts['object'])}" if language == "en" else ""
                text += f", e {rnd.choice(parts['object'])}" if language == "pt" else ""
            if text not in seen:
                seen.add(text)
                pool.append((language, text + "."))
    return pool


@dataclass
class SyntheticChunk:
    language: str
    sentences: list[int]  # indices into the pool
    text: str


def synthetic_chunks(
    n: int, pool: list[tuple[str, str]], seed: int = 11
) -> list[list[SyntheticChunk]]:
    """n chunks in documents of CHUNKS_PER_DOCUMENT, each document in one language."""
    rnd = random.Random(seed)
    by_language: dict[str, list[int]] = {}
    for i, (language, _) in enumerate(pool):
        by_language.setdefault(language, []).append(i)
    documents: list[list[SyntheticChunk]] = []
    made = 0
    while made < n:
        language = ("pt", "en")[len(documents) % 2]
        choices = by_language[language]
        document = []
        for _ in range(min(CHUNKS_PER_DOCUMENT, n - made)):
            picked: list[int] = []
            length = 0
            while length < CHUNK_CHARS:
                i = rnd.choice(choices)
                picked.append(i)
                length += len(pool[i][1]) + 1
            text = " ".join(pool[i][1] for i in picked)
            document.append(SyntheticChunk(language, picked, text))
            made += 1
        documents.append(document)
    return documents


def _settings(data_dir: Path) -> Any:
    from chatgepeto.settings import Settings

    return Settings(
        _env_file=None,
        data_dir=data_dir,
        database_url="",
        chroma_host="",
        redis_url="",
        s3_bucket="",
        job_runner="thread",
        ratelimit_enabled=False,
    )


def cache_key(chunks: int, vectors: str, pool_per_language: int) -> dict[str, Any]:
    """What the built data depends on: a cache built with another key is rebuilt."""
    import chromadb

    settings = _settings(Path("unused"))
    migrations = Path(_package_dir()) / "storage" / "migrations" / "versions"
    key: dict[str, Any] = {
        "corpus_version": CORPUS_VERSION,
        "chunks": chunks,
        "vectors": vectors,
        "pool_per_language": pool_per_language if vectors == "composed" else None,
        "embedding_model": settings.embeddings.embedding_model,
        "chromadb": chromadb.__version__,
        "migrations": sorted(p.name for p in migrations.glob("*.py")),
    }
    # onnx-int8 vectors live in Chroma collections of their own (torch and onnx share).
    backend = settings.embeddings.embedding_backend
    if backend == "onnx-int8":
        key["embedding_backend"] = backend
    return key


def _package_dir() -> str:
    import chatgepeto

    return os.path.dirname(chatgepeto.__file__)


def _pool_vectors(
    services: Any, pool: list[tuple[str, str]], key: dict[str, Any], log: Callable[[str], None]
) -> dict[str, Any]:
    """Each model's vectors of every pool sentence, computed once and cached (npz)."""
    import numpy as np

    digest = hashlib.sha256(
        json.dumps(
            [key["corpus_version"], key["embedding_model"], len(pool)]
            + ([key["embedding_backend"]] if "embedding_backend" in key else [])
        ).encode()
    ).hexdigest()[:12]
    path = CACHE / f"pool-{digest}.npz"
    if path.exists():
        with np.load(path) as data:
            return {name: data[name] for name in data.files}
    texts = [text for _, text in pool]
    vectors: dict[str, Any] = {}
    for model in services.vectors.models:
        encoder = services.vectors._encoders[model].get()
        started = time.perf_counter()
        vectors[model] = np.asarray(encoder.embed_documents(texts), dtype=np.float32)
        seconds = time.perf_counter() - started
        log(f"embedded {len(texts)} pool sentences with {model}: {len(texts) / seconds:.0f}/s")
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **vectors)
    return vectors


def build_data(
    data_dir: Path,
    chunks: int,
    *,
    vectors: str = "composed",
    pool_per_language: int = 3000,
    log: Callable[[str], None] = lambda message: print(message, file=sys.stderr),
) -> dict[str, Any]:
    """Write a collection of `chunks` synthetic chunks into `data_dir` as ingestion would.

    `vectors="real"` embeds each chunk's text with every model through the product's
    `VectorIndex.upsert` (as ingestion does); `"composed"` embeds a pool of distinct sentences
    once and gives each chunk the normalised mean of its sentences' vectors (the SQL text and
    BM25 terms are the chunk's real text either way).
    """
    import numpy as np

    from chatgepeto.ingestion.chunking import chunk_id
    from chatgepeto.resources.documents import ChunkedText, TextPiece
    from chatgepeto.retrieval.vectorstore import chunk_metadata
    from chatgepeto.services import build_services

    timings: dict[str, float] = {}
    started = time.perf_counter()
    key = cache_key(chunks, vectors, pool_per_language)
    services = build_services(_settings(data_dir))
    try:
        pool = sentence_pool(pool_per_language)
        documents = synthetic_chunks(chunks, pool)
        collection_id = services.collections.create("bench", "synthetic benchmark corpus").id

        # SQL: one document per CHUNKS_PER_DOCUMENT chunks, its original text in the file
        # store, chunks with offsets into it, stored by ingestion's own write (BM25 terms,
        # `index_version` bumped once per document). The text is generated already cut into
        # chunks: there is no file for the pipeline to read and chunk.
        t = time.perf_counter()
        all_ids: list[str] = []
        all_texts: list[str] = []
        metadatas: list[dict[str, Any]] = []
        all_sentences: list[list[int]] = []
        for n, document_chunks in enumerate(documents):
            text = "\n\n".join(c.text for c in document_chunks)
            sha = hashlib.sha256(text.encode()).hexdigest()
            filename = f"synthetic-{n:05d}-{document_chunks[0].language}.txt"
            storage_key = f"{collection_id}/{sha}.txt"
            with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
                fh.write(text)
            services.files.save(storage_key, Path(fh.name), "text/plain")
            os.unlink(fh.name)
            pieces: list[TextPiece] = []
            offset = 0
            for index, chunk in enumerate(document_chunks):
                pieces.append(
                    TextPiece(
                        chunk_id(collection_id, sha, index), index // 2 + 1, offset, chunk.text
                    )
                )
                offset += len(chunk.text) + 2
            records = services.documents.add_chunked(
                collection_id,
                ChunkedText(
                    filename=filename,
                    sha256=sha,
                    size_bytes=len(text.encode()),
                    pieces=pieces,
                    storage_key=storage_key,
                    pages=(len(document_chunks) + 1) // 2,
                ),
            )
            all_ids += [r.id for r in records]
            all_texts += [r.text for r in records]
            # The vectors' metadata as ingestion writes it.
            metadatas += [
                chunk_metadata(r.document_id, r.filename, r.page, r.chunk_index) for r in records
            ]
            all_sentences += [c.sentences for c in document_chunks]
        timings["sql_seconds"] = round(time.perf_counter() - t, 1)
        log(f"SQL rows and files for {chunks} chunks: {timings['sql_seconds']} s")

        # Vectors, one Chroma collection per model.
        t = time.perf_counter()
        if vectors == "real":
            services.vectors.upsert(
                collection_id,
                all_ids,
                all_texts,
                metadatas,
                batch_size=services.settings.embeddings.embedding_batch_size,
            )
        else:
            pool_vectors = _pool_vectors(services, pool, key, log)
            timings["pool_embedding_seconds"] = round(time.perf_counter() - t, 1)
            t_add = time.perf_counter()
            batch = 2000
            for model in services.vectors.models:
                collection = services.vectors.collection(collection_id, model)
                matrix = pool_vectors[model]
                for start in range(0, len(all_ids), batch):
                    end = min(start + batch, len(all_ids))
                    composed = np.stack([matrix[s].mean(axis=0) for s in all_sentences[start:end]])
                    composed /= np.linalg.norm(composed, axis=1, keepdims=True)
                    collection.upsert(
                        ids=all_ids[start:end],
                        embeddings=composed,
                        metadatas=metadatas[start:end],
                    )
            timings["chroma_add_seconds"] = round(time.perf_counter() - t_add, 1)
        timings["vectors_seconds"] = round(time.perf_counter() - t, 1)
        log(f"vectors ({vectors}) for {chunks} chunks: {timings['vectors_seconds']} s")
        for model in services.vectors.models:
            count = services.vectors.count(collection_id, model)
            assert count == chunks, f"{model}: {count} vectors for {chunks} chunks"
    finally:
        services.close()
    timings["total_seconds"] = round(time.perf_counter() - started, 1)
    return {
        "key": key,
        "collection_id": collection_id,
        "documents": len(documents),
        "build": timings,
    }


def cached_data(
    chunks: int,
    *,
    vectors: str = "composed",
    pool_per_language: int = 3000,
    rebuild: bool = False,
    log: Callable[[str], None] = lambda message: print(message, file=sys.stderr),
) -> tuple[Path, dict[str, Any]]:
    """The data folder of a `chunks` collection under results/cache/, built if missing/stale.

    Returns the folder (copy it before serving from it) and its build record.
    """
    folder = CACHE / str(chunks)
    record_path = folder / "build.json"
    key = cache_key(chunks, vectors, pool_per_language)
    if not rebuild and record_path.exists():
        record = json.loads(record_path.read_text())
        if record.get("key") == key:
            record["cached"] = True
            return folder / "data", record
        log(f"cache {folder} was built with other settings; rebuilding")
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    log(f"building {chunks} chunks ({vectors} vectors) under {folder}")
    record = build_data(
        folder / "data", chunks, vectors=vectors, pool_per_language=pool_per_language, log=log
    )
    record["data_mb"] = dir_size_mb(folder / "data")
    record_path.write_text(json.dumps(record, indent=2) + "\n")
    record["cached"] = False
    return folder / "data", record


# -- in-process profile ---------------------------------------------------------------------


@dataclass
class StageTimer:
    samples: dict[str, list[float]] = field(default_factory=dict)

    @contextlib.contextmanager
    def time(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.samples.setdefault(stage, []).append((time.perf_counter() - started) * 1000)

    def medians(self) -> dict[str, float]:
        return {k: round(statistics.median(v), 2) for k, v in self.samples.items()}


def profile_search(
    data_from: Path,
    collection_id: str,
    questions: Sequence[str],
    n: int = 60,
    k: int = 6,
    with_cprofile: bool = True,
) -> dict[str, Any]:
    """Time one search's stages in-process, on a copy of the data (median ms per stage).

    Stages: each model's query embedding, each model's Chroma query (and the `count()` the
    vector index makes before it), the lexical index version read and BM25 scoring, the SQL
    fetch of the chunk rows; plus the whole `HybridRetriever.search` in each mode, the same
    search through Flask's test client (routing, validation, JSON: no HTTP server), and a
    cProfile of the hybrid search (top functions by cumulative time; cProfile sees only the
    calling thread, so work the retriever hands to a thread pool shows as lock waits).
    """
    from sqlalchemy import select

    from chatgepeto.app import create_app
    from chatgepeto.retrieval.lexical import analyze_query
    from chatgepeto.services import build_services
    from chatgepeto.storage.models import Chunk, Collection, Document

    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        shutil.copytree(data_from, data_dir)
        services = build_services(_settings(data_dir), migrate=False)  # migrated already
        try:
            services.warm_up()
            retriever = services.retriever
            flask = create_app(services.settings, services).test_client()
            depth = max(k, retriever.candidate_k)
            for q in questions[:5]:
                retriever.search(collection_id, q, k)
            timer = StageTimer()
            for i in range(n):
                q = questions[i % len(questions)]
                for model in services.vectors.models:
                    encoder = services.vectors._encoders[model].get()
                    collection = services.vectors.collection(collection_id, model)
                    with timer.time(f"embed_query[{model}]"):
                        vector = encoder.embed_query(q)
                    # As VectorIndex.search: ids and distances only, no count() first.
                    with timer.time(f"chroma_query[{model}]"):
                        collection.query(
                            query_embeddings=[vector], n_results=depth, include=["distances"]
                        )
                with timer.time("lexical_version_sql"), services.sessions() as session:
                    version = session.scalar(
                        select(Collection.index_version).where(Collection.id == collection_id)
                    )
                index = retriever.lexical._indexes[collection_id][1]
                assert retriever.lexical._indexes[collection_id][0] == version
                with timer.time("bm25_analyze_query"):
                    terms = analyze_query(q)
                with timer.time("bm25_score"):
                    hits = index.search(terms, depth)
                ids = [h.chunk_id for h in hits[:k]]
                with timer.time("sql_fetch_chunks"), services.sessions() as session:
                    session.execute(
                        select(Chunk, Document.filename)
                        .join(Document, Document.id == Chunk.document_id)
                        .where(Chunk.id.in_(ids), Document.status == "ready")
                    ).all()
                for mode in ("hybrid", "dense", "bm25"):
                    with timer.time(f"retriever.search[{mode}]"):
                        retriever.search(collection_id, q, k, mode)
                with timer.time("flask_test_client_search[hybrid]"):
                    response = flask.post(
                        "/api/search", json={"question": q, "collection_id": collection_id}
                    )
                assert response.status_code == 200, response.get_data(as_text=True)
            report["stages_median_ms"] = timer.medians()
            if with_cprofile:
                report["cprofile_top"] = _cprofile(
                    lambda: [
                        retriever.search(collection_id, questions[i % len(questions)], k)
                        for i in range(n)
                    ],
                    n,
                )
        finally:
            services.close()
    return report


def _cprofile(run: Callable[[], Any], n: int, top: int = 25) -> list[dict[str, Any]]:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    run()
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows = []
    for (filename, line, name), (_, calls, tottime, cumtime, _) in stats.stats.items():
        rows.append(
            {
                "function": f"{Path(filename).name}:{line}({name})",
                "calls_per_search": round(calls / n, 1),
                "self_ms_per_search": round(tottime * 1000 / n, 2),
                "cum_ms_per_search": round(cumtime * 1000 / n, 2),
            }
        )
    rows.sort(key=lambda r: -r["cum_ms_per_search"])
    return rows[:top]
