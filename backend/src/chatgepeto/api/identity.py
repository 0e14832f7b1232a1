"""Who the student is: an anonymous id the server issues, signed, in an HttpOnly cookie.

A browser's first request that needs an identity (asking, listing or opening conversations,
feedback) gets a random id, signed with SESSION_SECRET (itsdangerous) and sent back as the
`chatgepeto_uid` cookie: HttpOnly, SameSite=Lax, Path=/, Secure over HTTPS (COOKIE_SECURE).
Later requests are that id only if the signature holds; a missing, tampered, unsigned or
expired cookie is simply a new visitor with a fresh id, never an error and never anybody
else. Clients cannot choose an id: `user_id` in a body or query is not an identity.

The signature carries its date: a cookie older than a day is signed again (same id) so that a
student who keeps coming back keeps their history, while one unused for COOKIE_MAX_AGE is
dropped. Cookies signed with SESSION_SECRET_PREVIOUS still count and are signed again with
the current secret: the secret rotates without anybody losing their conversations.
"""

from __future__ import annotations

import re
import time
import uuid

from flask import Flask, Response, current_app, g, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from chatgepeto.settings import Settings

COOKIE_NAME = "chatgepeto_uid"
# 400 days: the longest a browser keeps a cookie (Chrome's cap), renewed by every visit.
COOKIE_MAX_AGE = 400 * 24 * 3600
# A cookie whose signature is older than this is signed again on the next request.
RESIGN_AFTER = 24 * 3600
_SALT = "chatgepeto.user-id"
_USER_ID = re.compile(r"^u_[0-9a-f]{32}$")


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=_SALT)


def init_app(app: Flask, settings: Settings) -> None:
    """Sign ids with the settings' secret and send the cookie when a request needs it."""
    current, previous = settings.ensure_session_secret()
    app.extensions["chatgepeto_identity"] = {
        "current": _serializer(current),
        "previous": _serializer(previous) if previous else None,
        "secure": settings.auth.cookie_secure,
    }
    app.after_request(_send_cookie)


def _read_cookie() -> tuple[str | None, bool]:
    """The id the request's cookie proves, and whether the cookie should be signed again."""
    value = request.cookies.get(COOKIE_NAME)
    if not value:
        return None, False
    signers = current_app.extensions["chatgepeto_identity"]
    for signer, stale_key in ((signers["current"], False), (signers["previous"], True)):
        if signer is None:
            continue
        try:
            user_id, signed_at = signer.loads(value, max_age=COOKIE_MAX_AGE, return_timestamp=True)
        except BadSignature:  # tampered, unsigned, another secret's, or expired
            continue
        if not isinstance(user_id, str) or not _USER_ID.match(user_id):
            return None, False
        old = time.time() - signed_at.timestamp() > RESIGN_AFTER
        return user_id, stale_key or old
    return None, False


def known_user_id() -> str | None:
    """The id a valid cookie of this request proves, or None (nothing is issued)."""
    if "known_user_id" not in g:
        g.known_user_id, g.resign_cookie = _read_cookie()
    return g.known_user_id


def current_user_id() -> str:
    """This request's student: the cookie's id, or a new one sent back as the cookie."""
    user_id = known_user_id()
    if user_id is None:
        user_id = g.known_user_id = f"u_{uuid.uuid4().hex}"
        g.resign_cookie = True
    g.user_id_used = True
    return user_id


def _send_cookie(response: Response) -> Response:
    if not g.get("user_id_used"):
        return response
    # The answer depends on who asks: no shared cache may keep it for someone else.
    response.vary.add("Cookie")
    response.headers.setdefault("Cache-Control", "private, no-store")
    if not g.get("resign_cookie"):
        return response
    settings = current_app.extensions["chatgepeto_identity"]
    secure = {"always": True, "never": False}.get(settings["secure"], request.is_secure)
    response.set_cookie(
        COOKIE_NAME,
        settings["current"].dumps(g.known_user_id),
        max_age=COOKIE_MAX_AGE,
        path="/",
        secure=secure,
        httponly=True,
        samesite="Lax",
    )
    return response
