"""Documents: upload (multipart), list, show, download the original, delete."""

from __future__ import annotations

import io
import unicodedata
from typing import BinaryIO
from urllib.parse import quote

from flask import Response, request
from flask_openapi3 import APIBlueprint, Tag
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.wsgi import FileWrapper

from chatgepeto.api import services
from chatgepeto.api.auth import BEARER, admin_only
from chatgepeto.api.schemas import (
    CollectionPath,
    DocumentList,
    DocumentListQuery,
    DocumentOut,
    DocumentPath,
    ErrorOut,
    UploadForm,
    UploadOut,
)
from chatgepeto.resources.documents import Upload
from chatgepeto.storage.models import Document

# Bytes per chunk of a streamed original file.
_STREAM_BUFFER = 64 * 1024

bp = APIBlueprint("documents", __name__, url_prefix="/api", abp_tags=[Tag(name="documents")])


@bp.post(
    "/collections/<collection_id>/documents",
    responses={
        202: UploadOut,
        200: UploadOut,
        401: ErrorOut,
        404: ErrorOut,
        413: ErrorOut,
        415: ErrorOut,
        422: ErrorOut,
        429: ErrorOut,
    },
    security=BEARER,
)
@admin_only
def upload_documents(path: CollectionPath, form: UploadForm):
    """Upload one or more files (field `files`); each is ingested in the background.

    Every file is checked first (size, type, content); if any is refused, nothing is stored.
    """
    files = request.files.getlist("files")
    uploads = [Upload(f.stream, f.filename) for f in files if f is not None]
    items, queued = services().documents.upload(path.collection_id, uploads)
    return UploadOut(items=items).model_dump(mode="json"), 202 if queued else 200


@bp.get(
    "/collections/<collection_id>/documents",
    responses={200: DocumentList, 404: ErrorOut, 422: ErrorOut},
)
def list_documents(path: CollectionPath, query: DocumentListQuery):
    """List a collection's documents, newest first; with `ids`, only those documents."""
    documents = services().documents.list(path.collection_id, query.ids)
    return DocumentList(items=documents).model_dump(mode="json")


@bp.get("/documents/<document_id>", responses={200: DocumentOut, 404: ErrorOut})
def get_document(path: DocumentPath):
    """Show one document with its ingestion status and progress."""
    document = services().documents.get(path.document_id)
    return DocumentOut.model_validate(document).model_dump(mode="json")


@bp.get("/documents/<document_id>/file", responses={404: ErrorOut})
def get_document_file(path: DocumentPath):
    """Download the original file."""
    document, stream = services().documents.open_file(path.document_id)
    return file_response(stream, document)


def file_response(stream: BinaryIO, document: Document) -> Response:
    """The stored file as a response, whichever store holds it.

    Conditional (ETag = the content hash, Last-Modified = the upload) with byte ranges, which
    the PDF viewer asks for: Werkzeug seeks the stream to the range's start, so from S3 only
    that range is fetched.
    """
    size = stream.seek(0, io.SEEK_END)
    stream.seek(0)
    response = Response(
        FileWrapper(stream, _STREAM_BUFFER),
        mimetype=document.content_type,
        direct_passthrough=True,
    )
    response.content_length = size
    response.headers.set("Content-Disposition", "inline", **_filename_params(document.filename))
    response.cache_control.no_cache = True
    response.set_etag(document.sha256)
    response.last_modified = document.created_at
    try:
        return response.make_conditional(request.environ, accept_ranges=True, complete_length=size)
    except RequestedRangeNotSatisfiable:
        stream.close()
        raise


def _filename_params(filename: str) -> dict[str, str]:
    """Content-Disposition file name parameters, as Werkzeug's send_file writes them."""
    try:
        filename.encode("ascii")
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
        return {"filename": simple, "filename*": f"UTF-8''{quote(filename, safe='!#$&+-.^_`|~')}"}
    return {"filename": filename}


@bp.delete(
    "/documents/<document_id>",
    responses={204: None, 401: ErrorOut, 404: ErrorOut},
    security=BEARER,
)
@admin_only
def delete_document(path: DocumentPath):
    """Delete a document with its chunks, vectors and file."""
    services().documents.delete(path.document_id)
    return "", 204
