"""Jobs: the status and progress of background work."""

from __future__ import annotations

from flask_openapi3 import APIBlueprint, Tag

from chatgepeto.api import services
from chatgepeto.api.schemas import ErrorOut, JobOut, JobPath
from chatgepeto.errors import NotFound
from chatgepeto.storage.models import Job

bp = APIBlueprint("jobs", __name__, url_prefix="/api", abp_tags=[Tag(name="jobs")])


@bp.get("/jobs/<job_id>", responses={200: JobOut, 404: ErrorOut})
def get_job(path: JobPath):
    """Show a job's status and progress (0..1)."""
    with services().sessions() as session:
        job = session.get(Job, path.job_id)
        if job is None:
            raise NotFound(f"Job {path.job_id!r} does not exist.")
        return {
            "id": job.id,
            "status": job.status,
            "progress": round(job.progress, 3),
            "error": job.error,
            "error_code": job.error_code,
            "document_id": job.document_id,
        }
