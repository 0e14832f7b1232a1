"""JSON errors: always {"error": {"code", "message", "request_id"}} with the right status."""

from __future__ import annotations

from flask import Flask, Response, g, jsonify
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from chatgepeto.api.hardening import body_limit_message
from chatgepeto.errors import ChatGepetoError
from chatgepeto.observability.logging import get_logger

log = get_logger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


def error_response(status: int, message: str, code: str | None = None) -> Response:
    body = {
        "error": {
            "code": code or _HTTP_CODES.get(status, "error"),
            "message": message,
            "request_id": g.get("request_id"),
        }
    }
    response = jsonify(body)
    response.status_code = status
    return response


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "__root__"))
        message = err.get("msg", "is invalid")
        parts.append(f"{where}: {message}" if where else message)
    return "Invalid request: " + "; ".join(parts)


def validation_error(exc: ValidationError) -> Response:
    """flask-openapi3's validation callback, in our error format."""
    return error_response(422, _describe(exc), "invalid_input")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ChatGepetoError)
    def _domain(exc: ChatGepetoError) -> Response:
        return error_response(exc.status, exc.message, exc.code)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        message = {
            404: "Not found.",
            405: "This method is not allowed here.",
            413: body_limit_message(),
        }.get(status, exc.description or exc.name)
        return error_response(status, message)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled_error")
        return error_response(500, "Something went wrong on our side; please try again.")
