"""The HTTP API: one blueprint per resource, JSON errors, auth, streaming."""

from __future__ import annotations

from flask import current_app

from chatgepeto.services import Services


def services() -> Services:
    """The service container of the running app."""
    return current_app.extensions["chatgepeto"]
