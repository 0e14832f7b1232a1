"""Study tools: build quizzes, flashcard decks and study guides from the material; take a quiz;
review cards. Sets are built by jobs on the ingestion runner (poll the set for progress)."""

from __future__ import annotations

from flask_openapi3 import APIBlueprint, Tag

from chatgepeto.api import services
from chatgepeto.api.auth import STUDENT, is_admin
from chatgepeto.api.identity import current_user_id
from chatgepeto.api.schemas import ErrorOut
from chatgepeto.api.study_schemas import (
    AttemptIn,
    AttemptList,
    AttemptOut,
    CardList,
    CardOut,
    ReviewIn,
    StudyItemPath,
    StudySetIn,
    StudySetList,
    StudySetOut,
    StudySetPath,
    StudySetQuery,
)
from chatgepeto.study.scope import Scope

bp = APIBlueprint("study", __name__, url_prefix="/api/study", abp_tags=[Tag(name="study")])


@bp.post(
    "/sets",
    responses={202: StudySetOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    security=STUDENT,
)
def create_study_set(body: StudySetIn):
    """Build a quiz, flashcards or a study guide from a collection, a document or its pages.

    409 `document_not_ready` while the document is still being processed (or if it failed);
    422 `empty_range` for a page range with no page of the document, `no_text` when the scope
    has no text. The set is built in the background: poll it until `status` is `ready`.
    """
    svc = services()
    scope = Scope(body.collection_id, body.document_id, body.page_from, body.page_to)
    created, job_id = svc.study.create(body.kind, scope, body.count, current_user_id())
    svc.jobs.submit(job_id)
    return StudySetOut.model_validate(created).model_dump(mode="json"), 202


@bp.get("/sets", responses={200: StudySetList, 404: ErrorOut, 422: ErrorOut})
def list_study_sets(query: StudySetQuery):
    """A collection's study sets, newest first (without their items)."""
    items = services().study.list(query.collection_id, query.kind)
    return StudySetList(items=items).model_dump(mode="json")


@bp.get("/sets/<set_id>", responses={200: StudySetOut, 404: ErrorOut})
def get_study_set(path: StudySetPath):
    """A study set with its status, progress and items. A quiz's answers and explanations are
    null here: they come back with an attempt."""
    return StudySetOut.model_validate(services().study.get(path.set_id)).model_dump(mode="json")


@bp.delete("/sets/<set_id>", responses={204: None, 404: ErrorOut}, security=STUDENT)
def delete_study_set(path: StudySetPath):
    """Delete a study set (its creator, or a teacher with the admin token)."""
    services().study.delete(path.set_id, current_user_id(), admin=is_admin())
    return "", 204


@bp.post(
    "/sets/<set_id>/attempts",
    responses={201: AttemptOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    security=STUDENT,
)
def submit_attempt(path: StudySetPath, body: AttemptIn):
    """Answer a quiz: each answer is marked, the attempt stored for this student, and the right
    answers, explanations and citations returned. Unanswered questions count as wrong."""
    answers = [(a.item_id, a.answer) for a in body.answers]
    attempt = services().study.attempt(path.set_id, current_user_id(), answers)
    return AttemptOut.model_validate(attempt).model_dump(mode="json"), 201


@bp.get("/sets/<set_id>/attempts", responses={200: AttemptList, 404: ErrorOut}, security=STUDENT)
def list_attempts(path: StudySetPath):
    """This student's attempts at a quiz, newest first."""
    items = services().study.attempts(path.set_id, current_user_id())
    return AttemptList(items=items).model_dump(mode="json")


@bp.get("/sets/<set_id>/cards", responses={200: CardList, 404: ErrorOut}, security=STUDENT)
def list_cards(path: StudySetPath):
    """A deck's cards with this student's schedule, due ones first."""
    deck = services().study.cards(path.set_id, current_user_id())
    return CardList.model_validate(deck).model_dump(mode="json")


@bp.post(
    "/cards/<item_id>/review",
    responses={200: CardOut, 404: ErrorOut, 422: ErrorOut},
    security=STUDENT,
)
def review_card(path: StudyItemPath, body: ReviewIn):
    """Rate a card again / hard / good / easy; returns when it is due next (FSRS)."""
    card = services().study.review(path.item_id, current_user_id(), body.rating)
    return CardOut.model_validate(card).model_dump(mode="json")
