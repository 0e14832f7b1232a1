"""One cited chunk with its neighbours: the context a source viewer shows for text sources."""

from __future__ import annotations

from flask_openapi3 import APIBlueprint, Tag

from chatgepeto.api import services
from chatgepeto.api.schemas import ChunkOut, ChunkPath, ErrorOut

bp = APIBlueprint("chunks", __name__, url_prefix="/api", abp_tags=[Tag(name="documents")])


@bp.get("/chunks/<chunk_id>", responses={200: ChunkOut, 404: ErrorOut})
def get_chunk(path: ChunkPath):
    """Show a chunk's text with the text of the chunks just before and after it."""
    chunk, filename, before, after = services().documents.chunk(path.chunk_id)
    out = ChunkOut(
        id=chunk.id,
        document_id=chunk.document_id,
        filename=filename,
        page=chunk.page,
        text=chunk.text,
        before=before,
        after=after,
    )
    return out.model_dump(mode="json")
