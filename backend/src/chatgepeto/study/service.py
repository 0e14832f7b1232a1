"""The study tools' application layer: study sets, quiz attempts and flashcard reviews.

Views call it with parsed input and serialise what it returns (rows, or a card with its
schedule) with the `api.study_schemas` models, which also keep a quiz's answers out of the
set until the student has answered; it owns the rules: what scope a set may cover, who may
delete it, how answers are marked and cards scheduled.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, sessionmaker, with_expression

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
from chatgepeto.study.cards import Deck, StudentCard

QUIZ_KINDS = ("mcq", "short", "cloze")
_TITLES = {"quiz": "Quiz", "flashcards": "Flashcards", "guide": "Study guide"}


class StudyService:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    # -- sets ------------------------------------------------------------------------------------

    def create(
        self, kind: str, scope: scopes.Scope, count: int, user_id: str | None
    ) -> tuple[StudySet, str]:
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
                job=job,
                user_id=user_id,
            )
            session.add(study_set)
            session.flush()
            study_set.items, study_set.items_count = [], 0
            return study_set, job.id

    def list(self, collection_id: str, kind: str | None) -> list[StudySet]:
        """A collection's sets, newest first, with their item counts, not their items."""
        items = (
            select(func.count(StudyItem.id))
            .where(StudyItem.set_id == StudySet.id)
            .correlate(StudySet)
            .scalar_subquery()
        )
        # The set with its job in one statement (see `_get`).
        stmt = (
            select(StudySet)
            .options(joinedload(StudySet.job), with_expression(StudySet.items_count, items))
            .where(StudySet.collection_id == collection_id)
            .order_by(StudySet.created_at.desc(), StudySet.id.desc())
            .limit(200)
        )
        if kind:
            stmt = stmt.where(StudySet.kind == kind)
        with self.sessions() as session:
            get_or_404(session, Collection, collection_id)
            return list(session.scalars(stmt).unique())

    def get(self, set_id: str) -> StudySet:
        """A set with its job and items."""
        with self.sessions() as session:
            study_set = self._get(session, set_id)
            study_set.items_count = len(study_set.items)
            return study_set

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

    def attempt(self, set_id: str, user_id: str, answers: list[tuple[str, str]]) -> QuizAttempt:
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
                study_set=study_set,
                user_id=user_id,
                answers=marked,
                correct=sum(m["correct"] for m in marked),
                total=len(marked),
            )
            session.add(attempt)
            session.flush()
            return attempt

    def attempts(self, set_id: str, user_id: str) -> list[QuizAttempt]:
        """The student's attempts at a quiz, newest first (each with its set's questions)."""
        with self.sessions() as session:
            self._get(session, set_id)
            return list(
                session.scalars(
                    select(QuizAttempt)
                    .options(joinedload(QuizAttempt.study_set).selectinload(StudySet.items))
                    .where(QuizAttempt.set_id == set_id, QuizAttempt.user_id == user_id)
                    .order_by(QuizAttempt.created_at.desc(), QuizAttempt.id.desc())
                    .limit(50)
                )
            )

    # -- flashcards ------------------------------------------------------------------------------

    def cards(self, set_id: str, user_id: str) -> Deck:
        """A deck's cards with the student's schedule: due ones first (new ones count as due),
        then by due date."""
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
        return cards.deck(
            [StudentCard(i, schedules.get(i.id)) for i in study_set.items if i.kind == "card"]
        )

    def review(self, item_id: str, user_id: str, rating: str) -> StudentCard:
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
            return StudentCard(item, schedule)

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
        status = study_set.status
        if status != "ready":
            raise Conflict(f"This {_TITLES[kind].lower()} is {status}: it has no questions yet.")
        return study_set


def _title(kind: str, source: str, scope: scopes.Scope) -> str:
    pages = ""
    if scope.page_from is not None or scope.page_to is not None:
        pages = f", p. {scope.page_from or 1}–{scope.page_to or '…'}"
    return f"{_TITLES[kind]}: {source}{pages}"[:300]
