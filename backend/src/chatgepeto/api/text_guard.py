"""Refuse text with NUL characters before any view runs.

PostgreSQL text cannot hold "\\x00" (SQLite can), so a name, question or id carrying one would
fail deep in the database. Checked once for every request: path, query string and JSON body.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request

from chatgepeto.errors import InvalidInput

NUL = "\x00"


def _has_nul(value: Any) -> bool:
    # A loop, not recursion: however deep the JSON, this cannot raise RecursionError.
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if NUL in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _refuse_nul() -> None:
    if NUL in request.path or any(NUL in k or NUL in v for k, v in request.args.items(multi=True)):
        raise InvalidInput("The address contains a NUL character (\\0), which is not allowed.")
    if request.is_json and _has_nul(request.get_json(silent=True)):
        raise InvalidInput("The request contains a NUL character (\\0), which is not allowed.")


def init_app(app: Flask) -> None:
    app.before_request(_refuse_nul)
