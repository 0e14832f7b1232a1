"""Every API response checked against the model its route declares (flask-openapi3's
`validate_response` hook, turned on for each app the tests build).

A body passes if it parses as its declared model in strict mode and the model writes it back
unchanged: a field missing, retyped or not in the model fails the request that sent it.
Checked responses are recorded per app, so a test can tell which routes it has exercised.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, current_app, request
from pydantic import BaseModel

CHECKED = "checked_responses"


def check_response(response: Any, responses: dict[Any, Any] | None) -> Any:
    """flask-openapi3's `validate_response_callback`: the view's return value, unchanged."""
    body, status = _body_and_status(response)
    model = (responses or {}).get(status)
    if body is None or not (isinstance(model, type) and issubclass(model, BaseModel)):
        return response
    raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
    parsed = model.model_validate_json(raw, strict=True)
    written = parsed.model_dump(mode="json")
    sent = json.loads(raw)
    assert written == sent, (
        f"{request.method} {request.path}: the body is not what {model.__name__} describes"
        f"\nsent:    {sent}\nwritten: {written}"
    )
    current_app.extensions.setdefault(CHECKED, set()).add(
        (request.url_rule.rule if request.url_rule else request.path, request.method, status)
    )
    return response


def _body_and_status(response: Any) -> tuple[Any, int]:
    if isinstance(response, tuple):
        body, status = response[0], int(response[1])
    else:
        body, status = response, 200
    if isinstance(body, Response):
        if body.mimetype != "application/json":
            return None, status
        return body.get_data(as_text=True), body.status_code
    if isinstance(body, str) and not body:
        return None, status
    return body, status
