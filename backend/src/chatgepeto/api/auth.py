"""The admin token check for writes (Authorization: Bearer <ADMIN_TOKEN>).

Views are marked with `@admin_only`; the check runs in `before_request`, so a request without
the token is refused before its body is read or validated.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, request

from chatgepeto.api.identity import COOKIE_NAME
from chatgepeto.errors import Unauthorized

BEARER: list[dict[str, list[str]]] = [{"bearer": []}]
# The student's signed id cookie (api/identity.py); issued by the server when missing.
STUDENT: list[dict[str, list[str]]] = [{"student": []}]
SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer"},
    "student": {
        "type": "apiKey",
        "in": "cookie",
        "name": COOKIE_NAME,
        "description": "The anonymous student id, signed by the server and set by its answers "
        "(HttpOnly): a client never makes it. Missing or not valid: a new id is issued.",
    },
}

View = TypeVar("View", bound=Callable[..., Any])


def admin_only(view: View) -> View:
    """Mark a view as needing the admin token."""
    view._admin_only = True  # type: ignore[attr-defined]
    return view


def _bearer() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _is_token(token: str) -> bool:
    return hmac.compare_digest(token.encode(), current_app.config["ADMIN_TOKEN"].encode())


def is_admin() -> bool:
    """Whether the request carries the right admin token (for views open to everyone that
    show a teacher more)."""
    token = _bearer()
    return token is not None and _is_token(token)


def _check_token() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    if not getattr(view, "_admin_only", False):
        return
    token = _bearer()
    if token is None:
        raise Unauthorized("This action needs the admin token: Authorization: Bearer <token>.")
    if not _is_token(token):
        raise Unauthorized("The admin token is wrong.")


def init_app(app: Flask) -> None:
    app.before_request(_check_token)
