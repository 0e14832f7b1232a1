"""The `chatgepeto` command line: serve, worker, ingest, ask, eval."""

from __future__ import annotations

import contextlib
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from chatgepeto.settings import Settings


def _settings(**overrides: Any) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


@click.group()
@click.version_option(package_name="chatgepeto")
def main() -> None:
    """ChatGepeto: answers from course material, with citations."""
    from chatgepeto.observability.logging import configure_logging
    from chatgepeto.settings import CHROMA_DEFAULTS, HUB_OFFLINE, set_library_environment

    # For the whole process and what it starts (gunicorn workers, the parser process).
    set_library_environment({**HUB_OFFLINE, **CHROMA_DEFAULTS})
    # Commands talk to a person: only warnings, readable. `serve` switches to JSON logs.
    configure_logging("WARNING", json=False)


# -- serve ------------------------------------------------------------------------------------


@main.command()
@click.option("--host", default=None, help="Address to bind (HOST, default 0.0.0.0).")
@click.option("--port", type=int, default=None, help="Port (PORT, default 8000).")
@click.option("--workers", type=int, default=None, help="gunicorn worker processes (WORKERS).")
@click.option("--threads", type=int, default=None, help="Threads per worker (THREADS).")
def serve(host: str | None, port: int | None, workers: int | None, threads: int | None) -> None:
    """Serve the API with gunicorn (gthread workers)."""
    from chatgepeto.server import ApiServer
    from chatgepeto.storage.migrate import migrate

    settings = _settings(host=host, port=port, workers=workers, threads=threads)
    if settings.server.workers > 1 and not settings.storage.chroma_host:
        click.echo(
            "Embedded Chroma is owned by one process: serving with 1 worker "
            "(set CHROMA_HOST to run several).",
            err=True,
        )
        settings.server.workers = 1
    settings.storage.data_dir.mkdir(parents=True, exist_ok=True)
    # Once, before the workers start. Jobs a previous run left half done are taken up by the
    # workers' job runners, once their lease runs out (ingestion.pipeline).
    migrate(settings.storage.sqlalchemy_url)
    token, generated = settings.ensure_admin_token()
    click.echo(f"ChatGepeto on http://localhost:{settings.server.port}  (API docs: /api/docs)")
    if generated:
        click.echo(f"Admin token (kept in {settings.storage.data_dir / 'admin_token'}): {token}")
    mode = "generated (Groq)" if settings.answering.llm_enabled else "extractive (no GROQ_API_KEY)"
    click.echo(f"Answers: {mode}; data in {settings.storage.data_dir}")
    ApiServer(settings).run()


# -- migrate ----------------------------------------------------------------------------------


@main.command(name="migrate")
def migrate_command() -> None:
    """Bring the database schema to the latest revision (Alembic upgrade head).

    Safe to run from several tasks at once: they take turns under a lock (a PostgreSQL
    advisory lock, or a lock file beside a SQLite database). `serve` runs the same step.
    """
    from chatgepeto.storage.migrate import head_revision, migrate

    settings = _settings()
    settings.storage.data_dir.mkdir(parents=True, exist_ok=True)
    revision = migrate(settings.storage.sqlalchemy_url)
    if revision != head_revision():
        raise click.ClickException(f"The database is at {revision}, not at head.")
    click.echo(f"Database schema at head ({revision}).")


# -- embedding models -------------------------------------------------------------------------


@main.command(name="prepare-models")
def prepare_models_command() -> None:
    """Export the embedding models EMBEDDING_BACKEND names to ONNX, once, into MODEL_CACHE_DIR.

    Serving exports on first use anyway; run this at install or image build so that the first
    request does not wait. Nothing to do for EMBEDDING_BACKEND=torch.
    """
    from chatgepeto.retrieval.embeddings import prepare_models

    settings = _settings()
    started = time.perf_counter()
    folders = prepare_models(settings)
    for folder in folders:
        click.echo(f"✓ {folder}")
    seconds = time.perf_counter() - started
    click.echo(
        f"{len(folders)} ONNX model(s) ready for "
        f"EMBEDDING_BACKEND={settings.embeddings.embedding_backend} ({seconds:.1f} s)."
    )


