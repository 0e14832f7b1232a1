"""Conversations: list with filters and cursor paging, show, delete; message feedback.

Each student sees only their own: every route is scoped to the signed id cookie
(api/identity.py), and another student's conversation or message is a 404, as if it did not
exist. The admin token may list and read every conversation (for teachers), not change them.
"""

from __future__ import annotations

from flask_openapi3 import APIBlueprint, Tag

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
from chatgepeto.resources.conversations import ConversationFilter, Viewer

bp = APIBlueprint(
    "conversations", __name__, url_prefix="/api", abp_tags=[Tag(name="conversations")]
)


def _viewer() -> Viewer:
    return Viewer(current_user_id(), admin=is_admin())


@bp.get(
    "/conversations", responses={200: ConversationList, 422: ErrorOut}, security=STUDENT + BEARER
)
def list_conversations(query: ConversationQuery):
    """List this student's conversations, most recently active first; filter and page with
    `cursor`. With the admin token: everybody's, or those of `user_id`."""
    where = ConversationFilter(
        user_id=query.user_id,
        collection_id=query.collection_id,
        q=query.q,
        since=query.from_,
        until=query.to,
        limit=query.limit,
        cursor=query.cursor,
    )
    page, next_cursor = services().conversations.list(_viewer(), where)
    return ConversationList(items=page, next_cursor=next_cursor).model_dump(mode="json")


@bp.get(
    "/conversations/<conversation_id>",
    responses={200: ConversationOut, 404: ErrorOut},
    security=STUDENT + BEARER,
)
def get_conversation(path: ConversationPath):
    """Show one of this student's conversations (any, with the admin token), with its
    messages and their citations."""
    svc = services()
    out = ConversationOut.model_validate(svc.conversations.get(path.conversation_id, _viewer()))
    if svc.providers is not None:
        for message in out.messages:
            message.fallback = message.mode == "generated" and svc.providers.is_fallback(
                message.provider, message.model
            )
    return out.model_dump(mode="json")


@bp.delete(
    "/conversations/<conversation_id>", responses={204: None, 404: ErrorOut}, security=STUDENT
)
def delete_conversation(path: ConversationPath):
    """Delete one of this student's conversations and its messages."""
    services().conversations.delete(path.conversation_id, _viewer())
    return "", 204


@bp.post(
    "/messages/<message_id>/feedback",
    responses={204: None, 404: ErrorOut, 422: ErrorOut},
    security=STUDENT,
)
def give_feedback(path: MessagePath, body: FeedbackIn):
    """Rate one of this student's answers up or down, with an optional comment; a new rating
    replaces the last."""
    services().conversations.rate(path.message_id, current_user_id(), body.rating, body.comment)
    return "", 204
