"""Register a generated PDF for ingestion without running it (the pipeline tests run the job)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chatgepeto.ingestion.uploads import register_files, stage_file

from utils.documents import make_pdf


def queue_pdf(
    svc: Any, folder: Path, pages: list[str], name: str = "Livro"
) -> tuple[str, str, str]:
    """A new collection with a PDF of `pages` registered: (collection, document, job) ids."""
    pdf = make_pdf(folder / "livro.pdf", pages)
    collection_id = svc.collections.create(name).id
    with pdf.open("rb") as fh:
        staged = stage_file(fh, pdf.name, folder, 10 * 1024 * 1024)
    items, jobs = register_files(svc.sessions, svc.files, collection_id, [staged])
    return collection_id, items[0].document.id, jobs[0]
