"""One cited chunk with its neighbours: the context a source viewer shows for text sources."""

from __future__ import annotations

from flask_openapi3 import APIBlueprint, Tag
from sqlalchemy import select

from chatgepeto.api import services
from chatgepeto.api.schemas import ChunkOut, ChunkPath, ErrorOut
from chatgepeto.errors import NotFound
from chatgepeto.storage.models import Chunk, Document

bp = APIBlueprint("chunks", __name__, url_prefix="/api", abp_tags=[Tag(name="documents")])


@bp.get("/chunks/<chunk_id>", responses={200: ChunkOut, 404: ErrorOut})
def get_chunk(path: ChunkPath):
    """Show a chunk's text with the text of the chunks just before and after it."""
    with services().sessions() as session:
        chunk = session.get(Chunk, path.chunk_id)
        if chunk is None:
            raise NotFound(f"Chunk {path.chunk_id!r} does not exist; its document may be gone.")
        document = session.get(Document, chunk.document_id)
        neighbours = {
            n.chunk_index: n.text
            for n in session.scalars(
                select(Chunk).where(
                    Chunk.document_id == chunk.document_id,
                    Chunk.chunk_index.in_([chunk.chunk_index - 1, chunk.chunk_index + 1]),
                )
            )
        }
        return {
            "id": chunk.id,
            "document_id": chunk.document_id,
            "filename": document.filename if document else "",
            "page": chunk.page,
            "text": chunk.text,
            "before": neighbours.get(chunk.chunk_index - 1),
            "after": neighbours.get(chunk.chunk_index + 1),
        }
