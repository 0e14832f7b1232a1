"""`chatgepeto serve` as a process of its own, for the tests that need gunicorn for real."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import ADMIN_TOKEN


def serve_env(folder: Path, port: int, database_url: str, **overrides: str) -> dict[str, str]:
    """The environment of a `serve` on 127.0.0.1:`port` with its data in `folder`/data: the
    embedded defaults (no Chroma server, Redis, S3 or Groq) unless `overrides` say otherwise."""
    env = {
        **os.environ,
        "DATA_DIR": str(folder / "data"),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "ADMIN_TOKEN": ADMIN_TOKEN,
        "DATABASE_URL": database_url,
        "GROQ_API_KEY": "",
        "CHROMA_HOST": "",
        "REDIS_URL": "",
        "S3_BUCKET": "",
        **overrides,
    }
    return env


def start_serve(folder: Path, env: dict[str, str]) -> tuple[subprocess.Popen, Path]:
    """Start `chatgepeto serve` in `folder` (no stray .env is read); its output goes to
    `folder`/server.log, returned with the process."""
    log_path = folder / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "chatgepeto"), "serve"],
            env=env,
            cwd=folder,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return process, log_path
