"""The Flask application factory."""

from __future__ import annotations

import re
import uuid

import structlog
from flask import Flask, Response, g, request
from flask_openapi3 import Info, OpenAPI
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_flask_exporter import PrometheusMetrics

from chatgepeto import __version__
from chatgepeto.api import (
    analytics,
    auth,
    chunks,
    client_config,
    collections,
    conversations,
    documents,
    hardening,
    health,
    identity,
    jobs,
    search,
    study,
    text_guard,
)
from chatgepeto.api.errors import register_error_handlers, validation_error
from chatgepeto.api.ratelimit import init_proxy, init_rate_limits
from chatgepeto.observability.logging import configure_logging, get_logger
from chatgepeto.observability.metrics import LLM_BREAKER_OPEN
from chatgepeto.services import Services, build_services
from chatgepeto.settings import Settings

log = get_logger(__name__)

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def create_app(settings: Settings | None = None, services: Services | None = None) -> OpenAPI:
    """Build the app: settings → services → request ids, auth, errors, blueprints, metrics.

    Building it starts nothing: whoever runs it as a server then starts the job runner
    (`start_job_runner`; `chatgepeto serve` does in each worker, server.py).
    """
    settings = settings or Settings()
    configure_logging(settings.observability.log_level, settings.observability.log_json)
    services = services or build_services(settings)

    app = OpenAPI(
        __name__,
        info=Info(title="ChatGepeto API", version=__version__),
        security_schemes=auth.SECURITY_SCHEMES,
        validation_error_status=422,
        validation_error_callback=validation_error,
        doc_prefix="/api",
        doc_url="/openapi.json",
    )
    token, generated = settings.ensure_admin_token()
    limits = settings.limits
    app.config.update(
        ADMIN_TOKEN=token,
        ADMIN_TOKEN_GENERATED=generated,
        MAX_UPLOAD_MB=limits.max_upload_mb,
        # The whole upload may carry several files; each is checked against the per-file
        # limit while it is copied to disk. Larger requests are refused before being read;
        # other routes have the JSON limit (api/hardening.py).
        MAX_CONTENT_LENGTH=limits.max_upload_bytes * limits.max_upload_files + 1024 * 1024,
        JSON_SORT_KEYS=False,
    )
    app.extensions["chatgepeto"] = services

    _init_request_ids(app)
    hardening.init_app(app, settings.limits.max_json_bytes)
    auth.init_app(app)
    identity.init_app(app, settings)
    text_guard.init_app(app)
    register_error_handlers(app)
    for module in (
        collections,
        documents,
        chunks,
        jobs,
        search,
        conversations,
        study,
        analytics,
        client_config,
        health,
    ):
        app.register_api(module.bp)
    _init_metrics(app)
    init_rate_limits(app, settings)
    init_proxy(app, settings.server.proxy_hops)

    return app


def start_job_runner(services: Services) -> None:
    """Let the job runner take up its work: jobs a stopped process left running (once their
    lease has run out), queued ones, and from then on, every heartbeat, whatever another
    process leaves behind."""
    services.jobs.requeue_interrupted()
    queued = services.jobs.submit_queued()
    if queued:
        log.info("queued_jobs_started", count=queued)
    services.jobs.start()


def _init_request_ids(app: Flask) -> None:
    @app.before_request
    def _bind_request_id() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=g.request_id)

    @app.after_request
    def _send_request_id(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        if request.path.startswith("/api/") and response.status_code >= 500:
            log.error("request_failed", path=request.path, status=response.status_code)
        return response


def _init_metrics(app: Flask) -> None:
    # Each app gets its own registry for HTTP metrics (tests build many apps); the pipeline
    # histograms live in the default registry. /metrics exposes both.
    registry = CollectorRegistry(auto_describe=True)
    PrometheusMetrics(app, path=None, registry=registry, group_by="url_rule")

    @app.get("/metrics", doc_ui=False)
    def _metrics() -> Response:
        providers = app.extensions["chatgepeto"].providers
        if providers is not None:
            # Breaker state may live in Redis and change in another worker: read it now.
            for state in providers.states():
                LLM_BREAKER_OPEN.labels(state["provider"]).set(state["breaker"] == "open")
        body = generate_latest(REGISTRY) + generate_latest(registry)
        return Response(body, mimetype=CONTENT_TYPE_LATEST)
