"""The admin token check for writes (Authorization: Bearer <ADMIN_TOKEN>).

Views are marked with `@admin_only`; the check runs in `before_request`, so a request without
the token is refused before its body is read or validated.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, request

from chatgepeto.errors import Unauthorized

BEARER: list[dict[str, list[str]]] = [{"bearer": []}]
SECURITY_SCHEMES = {"bearer": {"type": "http", "scheme": "bearer"}}

View = TypeVar("View", bound=Callable[..., Any])


def admin_only(view: View) -> View:
    """Mark a view as needing the admin token."""
    view._admin_only = True  # type: ignore[attr-defined]
    return view


def _check_token() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    if not getattr(view, "_admin_only", False):
        return
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("This action needs the admin token: Authorization: Bearer <token>.")
    expected = current_app.config["ADMIN_TOKEN"]
    if not hmac.compare_digest(token.strip().encode(), expected.encode()):
        raise Unauthorized("The admin token is wrong.")


def init_app(app: Flask) -> None:
    app.before_request(_check_token)
