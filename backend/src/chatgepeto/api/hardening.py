"""Limits every request meets before a view reads it, and headers every response carries.

- Body size: a multipart upload may take `MAX_UPLOAD_MB` × `MAX_UPLOAD_FILES`; any other body
  at most `MAX_JSON_KB` (64 KiB). A larger `Content-Length` is refused with 413 before anything
  is read; a chunked body without one is read up to the limit and no further (Werkzeug's
  per-request `max_content_length`), also a 413.
- JSON nesting: a JSON body nested deeper than `MAX_JSON_DEPTH` is refused with 422 before it
  is parsed (Python's parser, and anything walking the result, would hit the recursion limit:
  a 500). No request schema nests beyond 3.
- Headers: `X-Content-Type-Options: nosniff` on every response (a stored file is never run as
  something its content type does not say), `Referrer-Policy: no-referrer`.
"""

from __future__ import annotations

import re

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from chatgepeto.errors import InvalidInput

MAX_JSON_DEPTH = 32
UPLOAD_ENDPOINTS = frozenset({"documents.upload_documents"})

# A JSON string (escapes included); what is left outside strings holds the brackets.
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def json_depth(body: bytes, limit: int = MAX_JSON_DEPTH) -> int:
    """How deep `body`'s arrays and objects nest, counting no further than `limit` + 1.

    A scan, not a parse, so it cannot recurse; brackets inside strings do not count.
    """
    depth = deepest = 0
    for match in _BRACKET.finditer(_JSON_STRING.sub(b'""', body)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
        else:
            depth = max(0, depth - 1)
    return deepest


def is_upload() -> bool:
    """Whether this request is a file upload: multipart to the upload route (any other body
    there, JSON included, has the JSON limit)."""
    return request.endpoint in UPLOAD_ENDPOINTS and request.mimetype == "multipart/form-data"


def body_limit_message() -> str:
    """The 413 sentence for this request: the upload limit or the JSON one."""
    if is_upload():
        return f"The upload is too large (limit {current_app.config['MAX_UPLOAD_MB']} MB per file)."
    kib = current_app.config["MAX_JSON_BYTES"] // 1024
    return f"The request body is too large (limit {kib} KiB)."


def _limit_body() -> None:
    # Before anything touches request.stream: the limit is applied when the stream is made.
    upload = is_upload()
    # A chunked upload is cut off by the form parser's reads past the limit (a 413).
    limit = current_app.config["MAX_CONTENT_LENGTH" if upload else "MAX_JSON_BYTES"]
    request.max_content_length = limit
    if (request.content_length or 0) > limit:
        raise RequestEntityTooLarge()
    chunked = request.content_length is None and "wsgi.input_terminated" in request.environ
    if chunked and not upload:
        # Chunked: Werkzeug reads the body up to the limit and silently stops there, so read
        # one byte more to know whether there was more.
        request.max_content_length = limit + 1
        if len(request.get_data(cache=True)) > limit:
            raise RequestEntityTooLarge()
    if request.is_json and json_depth(request.get_data(cache=True)) > MAX_JSON_DEPTH:
        raise InvalidInput(f"The JSON body is nested too deeply (at most {MAX_JSON_DEPTH} levels).")


def _headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


def init_app(app: Flask, max_json_bytes: int) -> None:
    """Register the checks: call before any other `before_request` that reads the body."""
    app.config["MAX_JSON_BYTES"] = max_json_bytes
    app.before_request(_limit_body)
    app.after_request(_headers)
