"""Domain errors that the API turns into JSON errors with the right status."""

from __future__ import annotations


class ChatGepetoError(Exception):
    """Base error with an HTTP status, a machine code and a message for people."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(ChatGepetoError):
    status = 404
    code = "not_found"


class Conflict(ChatGepetoError):
    status = 409
    code = "conflict"


class InvalidInput(ChatGepetoError):
    status = 422
    code = "invalid_input"


class UnsupportedMedia(ChatGepetoError):
    status = 415
    code = "unsupported_media_type"


class TooLarge(ChatGepetoError):
    status = 413
    code = "payload_too_large"


class Unauthorized(ChatGepetoError):
    status = 401
    code = "unauthorized"


class Unavailable(ChatGepetoError):
    status = 503
    code = "unavailable"
