"""Jobs: the status and progress of background work; the teacher's list and retry."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from flask_openapi3 import APIBlueprint, Tag
from sqlalchemy import and_, or_, select

from chatgepeto.api import services
from chatgepeto.api.auth import BEARER, admin_only
from chatgepeto.api.schemas import ErrorOut, JobList, JobOut, JobPath, JobQuery
from chatgepeto.errors import InvalidInput, NotFound
from chatgepeto.storage.models import Document, Job

bp = APIBlueprint("jobs", __name__, url_prefix="/api", abp_tags=[Tag(name="jobs")])


def job_json(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "status": job.status,
        "progress": round(job.progress, 3),
        "error": job.error,
        "error_code": job.error_code,
        "document_id": job.document_id,
        "attempts": job.attempts,
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


def _encode_cursor(job: Job) -> str:
    raw = f"{job.created_at.isoformat()}|{job.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, _, job_id = raw.partition("|")
        return datetime.fromisoformat(stamp), job_id
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput("The cursor is not valid; start again without it.") from exc


@bp.get(
    "/jobs",
    responses={200: JobList, 401: ErrorOut, 422: ErrorOut},
    security=BEARER,
)
@admin_only
def list_jobs(query: JobQuery):
    """List jobs, newest first, optionally by status (`failed`: the dead letters); page with
    `cursor`."""
    stmt = select(Job, Document.filename, Document.collection_id).outerjoin(
        Document, Document.id == Job.document_id
    )
    if query.status:
        stmt = stmt.where(Job.status == query.status)
    if query.cursor:
        stamp, last_id = _decode_cursor(query.cursor)
        stmt = stmt.where(
            or_(Job.created_at < stamp, and_(Job.created_at == stamp, Job.id < last_id))
        )
    stmt = stmt.order_by(Job.created_at.desc(), Job.id.desc()).limit(query.limit + 1)
    with services().sessions() as session:
        rows = session.execute(stmt).all()
    page = rows[: query.limit]
    return {
        "items": [
            {**job_json(job), "filename": filename, "collection_id": collection_id}
            for job, filename, collection_id in page
        ],
        "next_cursor": _encode_cursor(page[-1][0]) if len(rows) > query.limit else None,
    }


@bp.get("/jobs/<job_id>", responses={200: JobOut, 404: ErrorOut})
def get_job(path: JobPath):
    """Show a job's status and progress (0..1)."""
    with services().sessions() as session:
        job = session.get(Job, path.job_id)
        if job is None:
            raise NotFound(f"Job {path.job_id!r} does not exist.")
        return job_json(job)


@bp.post(
    "/jobs/<job_id>/retry",
    responses={202: JobOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    security=BEARER,
)
@admin_only
def retry_job(path: JobPath):
    """Run a failed job again: it and its document go back to `queued`, errors cleared.

    409 unless the job failed (and is its document's latest job).
    """
    svc = services()
    svc.jobs.retry(path.job_id)
    with svc.sessions() as session:
        job = session.get(Job, path.job_id)
        if job is None:  # deleted with its document meanwhile
            raise NotFound(f"Job {path.job_id!r} does not exist.")
        return job_json(job), 202
