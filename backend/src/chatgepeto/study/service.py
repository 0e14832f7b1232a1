"""The study tools' application layer: study sets, quiz attempts and flashcard reviews.

Views call it with parsed input and serialise what it returns with the `api.study_schemas`
models; it owns the rules: what scope a set may cover, who may delete it, that a quiz's answers
stay hidden until the student has answered, how answers are marked and cards scheduled.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, sessionmaker

from chatgepeto.errors import Conflict, InvalidInput
from chatgepeto.ingestion.jobs import STUDY
from chatgepeto.storage.db import session_scope
from chatgepeto.storage.lookup import get_or_404, not_found
from chatgepeto.storage.models import (
    CardSchedule,
    Collection,
    Job,
    QuizAttempt,
    StudyItem,
    StudySet,
)
from chatgepeto.study import cards, grading
from chatgepeto.study import scope as scopes

QUIZ_KINDS = ("mcq", "short", "cloze")
_TITLES = {"quiz": "Quiz", "flashcards": "Flashcards", "guide": "Study guide"}


class StudyService:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    # -- sets ------------------------------------------------------------------------------------

    def create(
        self, kind: str, scope: scopes.Scope, count: int, user_id: str | None
    ) -> tuple[dict[str, Any], str]:
        """Record a set and the job that builds it; returns the set and the job id to submit.

        The scope is checked first (NotFound, DocumentNotReady, EmptyRange, NoText): a bad
        request stores nothing.
        """
        with session_scope(self.sessions) as session:
            collection, document = scopes.check(session, scope)
            job = Job(kind=STUDY)
            session.add(job)
            session.flush()
            study_set = StudySet(
                kind=kind,
                collection_id=collection.id,
                document_id=scope.document_id,
                page_from=scope.page_from,
                page_to=scope.page_to,
                title=_title(kind, document.filename if document else collection.name, scope),
                requested=count,
                job_id=job.id,
                user_id=user_id,
            )
            session.add(study_set)
            session.flush()
            return self._view(study_set), job.id

    def list(self, collection_id: str, kind: str | None) -> list[dict[str, Any]]:
        """A collection's sets, newest first, without their items."""
        items = (
            select(func.count(StudyItem.id))
            .where(StudyItem.set_id == StudySet.id)
            .correlate(StudySet)
            .scalar_subquery()
        )
        # The set with its job in one statement (see `_get`).
        stmt = (
            select(StudySet, items)
            .options(joinedload(StudySet.job))
            .where(StudySet.collection_id == collection_id)
            .order_by(StudySet.created_at.desc(), StudySet.id.desc())
            .limit(200)
        )
        if kind:
            stmt = stmt.where(StudySet.kind == kind)
        with self.sessions() as session:
            get_or_404(session, Collection, collection_id)
            rows = session.execute(stmt).all()
            return [_summary(study_set, items) for study_set, items in rows]

    def get(self, set_id: str) -> dict[str, Any]:
        """A set with its items; a quiz's answers and explanations left out."""
        with self.sessions() as session:
            return self._view(self._get(session, set_id))

    def delete(self, set_id: str, user_id: str | None, *, admin: bool) -> None:
        """Delete a set with its items, attempts and schedules (its creator or a teacher);
        somebody else's set is answered as one that does not exist."""
        with session_scope(self.sessions) as session:
            study_set = self._get(session, set_id)
            if not admin and (study_set.user_id is None or study_set.user_id != user_id):
                raise not_found("Study set", set_id)
            job = study_set.job
            session.delete(study_set)
            # Its job goes too, unless running: the build then finds no set and stops.
            if job is not None and job.status != "running":
                session.delete(job)

    # -- quizzes ---------------------------------------------------------------------------------

    def attempt(self, set_id: str, user_id: str, answers: list[tuple[str, str]]) -> dict[str, Any]:
        """Mark a student's answers, store the attempt, and return it with the right answers.

        Unanswered questions count as wrong; an id that is not one of the quiz's questions is
        an error (nothing stored).
        """
        with session_scope(self.sessions) as session:
            study_set = self._ready(session, set_id, "quiz")
            questions = {i.id: i for i in study_set.items if i.kind in QUIZ_KINDS}
            given: dict[str, str] = {}
            for item_id, answer in answers:
                if item_id not in questions:
                    raise InvalidInput(f"{item_id!r} is not a question of this quiz.")
                if item_id in given:
                    raise InvalidInput(f"Question {item_id!r} is answered twice.")
                given[item_id] = answer
            marked = [
                {
                    "item_id": item.id,
                    "given": given.get(item.id, ""),
                    "correct": grading.is_correct(item.kind, item.answer, given.get(item.id, "")),
                }
                for item in questions.values()
            ]
            attempt = QuizAttempt(
                set_id=set_id,
                user_id=user_id,
                answers=marked,
                correct=sum(m["correct"] for m in marked),
                total=len(marked),
            )
            session.add(attempt)
            session.flush()
            return _attempt(attempt, questions)

    def attempts(self, set_id: str, user_id: str) -> list[dict[str, Any]]:
        """The student's attempts at a quiz, newest first."""
        with self.sessions() as session:
            study_set = self._get(session, set_id)
            questions = {i.id: i for i in study_set.items}
            rows = session.scalars(
                select(QuizAttempt)
                .where(QuizAttempt.set_id == set_id, QuizAttempt.user_id == user_id)
                .order_by(QuizAttempt.created_at.desc(), QuizAttempt.id.desc())
                .limit(50)
            )
            return [_attempt(a, questions) for a in rows]

    # -- flashcards ------------------------------------------------------------------------------

    def cards(self, set_id: str, user_id: str) -> dict[str, Any]:
        """A deck's cards with the student's schedule: due ones first (new ones count as due),
        then by due date."""
        now = datetime.now(UTC)
        with self.sessions() as session:
            study_set = self._get(session, set_id)
            schedules = {
                s.item_id: s
                for s in session.scalars(
                    select(CardSchedule)
                    .join(StudyItem, StudyItem.id == CardSchedule.item_id)
                    .where(StudyItem.set_id == set_id, CardSchedule.user_id == user_id)
                )
            }
            items = [_card(i, schedules.get(i.id)) for i in study_set.items if i.kind == "card"]
        items.sort(key=lambda c: (c["due"] is not None and _aware(c["due"]) > now, _order(c)))
        due = sum(c["due"] is None or _aware(c["due"]) <= now for c in items)
        return {"items": items, "due_now": due}

    def review(self, item_id: str, user_id: str, rating: str) -> dict[str, Any]:
        """Record a review of a card; returns the card with its next due time."""
        with session_scope(self.sessions) as session:
            item = session.get(StudyItem, item_id)
            if item is None or item.kind != "card":
                raise not_found("Flashcard", item_id)
            schedule = session.scalar(
                select(CardSchedule).where(
                    CardSchedule.item_id == item_id, CardSchedule.user_id == user_id
                )
            )
            if schedule is None:
                schedule = CardSchedule(item_id=item_id, user_id=user_id, reviews=0, state={})
                session.add(schedule)
            state, due = cards.review(schedule.state or None, rating)
            schedule.state, schedule.due = state, due
            schedule.reviews = (schedule.reviews or 0) + 1
            schedule.last_rating = rating
            session.flush()
            return _card(item, schedule)

    # -- helpers ---------------------------------------------------------------------------------

    @staticmethod
    def _get(session: Session, set_id: str) -> StudySet:
        # One statement for the set, its job and its items: under PostgreSQL's read committed a
        # second SELECT could see the build's commit the first did not (a `ready` job beside
        # a set without its mode).
        return get_or_404(
            session,
            StudySet,
            set_id,
            name="Study set",
            options=[joinedload(StudySet.job), joinedload(StudySet.items)],
        )

    def _ready(self, session: Session, set_id: str, kind: str) -> StudySet:
        study_set = self._get(session, set_id)
        if study_set.kind != kind:
            raise InvalidInput(f"Study set {set_id!r} is not a {_TITLES[kind].lower()}.")
        status = _status(study_set)
        if status != "ready":
            raise Conflict(f"This {_TITLES[kind].lower()} is {status}: it has no questions yet.")
        return study_set

    @staticmethod
    def _view(study_set: StudySet) -> dict[str, Any]:
        items = list(study_set.items)
        hide = study_set.kind == "quiz"  # its answers come with an attempt
        return {
            **_summary(study_set, len(items)),
            "items": [_item(i, hide=hide) for i in items],
        }


