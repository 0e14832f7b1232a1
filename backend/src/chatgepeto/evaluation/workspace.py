"""Where an evaluation runs: settings and services with every engine embedded in one folder
(SQLite, Chroma, files, jobs run in process), whatever the environment points at."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from chatgepeto.services import Services, build_services
from chatgepeto.settings import Settings


def eval_settings(
    folder: Path, embedding_model: str | None, *, keep_llm: bool, **overrides: Any
) -> Settings:
    """Settings for an evaluation in `folder`; Groq only with `keep_llm`. Values given as None
    are left to the environment."""
    values = {
        "data_dir": folder,
        "embedding_model": embedding_model,
        "database_url": "",
        "chroma_host": "",
        "redis_url": "",
        "job_runner": "thread",
        "s3_bucket": "",
        **({} if keep_llm else {"groq_api_key": ""}),
        **overrides,
    }
    return Settings(**{k: v for k, v in values.items() if v is not None})


def retrieval_services(kind: str, data_dir: Path | None, embedding_model: str | None) -> Services:
    """The services of a retrieval evaluation (`kind` "beir" or "docs"), without an LLM, in
    `data_dir` or a folder of their own under DATA_DIR/eval/ (reused across runs)."""
    base = Settings()
    model = embedding_model or base.embeddings.embedding_model
    # BEIR vectors are kept per model in one folder (missing ones are added); course files are
    # ingested per model set and backend: a folder shared by `minilm` on onnx-int8 and on
    # torch had its PDFs reused by the second, which then had no vectors of its own.
    setting = f"{model}-{base.embeddings.embedding_backend}"
    suffix = "beir" if kind == "beir" else f"docs-{re.sub(r'[^a-zA-Z0-9,.-]+', '_', setting)}"
    folder = data_dir or base.storage.data_dir / "eval" / suffix
    return build_services(eval_settings(folder, model, keep_llm=False))
