"""Register a generated PDF for ingestion without running it (the pipeline tests run the job)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chatgepeto.ingestion.uploads import register_files, stage_file
from chatgepeto.storage.db import session_scope
from chatgepeto.storage.models import Collection

from utils.documents import make_pdf


def queue_pdf(svc: Any, folder: Path, pages: list[str]) -> tuple[str, str, str]:
    """A new collection with a PDF of `pages` registered: (collection, document, job) ids."""
    pdf = make_pdf(folder / "livro.pdf", pages)
    with session_scope(svc.sessions) as session:
        collection = Collection(name="Livro")
        session.add(collection)
        session.flush()
        collection_id = collection.id
    with pdf.open("rb") as fh:
        staged = stage_file(fh, pdf.name, folder, 10 * 1024 * 1024)
    items, jobs = register_files(svc.sessions, svc.files, collection_id, [staged])
    return collection_id, items[0].document.id, jobs[0]
