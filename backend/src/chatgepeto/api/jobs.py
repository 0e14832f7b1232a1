"""Jobs: the status and progress of background work; the teacher's list and retry."""

from __future__ import annotations

from flask_openapi3 import APIBlueprint, Tag

from chatgepeto.api import services
from chatgepeto.api.auth import BEARER, admin_only
from chatgepeto.api.schemas import ErrorOut, JobList, JobOut, JobPath, JobQuery

bp = APIBlueprint("jobs", __name__, url_prefix="/api", abp_tags=[Tag(name="jobs")])


@bp.get(
    "/jobs",
    responses={200: JobList, 401: ErrorOut, 422: ErrorOut},
    security=BEARER,
)
@admin_only
def list_jobs(query: JobQuery):
    """List jobs, newest first, optionally by status (`failed`: the dead letters); page with
    `cursor`."""
    jobs, next_cursor = services().job_board.list(query.status, query.limit, query.cursor)
    return JobList(items=jobs, next_cursor=next_cursor).model_dump(mode="json")


@bp.get("/jobs/<job_id>", responses={200: JobOut, 404: ErrorOut})
def get_job(path: JobPath):
    """Show a job's status and progress (0..1)."""
    return JobOut.model_validate(services().job_board.get(path.job_id)).model_dump(mode="json")


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
    job = services().job_board.retry(path.job_id)
    return JobOut.model_validate(job).model_dump(mode="json"), 202
