"""Liveness, readiness and the API docs page."""

from __future__ import annotations

from typing import Any

from flask import render_template_string
from flask_openapi3 import APIBlueprint, Tag
from sqlalchemy import text

from chatgepeto.api import services

bp = APIBlueprint("health", __name__, url_prefix="/api", abp_tags=[Tag(name="health")])


@bp.get("/health")
def health():
    """Liveness: the process is up."""
    return {"status": "ok"}


@bp.get("/ready")
def ready():
    """Readiness: database, vector store, embedding model, job runner and LLM provider state.

    503 only when the database or the vector store is down. Without a live worker or Redis
    (with REDIS_URL) answers still work and uploads wait: `checks.jobs` says so, status 200.
    """
    svc = services()
    checks: dict[str, Any] = {}
    ok = True
    try:
        with svc.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = {"status": "ok", "engine": svc.engine.dialect.name}
    except Exception as exc:
        ok = False
        checks["database"] = {"status": "error", "error": str(exc)[:300]}
    try:
        svc.vectors.heartbeat()
        checks["vector_store"] = {
            "status": "ok",
            "kind": "chroma-server" if svc.settings.storage.chroma_host else "chroma-embedded",
        }
    except Exception as exc:
        ok = False
        checks["vector_store"] = {"status": "error", "error": str(exc)[:300]}
    checks["embedding_model"] = {
        "status": "loaded" if svc.vectors.embeddings_loaded else "not_loaded",
        "name": svc.settings.embeddings.embedding_model,
    }
    try:
        checks["jobs"] = svc.jobs.status()
    except Exception as exc:  # the database: already reported above
        checks["jobs"] = {"status": "error", "error": str(exc)[:300]}
    if svc.providers is None:
        checks["llm"] = {"status": "extractive", "providers": []}
    else:
        states = svc.providers.states()
        # Extractive answers remain when every breaker is open: degraded, still ready.
        degraded = all(state["breaker"] == "open" for state in states)
        checks["llm"] = {"status": "degraded" if degraded else "configured", "providers": states}
    return {"status": "ok" if ok else "unavailable", "checks": checks}, 200 if ok else 503


@bp.get("/docs", doc_ui=False)
def docs():
    """Swagger UI, served from local assets."""
    from flask_openapi3_swagger.templates import swagger_html_string

    return render_template_string(
        swagger_html_string, doc_url="openapi.json", swagger_config={}, oauth_config={}
    )
