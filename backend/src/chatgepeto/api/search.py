"""Search and ask: passages for a question, and cited answers (JSON or streamed)."""

from __future__ import annotations

from flask import Response, request
from flask_openapi3 import APIBlueprint, Tag

from chatgepeto.api import services
from chatgepeto.api.auth import STUDENT
from chatgepeto.api.identity import current_user_id
from chatgepeto.api.schemas import AskIn, AskOut, ErrorOut, SearchIn, SearchOut
from chatgepeto.api.streaming import HEADERS, encode, with_keepalive

bp = APIBlueprint("search", __name__, url_prefix="/api", abp_tags=[Tag(name="questions")])


@bp.post("/search", responses={200: SearchOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut})
def search(body: SearchIn):
    """The passages of a collection that best match a question (hybrid retrieval)."""
    svc = services()
    svc.collections.check(body.collection_id)
    results = svc.retriever.search(body.collection_id, body.question, body.k)
    return SearchOut(results=results).model_dump(mode="json")


@bp.post(
    "/ask",
    responses={200: AskOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    security=STUDENT,
)
def ask(body: AskIn):
    """Answer a question from a collection's material, with numbered citations.

    The conversation is the student's of the id cookie (a new one is issued if missing): a
    `conversation_id` of anybody else's is a 404.

    With `tutor` true the answer is a hint and a guiding question, cited; asking the same
    question again with `tutor` false in the same conversation gives the full answer.

    With `Accept: text/event-stream` the answer streams in the Vercel AI SDK UI message
    stream protocol (header `x-vercel-ai-ui-message-stream: v1`).
    """
    answerer = services().answerer
    user_id = current_user_id()
    wants_stream = request.accept_mimetypes.best_match(
        ["application/json", "text/event-stream"]
    ) == "text/event-stream" and "text/event-stream" in request.headers.get("Accept", "")
    if not wants_stream:
        result = answerer.answer(
            body.question, body.collection_id, body.conversation_id, user_id, tutor=body.tutor
        )
        return AskOut.model_validate(result).model_dump(mode="json")
    events = answerer.stream(
        body.question, body.collection_id, body.conversation_id, user_id, tutor=body.tutor
    )
    # Run the preparation now, so a bad request still gets a plain JSON error and status.
    first = next(events)

    def all_events():
        try:
            yield first
            yield from events
        finally:
            events.close()

    parts = with_keepalive(
        encode(all_events()), interval=services().settings.answering.stream_keepalive_seconds
    )
    return Response(parts, status=200, headers=HEADERS)
