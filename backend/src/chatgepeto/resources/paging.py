"""Opaque keyset cursors for listings ordered by (time, id) descending."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from chatgepeto.errors import InvalidInput


def encode_cursor(stamp: datetime, row_id: str) -> str:
    """The cursor of the page after the row (`stamp`, `row_id`)."""
    raw = f"{stamp.isoformat()}|{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The (time, id) a cursor continues after; InvalidInput for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, _, row_id = raw.partition("|")
        return datetime.fromisoformat(stamp), row_id
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput("The cursor is not valid; start again without it.") from exc