@main.command()
@click.option(
    "--collection",
    "collection_name",
    default=None,
    help="One collection (name or id); all if absent.",
)
def reindex(collection_name: str | None) -> None:
    """Embed the chunks a model's vector index lacks (after changing EMBEDDING_MODEL/BACKEND).

    The chunks' text is in the database; each model keeps its own Chroma collection. Safe to
    run again: complete indexes are skipped, an interrupted run resumes.
    """
    from chatgepeto.retrieval.reindex import reindex as run_reindex
    from chatgepeto.services import build_services

    svc = build_services(_settings())
    collection_id = _collection_id(svc, collection_name) if collection_name else None
    bars: dict[tuple[str, str], tqdm] = {}

    def on_progress(cid: str, model: str, done: int, total: int) -> None:
        bar = bars.get((cid, model))
        if bar is None:
            bar = bars[(cid, model)] = tqdm(total=total, desc=f"{cid[:8]} {model}", leave=False)
        bar.update(done - bar.n)

    try:
        results = run_reindex(svc, collection_id, on_progress=on_progress)
    finally:
        for bar in bars.values():
            bar.close()
        svc.close()
    for result in results:
        click.echo(
            f"{result.collection_id} {result.model}: {result.chunks} chunks, "
            f"{result.embedded} embedded"
        )
    click.echo(f"{sum(r.embedded for r in results)} vectors embedded.")


# -- worker -----------------------------------------------------------------------------------


@main.command()
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--name", default=None, help="Worker name (default: random).")
def worker(burst: bool, name: str | None) -> None:
    """Run ingestion jobs from the RQ queue (JOB_QUEUE in REDIS_URL) until SIGTERM.

    The embedding models load once, at start. SIGTERM lets the current job finish; a job
    left halfway (a second SIGTERM, kill -9) is retried by the next worker to look.
    """
    from chatgepeto.ingestion.worker import run_worker
    from chatgepeto.observability.logging import configure_logging

    settings = _settings()
    if not settings.storage.redis_url:
        raise click.ClickException("Set REDIS_URL: the job queue lives in Redis.")
    if not settings.storage.chroma_host:
        click.echo(
            "Embedded Chroma: only safe while no other process (API, worker) opens DATA_DIR/chroma"
            " at the same time; set CHROMA_HOST to share a Chroma server.",
            err=True,
        )
    configure_logging(settings.observability.log_level, settings.observability.log_json)
    click.echo(
        f"Worker on queue {settings.jobs.job_queue!r}; loading the embedding models…", err=True
    )
    run_worker(settings, burst=burst, name=name)


# -- ingest and ask ---------------------------------------------------------------------------


def _collection_id(svc: Any, name: str, *, create: bool = False) -> str:
    """The id of the collection named `name` (or with that id); with `create`, made if new."""
    from chatgepeto.errors import NotFound

    try:
        return svc.collections.find(name, create=create).id
    except NotFound as exc:
        raise click.ClickException(exc.message) from exc


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--collection", "collection_name", required=True, help="Collection name (created if new)."
)
def ingest(paths: tuple[Path, ...], collection_name: str) -> None:
    """Ingest files (or folders of PDF/DOCX/MD/TXT files) into a collection."""
    from chatgepeto.errors import ChatGepetoError
    from chatgepeto.ingestion.filetypes import SUPPORTED_EXTENSIONS
    from chatgepeto.services import build_services

    settings = _settings()
    svc = build_services(settings)
    collection_id = _collection_id(svc, collection_name, create=True)
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in SUPPORTED_EXTENSIONS
            )
        else:
            files.append(path)
    failures = 0
    for path in files:
        started = time.perf_counter()
        try:
            with tqdm(total=100, desc=path.name[:40], unit="%", leave=False) as bar:

                def on_progress(value: float, bar: tqdm = bar) -> None:
                    bar.update(round(value * 100) - bar.n)

                document, new = svc.documents.ingest_local(collection_id, path, on_progress)
        except ChatGepetoError as exc:
            click.echo(f"✗ {path.name}: {exc.message}", err=True)
            failures += 1
            continue
        if not new:
            click.echo(f"= {path.name}: already in the collection ({document.status})")
            continue
        seconds = time.perf_counter() - started
        if document.status == "ready":
            click.echo(
                f"✓ {path.name}: {document.pages or '-'} pages, {document.chunks} chunks, "
                f"{seconds:.1f} s"
            )
        else:
            failures += 1
            click.echo(f"✗ {path.name}: {document.error}", err=True)
    svc.close()
    if failures:
        sys.exit(1)