def _title(kind: str, source: str, scope: scopes.Scope) -> str:
    pages = ""
    if scope.page_from is not None or scope.page_to is not None:
        pages = f", p. {scope.page_from or 1}–{scope.page_to or '…'}"
    return f"{_TITLES[kind]}: {source}{pages}"[:300]


def _status(study_set: StudySet) -> str:
    job = study_set.job
    if job is None:  # its job row is gone (an old set): what it holds is what it is
        return "ready"
    return job.status


def _summary(study_set: StudySet, items: int) -> dict[str, Any]:
    job = study_set.job
    return {
        "id": study_set.id,
        "kind": study_set.kind,
        "collection_id": study_set.collection_id,
        "document_id": study_set.document_id,
        "page_from": study_set.page_from,
        "page_to": study_set.page_to,
        "title": study_set.title,
        "language": study_set.language,
        "mode": study_set.mode,
        "requested": study_set.requested,
        "status": _status(study_set),
        "progress": round(job.progress, 3) if job is not None else 1.0,
        "error": job.error if job is not None and job.status == "failed" else None,
        "error_code": job.error_code if job is not None and job.status == "failed" else None,
        "job_id": study_set.job_id,
        "items_count": items,
        "created_at": study_set.created_at,
    }


def _item(item: StudyItem, *, hide: bool) -> dict[str, Any]:
    return {
        "id": item.id,
        "position": item.position,
        "kind": item.kind,
        "prompt": item.prompt,
        "answer": None if hide else item.answer,
        "choices": list(item.choices or []),
        "explanation": None if hide else item.explanation,
        "citations": list(item.citations or []),
    }


