"""Conversations: list with filters and cursor paging, show, delete; message feedback.

Each student sees only their own: every route is scoped to the signed id cookie
(api/identity.py), and another student's conversation or message is a 404, as if it did not
exist. The admin token may list and read every conversation (for teachers), not change them.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from flask_openapi3 import APIBlueprint, Tag
from sqlalchemy import and_, delete, exists, or_, select

from chatgepeto.api import services
from chatgepeto.api.auth import BEARER, STUDENT, is_admin
from chatgepeto.api.identity import current_user_id
from chatgepeto.api.schemas import (
    ConversationList,
    ConversationOut,
    ConversationPath,
    ConversationQuery,
    ErrorOut,
    FeedbackIn,
    MessagePath,
)
from chatgepeto.errors import InvalidInput, NotFound
from chatgepeto.storage.db import session_scope
from chatgepeto.storage.models import Conversation, Feedback, Message

bp = APIBlueprint(
    "conversations", __name__, url_prefix="/api", abp_tags=[Tag(name="conversations")]
)


def _summary(c: Conversation) -> dict[str, Any]:
    return {
        "id": c.id,
        "collection_id": c.collection_id,
        "user_id": c.user_id,
        "title": c.title,
        "created_at": c.created_at.isoformat(),
        "updated_at": c.updated_at.isoformat(),
    }


def _encode_cursor(c: Conversation) -> str:
    raw = f"{c.updated_at.isoformat()}|{c.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, _, conversation_id = raw.partition("|")
        return datetime.fromisoformat(stamp), conversation_id
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput("The cursor is not valid; start again without it.") from exc


@bp.get(
    "/conversations", responses={200: ConversationList, 422: ErrorOut}, security=STUDENT + BEARER
)
def list_conversations(query: ConversationQuery):
    """List this student's conversations, most recently active first; filter and page with
    `cursor`. With the admin token: everybody's, or those of `user_id`."""
    stmt = select(Conversation)
    if not is_admin():
        stmt = stmt.where(Conversation.user_id == current_user_id())
    elif query.user_id:
        stmt = stmt.where(Conversation.user_id == query.user_id)
    if query.collection_id:
        stmt = stmt.where(Conversation.collection_id == query.collection_id)
    if query.from_:
        stmt = stmt.where(Conversation.updated_at >= query.from_)
    if query.to:
        stmt = stmt.where(Conversation.updated_at <= query.to)
    if query.q and query.q.strip():
        # Words, not patterns: `%` and `_` are searched for as themselves.
        q = query.q.strip()
        stmt = stmt.where(
            or_(
                Conversation.title.icontains(q, autoescape=True),
                exists().where(
                    and_(
                        Message.conversation_id == Conversation.id,
                        Message.content.icontains(q, autoescape=True),
                    )
                ),
            )
        )
    if query.cursor:
        stamp, last_id = _decode_cursor(query.cursor)
        stmt = stmt.where(
            or_(
                Conversation.updated_at < stamp,
                and_(Conversation.updated_at == stamp, Conversation.id < last_id),
            )
        )
    stmt = stmt.order_by(Conversation.updated_at.desc(), Conversation.id.desc()).limit(
        query.limit + 1
    )
    with services().sessions() as session:
        rows = list(session.scalars(stmt))
    page = rows[: query.limit]
    next_cursor = _encode_cursor(page[-1]) if len(rows) > query.limit else None
    return {"items": [_summary(c) for c in page], "next_cursor": next_cursor}


def _get_conversation(session: Any, conversation_id: str, *, admin: bool = False) -> Conversation:
    """The conversation if this student's (or `admin` and the admin token is given); else 404,
    the same answer as for an id that does not exist."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or not (
        (admin and is_admin()) or conversation.user_id == current_user_id()
    ):
        raise NotFound(f"Conversation {conversation_id!r} does not exist.")
    return conversation


@bp.get(
    "/conversations/<conversation_id>",
    responses={200: ConversationOut, 404: ErrorOut},
    security=STUDENT + BEARER,
)
def get_conversation(path: ConversationPath):
    """Show one of this student's conversations (any, with the admin token), with its
    messages and their citations."""
    chain = services().providers
    with services().sessions() as session:
        conversation = _get_conversation(session, path.conversation_id, admin=True)
        messages = session.scalars(
            select(Message)
            .where(Message.conversation_id == conversation.id)
            .order_by(Message.created_at, Message.role.desc())
        )
        return {
            **_summary(conversation),
            "messages": [
                {
                    "id": m.id,
                    "role": m.role,
                    "content": m.content,
                    "mode": m.mode,
                    "citations": m.citations or [],
                    "provider": m.provider,
                    "model": m.model,
                    "fallback": chain is not None
                    and m.mode == "generated"
                    and chain.is_fallback(m.provider, m.model),
                    "incomplete": m.incomplete,
                    "latency_ms": m.latency_ms,
                    "first_token_ms": m.first_token_ms,
                    "usage": {"input_tokens": m.input_tokens, "output_tokens": m.output_tokens},
                    "created_at": m.created_at.isoformat(),
                }
                for m in messages
            ],
        }


@bp.delete(
    "/conversations/<conversation_id>", responses={204: None, 404: ErrorOut}, security=STUDENT
)
def delete_conversation(path: ConversationPath):
    """Delete one of this student's conversations and its messages."""
    with session_scope(services().sessions) as session:
        session.delete(_get_conversation(session, path.conversation_id))
    return "", 204


@bp.post(
    "/messages/<message_id>/feedback",
    responses={204: None, 404: ErrorOut, 422: ErrorOut},
    security=STUDENT,
)
def give_feedback(path: MessagePath, body: FeedbackIn):
    """Rate one of this student's answers up or down, with an optional comment; a new rating
    replaces the last."""
    with session_scope(services().sessions) as session:
        message = session.get(Message, path.message_id)
        if message is None or message.conversation.user_id != current_user_id():
            raise NotFound(f"Message {path.message_id!r} does not exist.")
        if message.role != "assistant":
            raise InvalidInput("Feedback is for answers; this message is a question.")
        # One opinion per answer: a student who changes their mind or adds a comment replaces it.
        session.execute(delete(Feedback).where(Feedback.message_id == message.id))
        session.add(Feedback(message_id=message.id, rating=body.rating, comment=body.comment))
    return "", 204