@main.command()
@click.argument("question")
@click.option("--collection", "collection_name", required=True, help="Collection name or id.")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
def ask(question: str, collection_name: str, as_json: bool) -> None:
    """Ask a question about a collection's material."""
    from chatgepeto.answering.prompts import source_label
    from chatgepeto.api.schemas import AskOut
    from chatgepeto.services import build_services

    svc = build_services(_settings())
    collection_id = _collection_id(svc, collection_name)
    result = svc.answerer.answer(question, collection_id)
    svc.close()
    if as_json:
        # The body /api/ask sends.
        body = AskOut.model_validate(result).model_dump(mode="json")
        click.echo(json.dumps(body, ensure_ascii=False, indent=2))
        return
    click.echo(result.answer)
    if result.citations and result.mode == "generated":
        click.echo("")
        for c in result.citations:
            click.echo(f"[{c['id']}] {source_label(c['filename'], c['page'])}: “{c['quote']}”")


# -- fake-groq --------------------------------------------------------------------------------


@main.command("fake-groq")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8090, show_default=True)
@click.option(
    "--delay-first",
    type=float,
    default=0.3,
    show_default=True,
    help="Seconds before the first token.",
)
@click.option(
    "--delay-between", type=float, default=0.02, show_default=True, help="Seconds between tokens."
)
@click.option(
    "--reply",
    "reply_text",
    default=None,
    help="Answer every request with this text (e.g. hostile markdown, for browser tests).",
)
def fake_groq(
    host: str, port: int, delay_first: float, delay_between: float, reply_text: str | None
) -> None:
    """Run a local fake Groq server, to try generated answers offline.

    Then start the API with GROQ_API_KEY=anything GROQ_BASE_URL=http://HOST:PORT. Answers are
    built from the retrieved passages (their first sentences, cited [1], [2]), or are the
    --reply text.
    """
    from chatgepeto.devtools.fake_groq import FakeGroq, Reply

    reply = Reply(text=reply_text, delay_first=delay_first, delay_between=delay_between)
    fake = FakeGroq(reply, host, port)
    click.echo(f"Fake Groq on {fake.base_url} — set GROQ_BASE_URL={fake.base_url}")
    click.echo("Ctrl-C to stop.")
    with contextlib.suppress(KeyboardInterrupt):
        fake.serve_forever()


# -- eval -------------------------------------------------------------------------------------


@main.group(name="eval")
def eval_group() -> None:
    """Measure retrieval quality."""