def _attempt(attempt: QuizAttempt, questions: dict[str, StudyItem]) -> dict[str, Any]:
    results = []
    for marked in attempt.answers:
        item = questions.get(marked["item_id"])
        results.append(
            {
                "item_id": marked["item_id"],
                "given": marked["given"],
                "correct": bool(marked["correct"]),
                "answer": item.answer if item else "",
                "explanation": item.explanation if item else "",
                "citations": list(item.citations or []) if item else [],
            }
        )
    return {
        "id": attempt.id,
        "set_id": attempt.set_id,
        "correct": attempt.correct,
        "total": attempt.total,
        "score": round(attempt.correct / attempt.total, 4) if attempt.total else 0.0,
        "results": results,
        "created_at": attempt.created_at,
    }


def _card(item: StudyItem, schedule: CardSchedule | None) -> dict[str, Any]:
    return {
        "id": item.id,
        "set_id": item.set_id,
        "term": item.prompt,
        "definition": item.answer,
        "citations": list(item.citations or []),
        "due": schedule.due if schedule is not None else None,
        "reviews": schedule.reviews if schedule is not None else 0,
        "last_rating": schedule.last_rating if schedule is not None else None,
        "position": item.position,
    }


def _aware(stamp: datetime) -> datetime:
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def _order(card: dict[str, Any]) -> tuple[datetime, int]:
    due = _aware(card["due"]) if card["due"] is not None else datetime.min.replace(tzinfo=UTC)
    return due, card["position"]
