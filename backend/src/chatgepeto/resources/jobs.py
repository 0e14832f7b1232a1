"""Jobs: the status of background work, the teacher's list of it, and retrying a failure."""

from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, joinedload, sessionmaker

from chatgepeto.ingestion.jobs import JobRunner
from chatgepeto.resources.paging import decode_cursor, encode_cursor
from chatgepeto.storage.lookup import get_or_404
from chatgepeto.storage.models import Job


class JobBoard:
    def __init__(self, sessions: sessionmaker[Session], runner: JobRunner) -> None:
        self.sessions = sessions
        self.runner = runner

    def list(
        self, status: str | None, limit: int, cursor: str | None
    ) -> tuple[list[Job], str | None]:
        """Jobs newest first, with their documents, optionally by status (`failed`: the dead
        letters); the page and the cursor of the next one."""
        stmt = select(Job).options(joinedload(Job.document))
        if status:
            stmt = stmt.where(Job.status == status)
        if cursor:
            stamp, last_id = decode_cursor(cursor)
            stmt = stmt.where(
                or_(Job.created_at < stamp, and_(Job.created_at == stamp, Job.id < last_id))
            )
        stmt = stmt.order_by(Job.created_at.desc(), Job.id.desc()).limit(limit + 1)
        with self.sessions() as session:
            rows = list(session.scalars(stmt))
        page = rows[:limit]
        more = len(rows) > limit
        return page, encode_cursor(page[-1].created_at, page[-1].id) if more else None

    def get(self, job_id: str) -> Job:
        """A job's status and progress, or NotFound."""
        with self.sessions() as session:
            return get_or_404(session, Job, job_id)

    def retry(self, job_id: str) -> Job:
        """Run a failed job again (Conflict unless it failed and is its document's latest)."""
        self.runner.retry(job_id)
        return self.get(job_id)  # NotFound if deleted with its document meanwhile
