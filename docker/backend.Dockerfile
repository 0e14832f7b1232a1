# The ChatGepeto API. Build from the repository root:
#   docker build -f docker/backend.Dockerfile -t chatgepeto-backend .
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    ANONYMIZED_TELEMETRY=False \
    DATA_DIR=/data \
    PORT=8000

WORKDIR /app
RUN useradd --create-home --uid 10001 app && mkdir -p /data && chown app /data

# torch first, CPU build, pinned: a bare `torch` requirement would pull CUDA (several GB).
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
COPY backend/pyproject.toml backend/README.md ./backend/
COPY backend/src ./backend/src
RUN pip install ./backend

USER app
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s CMD ["python", "-c", "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/api/health')"]
CMD ["chatgepeto", "serve"]
