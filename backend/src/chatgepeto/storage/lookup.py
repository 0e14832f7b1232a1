"""Rows by primary key, or the API's 404: the one place "does not exist" is written."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.orm import Session

from chatgepeto.errors import NotFound

T = TypeVar("T")


def get_or_404(
    session: Session, model: type[T], key: str, *, name: str | None = None, **options: Any
) -> T:
    """The row of `model` with primary key `key` (`options` as for `Session.get`), or
    NotFound named `name` or after the model ("Collection 'x' does not exist.")."""
    row = session.get(model, key, **options)
    if row is None:
        raise not_found(name or model.__name__, key)
    return row


def not_found(name: str, key: str, where: str = "") -> NotFound:
    """The error for a row that does not exist, or that the asker may not see (somebody
    else's conversation is answered the same way): "<name> 'key' does not exist<where>."."""
    return NotFound(f"{name} {key!r} does not exist{where}.")