@eval_group.command("beir")
@click.option("--corpus", required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--queries", required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--qrels", required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--retriever", type=click.Choice(["hybrid", "dense", "bm25"]), default="hybrid")
@click.option("--embedding-model", default=None, help="Override EMBEDDING_MODEL.")
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where to keep the index (reused across runs).",
)
@click.option("--json", "as_json", is_flag=True, help="End with one JSON line of the figures.")
def eval_beir(
    corpus: Path,
    queries: Path,
    qrels: Path,
    retriever: str,
    embedding_model: str | None,
    data_dir: Path | None,
    as_json: bool,
) -> None:
    """Index a BEIR corpus (one chunk per document) and report nDCG@10, Recall@10/100, MRR@10."""
    import hashlib

    from chatgepeto.evaluation.beir import evaluate, index_corpus
    from chatgepeto.evaluation.workspace import retrieval_services

    svc = retrieval_services("beir", data_dir, embedding_model)
    stat = corpus.stat()
    name = (
        "beir-"
        + hashlib.sha256(
            f"{corpus.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode()
        ).hexdigest()[:16]
    )
    started = time.perf_counter()
    bar = tqdm(desc="indexing", unit="doc", leave=False)

    def on_batch(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    collection_id = index_corpus(svc, corpus, name, on_batch)
    bar.close()
    index_seconds = time.perf_counter() - started
    with tqdm(desc=f"queries ({retriever})", unit="q", leave=False) as qbar:
        report = evaluate(svc, collection_id, queries, qrels, retriever, on_query=qbar.update)
    report["index_seconds"] = round(index_seconds, 2)
    svc.close()
    click.echo(
        f"{retriever} ({report['embedding_model']}) on {report['queries']} queries: "
        f"nDCG@10 {report['ndcg@10']:.4f}  Recall@10 {report['recall@10']:.4f}  "
        f"Recall@100 {report['recall@100']:.4f}  MRR@10 {report['mrr@10']:.4f}  "
        f"({report['seconds']:.1f} s)"
    )
    if as_json:
        click.echo(json.dumps(report))


@eval_group.command("docs")
@click.option(
    "--docs",
    "docs_dir",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)
@click.option("--questions", required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--retriever", type=click.Choice(["hybrid", "dense", "bm25"]), default="hybrid")
@click.option("--embedding-model", default=None, help="Override EMBEDDING_MODEL.")
@click.option("--data-dir", type=click.Path(path_type=Path), default=None)
@click.option("--json", "as_json", is_flag=True, help="End with one JSON line of the figures.")
def eval_docs(
    docs_dir: Path,
    questions: Path,
    retriever: str,
    embedding_model: str | None,
    data_dir: Path | None,
    as_json: bool,
) -> None:
    """Ingest a folder of course files and score retrieval on questions with answer pages."""
    from chatgepeto.evaluation.docs import evaluate_questions, ingest_files
    from chatgepeto.evaluation.questions import supported_files
    from chatgepeto.evaluation.workspace import retrieval_services

    svc = retrieval_services("docs", data_dir, embedding_model)
    collection_id, timings = ingest_files(
        svc,
        supported_files(docs_dir),
        f"docs-{docs_dir.resolve().name}",
        on_file=lambda name, s, how: click.echo(f"{how} {name} ({s:.1f} s)", err=True),
    )
    report = evaluate_questions(svc, collection_id, questions, retriever)
    report["ingest_seconds"] = timings
    svc.close()
    overall = report["all"]
    click.echo(
        f"{retriever} ({report['embedding_model']}): hit@1 {overall['hit@1']:.3f}  "
        f"hit@5 {overall['hit@5']:.3f}  MRR@10 {overall['mrr@10']:.3f}  "
        f"nDCG@10 {overall['ndcg@10']:.3f}  cross-language hit@5 "
        f"{report.get('cross_language', {}).get('hit@5', 0):.3f}"
    )
    if as_json:
        click.echo(json.dumps(report))


@eval_group.command("qa")
@click.option("--questions", required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--docs",
    "docs_dir",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)
@click.option("--retriever", type=click.Choice(["hybrid", "dense", "bm25"]), default=None)
@click.option("--embedding-model", default=None, help="Override EMBEDDING_MODEL.")
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where to ingest (reused across runs); default: a fresh temporary folder.",
)
@click.option("--json", "as_json", is_flag=True, help="End with one JSON line of the figures.")
def eval_qa(
    questions: Path,
    docs_dir: Path,
    retriever: str | None,
    embedding_model: str | None,
    data_dir: Path | None,
    as_json: bool,
) -> None:
    """Ask a question set as /api/ask does; score answer pages, citations and declines.

    Generated answers when GROQ_API_KEY is set, else extractive ones (declines not scored).
    """
    from chatgepeto.evaluation.qa import QuestionFileError, evaluate, read_questions
    from chatgepeto.evaluation.workspace import eval_settings
    from chatgepeto.services import build_services

    try:
        question_set = read_questions(questions, docs_dir)
    except QuestionFileError as exc:
        raise click.BadParameter(str(exc), param_hint="'--questions'") from exc
    with contextlib.ExitStack() as stack:
        folder = data_dir or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        # Everything embedded in that folder; the LLM settings stay as configured.
        svc = build_services(
            eval_settings(folder, embedding_model, keep_llm=True, retriever=retriever)
        )
        stack.callback(svc.close)
        mode = "generated" if svc.providers is not None else "extractive"
        click.echo(f"{len(question_set)} questions, {mode} answers", err=True)
        with tqdm(total=len(question_set), desc="questions", unit="q", leave=False) as bar:
            try:
                figures = evaluate(
                    svc,
                    docs_dir,
                    question_set,
                    on_file=lambda name, s, how: bar.write(
                        f"{how} {name} ({s:.1f} s)", file=sys.stderr
                    ),
                    on_question=lambda _: bar.update(),
                )
            except RuntimeError as exc:
                raise click.ClickException(str(exc)) from exc

    def pct(value: float | None) -> str:
        return "   n/a" if value is None else f"{value * 100:5.1f}%"

    rows = [("all", figures), *figures["by_language"].items()]
    click.echo(
        f"{figures['mode']} answers, {figures['questions']} questions, {figures['seconds']:.1f} s"
    )
    click.echo(
        f"{'':5} {'answerable':>10} {'page@1':>7} {'page@5':>7} {'cited':>7} "
        f"{'unanswerable':>12} {'declined':>8}"
    )
    for name, row in rows:
        click.echo(
            f"{name:5} {row['answerable']:>10} {pct(row['page_recall@1']):>7} "
            f"{pct(row['page_recall@5']):>7} {pct(row['citation_hit']):>7} "
            f"{row['unanswerable']:>12} {pct(row['declined_unanswerable']):>8}"
        )
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
