"""Rate limits (Flask-Limiter) on the expensive endpoints, and who the client is.

- Questions (`POST /api/ask` and `POST /api/search`, one budget for both): per user — the
  signed id cookie's student, else the client IP — and per client IP, whatever cookie it sends.
- Uploads (`POST /api/collections/{id}/documents`): per client IP.

Nothing else is limited (health, readiness and metrics never are), and the admin token does
not lift a limit. Counters live in Redis when REDIS_URL is set, so every API process shares
them; if Redis stops answering, each process counts in memory until it is back.

The client IP is `request.remote_addr`: the peer's address, or the X-Forwarded-For entry the
trusted proxies added when PROXY_HOPS ≥ 1 (ProxyFix rewrites it before anything reads it).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, request
from flask_limiter import Limiter, RateLimitExceeded
from werkzeug.middleware.proxy_fix import ProxyFix

from chatgepeto.api.errors import error_response
from chatgepeto.api.identity import known_user_id
from chatgepeto.observability.logging import get_logger
from chatgepeto.observability.metrics import RATE_LIMITED
from chatgepeto.settings import Settings

log = get_logger(__name__)

# Building a study set costs about as much as a few questions: it shares their budget.
QUESTION_ENDPOINTS = ("search.ask", "search.search", "study.create_study_set")
UPLOAD_ENDPOINTS = ("documents.upload_documents",)

# Limit scopes: also the label of the refused-requests metric.
QUESTIONS_PER_USER = "questions-per-user"
QUESTIONS_PER_IP = "questions-per-ip"
UPLOADS_PER_IP = "uploads-per-ip"
_WHAT = {
    QUESTIONS_PER_USER: "questions",
    QUESTIONS_PER_IP: "questions from your network address",
    UPLOADS_PER_IP: "uploads",
}


def init_proxy(app: Flask, hops: int) -> None:
    """Trust X-Forwarded-For/-Proto/-Host from `hops` proxies in front (none when 0)."""
    if hops > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )


def client_ip() -> str:
    return request.remote_addr or "unknown"


def ip_key() -> str:
    return "ip:" + client_ip()


def user_key() -> str:
    """The asking user: the student of a valid id cookie, else the client IP (a client without
    one gets a fresh id each time, so its address is what stays the same)."""
    user_id = known_user_id()
    if user_id is not None:
        return "user:" + user_id
    return "ip:" + client_ip()


def init_rate_limits(app: Flask, settings: Settings) -> Limiter | None:
    """Limit the question and upload endpoints (call after the blueprints are registered)."""
    if not settings.limits.ratelimit_enabled:
        return None
    limiter = Limiter(
        ip_key,
        storage_uri=settings.storage.redis_url or "memory://",
        storage_options={"socket_connect_timeout": 1, "socket_timeout": 1}
        if settings.storage.redis_url
        else {},
        # A window opens at a key's first request, so limit+1 requests in a row always see
        # exactly one refusal.
        strategy="fixed-window",
        key_prefix="chatgepeto",
        # Retry-After is written by our error response, in whole seconds.
        headers_enabled=False,
        in_memory_fallback_enabled=True,
        swallow_errors=True,
    )
    limiter.init_app(app)

    per_user = limiter.shared_limit(
        settings.limits.ratelimit_ask, scope=QUESTIONS_PER_USER, key_func=user_key
    )
    per_ip = limiter.shared_limit(
        settings.limits.ratelimit_ask_per_ip, scope=QUESTIONS_PER_IP, key_func=ip_key
    )
    for endpoint in QUESTION_ENDPOINTS:
        _wrap(app, endpoint, per_user, per_ip)
    uploads = limiter.shared_limit(settings.limits.ratelimit_upload, scope=UPLOADS_PER_IP)
    for endpoint in UPLOAD_ENDPOINTS:
        _wrap(app, endpoint, uploads)

    @app.errorhandler(RateLimitExceeded)
    def _rate_limited(exc: RateLimitExceeded) -> Response:
        scope = str(exc.limit.scope) if exc.limit.scope else "unknown"
        seconds = _retry_after(limiter)
        RATE_LIMITED.labels(scope).inc()
        log.info("rate_limited", path=request.path, limit=scope, retry_after=seconds)
        what = _WHAT.get(scope, "requests")
        response = error_response(
            429, f"Too many {what}; please try again in {_duration(seconds)}.", "rate_limited"
        )
        response.headers["Retry-After"] = str(seconds)
        return response

    app.extensions["chatgepeto_limiter"] = limiter
    return limiter


def _wrap(app: Flask, endpoint: str, *limits: Callable[[Any], Any]) -> None:
    # The views are module-level, the limiter is per app: decorate the registered view.
    # The decorated view keeps its name and attributes (`_admin_only`), so auth still sees it.
    view = app.view_functions[endpoint]
    for limit in limits:
        view = limit(view)
    app.view_functions[endpoint] = view


def _retry_after(limiter: Limiter) -> int:
    """Whole seconds until the breached limit's window resets (at least 1)."""
    current = limiter.current_limit
    if current is None:
        return 1
    try:
        reset_time = current.window.reset_time
    except Exception:  # storage gone meanwhile: the window's length is a safe answer
        return max(1, int(current.limit.get_expiry()))
    return max(1, math.ceil(reset_time - time.time()))


def _duration(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    if minutes < 120:
        return f"{minutes} minutes"
    return f"{math.ceil(minutes / 60)} hours"
