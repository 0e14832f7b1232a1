"""Build a study set: the job that reads its scope's passages, drafts its items and stores them.

It runs on the same job runner as ingestion (a thread of the API, or a `chatgepeto worker` on
the RQ queue) and holds a lease on its job row the same way (`Ingestor.claim` / `lease`): a
killed worker's build is taken up again, and a run that lost its lease writes nothing. With a
language model the items are generated and validated (`study.generated`); without one, or when
the model gave nothing usable, they are extracted from the text (`study.extractive`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from chatgepeto.ingestion.pipeline import LeaseLost, crash_message
from chatgepeto.observability.logging import get_logger
from chatgepeto.storage.db import session_scope
from chatgepeto.storage.models import Job, StudyItem, StudySet
from chatgepeto.study import extractive, generated
from chatgepeto.study import scope as scopes
from chatgepeto.study.drafts import CardDraft, Passage, Progress, QuizDraft, TopicDraft, citation

if TYPE_CHECKING:
    from chatgepeto.answering.providers import ProviderChain
    from chatgepeto.ingestion.pipeline import Ingestor

log = get_logger(__name__)

Draft = QuizDraft | CardDraft | TopicDraft
# Progress is written to SQL at most this often (seconds).
PROGRESS_EVERY = 0.5
NOTHING_BUILT = {
    "quiz": "No questions could be built from this material.",
    "flashcards": "No terms with a definition were found in this material.",
    "guide": "No topics could be found in this material.",
}


_GENERATORS = {"quiz": generated.generate_quiz, "flashcards": generated.generate_cards}


class BuildFailed(Exception):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message, self.code = message, code


class StudyBuilder:
    """Runs study jobs (`kind` "study") against SQL and, when configured, a language model."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        leases: Ingestor,
        providers: ProviderChain | None,
    ) -> None:
        self.sessions = sessions
        self.leases = leases
        self.providers = providers

    def run_job(self, job_id: str, *, raise_crashes: bool = False) -> str:
        """Claim and run one study job; returns `ready`, `failed`, `cancelled`, `superseded`
        or `skipped` (not queued). A crash fails the job unless `raise_crashes` (a queue that
        retries it)."""
        attempt = self.leases.claim(job_id)
        if attempt is None:
            return "skipped"
        started = time.perf_counter()
        outcome = "failed"
        try:
            with self.leases.lease(job_id, attempt) as lost:
                outcome = self._build(job_id, attempt, lost)
        except LeaseLost:
            outcome = "superseded"
        except BuildFailed as exc:
            self._finish(job_id, attempt, status="failed", error=exc.message, error_code=exc.code)
        except Exception as exc:
            log.exception("study_build_crashed", job_id=job_id)
            if raise_crashes:
                outcome = "crashed"
                raise
            self._finish(
                job_id,
                attempt,
                status="failed",
                error=crash_message(exc),
                error_code="internal_error",
            )
        finally:
            log.info(
                "study_build_finished",
                job_id=job_id,
                outcome=outcome,
                seconds=round(time.perf_counter() - started, 2),
            )
        return outcome

    # -- the build -------------------------------------------------------------------------------

    def _build(self, job_id: str, attempt: int, lost: threading.Event) -> str:
        with self.sessions() as session:
            study_set = session.scalar(select(StudySet).where(StudySet.job_id == job_id))
            if study_set is None:  # deleted meanwhile
                self._finish(
                    job_id,
                    attempt,
                    status="failed",
                    error="The study set was deleted.",
                    error_code="cancelled",
                )
                return "cancelled"
            set_id, kind, count = study_set.id, study_set.kind, study_set.requested
            scope = scopes.Scope(
                study_set.collection_id,
                study_set.document_id,
                study_set.page_from,
                study_set.page_to,
            )
            material = scopes.passages(session, scope)
            # A page range draws its quiz's answers and distractors from its whole document.
            context = (
                scopes.passages(session, scopes.Scope(scope.collection_id, scope.document_id))
                if kind == "quiz" and scope.document_id and (scope.page_from or scope.page_to)
                else []
            )
        if not material:
            raise BuildFailed("This part of the material has no text to study from.", "no_text")
        language = scopes.main_language(material)
        last = [0.0]

        def progress(share: float) -> None:
            if lost.is_set():
                raise LeaseLost(job_id)
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY:
                last[0] = now
                self._progress(job_id, attempt, min(max(share, 0.0), 0.99))

        mode, drafts = self._draft(kind, material, context, count, language, set_id, progress)
        if not drafts:
            raise BuildFailed(NOTHING_BUILT[kind], "nothing_built")
        if lost.is_set():
            raise LeaseLost(job_id)
        self._store(job_id, attempt, set_id, mode, language, drafts)
        return "ready"

    def _draft(
        self,
        kind: str,
        material: Sequence[Passage],
        context: Sequence[Passage],
        count: int,
        language: str,
        seed: str,
        progress: Progress,
    ) -> tuple[str, list[Draft]]:
        """The drafts and the mode that wrote them: generated if a model gave any, else
        extractive."""
        if self.providers is not None:
            providers = self.providers

            def report(share: float) -> None:
                progress(share * 0.9)  # the extractive fallback may still follow

            drafts: list[Draft] = list(
                generated.generate_guide(providers, material, language, on_progress=report)
                if kind == "guide"
                else _GENERATORS[kind](providers, material, count, language, on_progress=report)
            )
            if drafts:
                return "generated", drafts
            log.warning("study_generation_gave_nothing", kind=kind)
        if kind == "quiz":
            return "extractive", list(
                extractive.build_quiz(
                    material, count, seed=seed, context=context, on_progress=progress
                )
            )
        if kind == "flashcards":
            return "extractive", list(extractive.build_cards(material, count, on_progress=progress))
        return "extractive", list(extractive.build_guide(material, on_progress=progress))

    # -- SQL ---------------------------------------------------------------------------------------

    def _progress(self, job_id: str, attempt: int, share: float) -> None:
        with session_scope(self.sessions) as session:
            mine = session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == "running", Job.attempts == attempt)
                .values(progress=share)
            ).rowcount
        if not mine:
            raise LeaseLost(job_id)

    def _store(
        self, job_id: str, attempt: int, set_id: str, mode: str, language: str, drafts: list[Draft]
    ) -> None:
        """The items and the job's `ready`, in one transaction, if the job is still this run's."""
        with session_scope(self.sessions) as session:
            mine = session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == "running", Job.attempts == attempt)
                .values(
                    status="ready",
                    progress=1.0,
                    error=None,
                    error_code=None,
                    finished_at=datetime.now(UTC),
                    holder=None,
                )
            ).rowcount
            if not mine:
                raise LeaseLost(job_id)
            study_set = session.get(StudySet, set_id)
            if study_set is None:
                return
            study_set.mode, study_set.language = mode, language
            session.add_all(item(set_id, position, draft) for position, draft in enumerate(drafts))

    def _finish(self, job_id: str, attempt: int, **values: object) -> None:
        with session_scope(self.sessions) as session:
            session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == "running", Job.attempts == attempt)
                .values(finished_at=datetime.now(UTC), holder=None, **values)
            )


def item(set_id: str, position: int, draft: Draft) -> StudyItem:
    """The stored form of a draft."""
    if isinstance(draft, QuizDraft):
        return StudyItem(
            set_id=set_id,
            position=position,
            kind=draft.kind,
            prompt=draft.question,
            answer=draft.answer,
            choices=list(draft.choices),
            explanation=draft.explanation,
            citations=[citation(draft.passage, draft.quote)],
        )
    if isinstance(draft, CardDraft):
        return StudyItem(
            set_id=set_id,
            position=position,
            kind="card",
            prompt=draft.term,
            answer=draft.definition,
            choices=[],
            explanation="",
            citations=[citation(draft.passage, draft.quote)],
        )
    return StudyItem(
        set_id=set_id,
        position=position,
        kind="topic",
        prompt=draft.title,
        answer=draft.summary,
        choices=[],
        explanation="",
        citations=[citation(p, quote, n) for n, (p, quote) in enumerate(draft.sources, start=1)],
    )
