"""Documents: upload (multipart), list, show, download the original, delete."""

from __future__ import annotations

import io
import tempfile
import unicodedata
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

from flask import Response, request
from flask_openapi3 import APIBlueprint, Tag
from sqlalchemy import select, update
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.wsgi import FileWrapper

from chatgepeto.api import services
from chatgepeto.api.auth import BEARER, admin_only
from chatgepeto.api.collections import get_collection_or_404
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
from chatgepeto.errors import InvalidInput, NotFound
from chatgepeto.ingestion.uploads import register_files, stage_file
from chatgepeto.storage.db import session_scope
from chatgepeto.storage.models import Collection, Document

# Bytes per chunk of a streamed original file.
_STREAM_BUFFER = 64 * 1024

bp = APIBlueprint("documents", __name__, url_prefix="/api", abp_tags=[Tag(name="documents")])


def document_json(document: Document) -> dict[str, Any]:
    return {
        "id": document.id,
        "collection_id": document.collection_id,
        "filename": document.filename,
        "content_type": document.content_type,
        "size_bytes": document.size_bytes,
        "pages": document.pages,
        "chunks": document.chunks,
        "status": document.status,
        "progress": round(document.progress, 3),
        "error": document.error,
        "error_code": document.error_code,
        "created_at": document.created_at.isoformat(),
    }


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
    svc = services()
    settings = svc.settings
    uploads = [f for f in request.files.getlist("files") if f is not None]
    if not uploads:
        raise InvalidInput("Send one or more files in the multipart field 'files'.")
    if len(uploads) > settings.max_upload_files:
        raise InvalidInput(f"At most {settings.max_upload_files} files per upload.")
    with svc.sessions() as session:
        get_collection_or_404(session, path.collection_id)

    tmp_root = settings.data_dir / "tmp"
    tmp_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=tmp_root) as folder:
        staged = [
            stage_file(u.stream, u.filename, Path(folder), settings.max_upload_bytes)
            for u in uploads
        ]
        items, new_jobs = register_files(svc.sessions, svc.files, path.collection_id, staged)
    for job_id in new_jobs:
        svc.jobs.submit(job_id)
    return {"items": items}, 202 if new_jobs else 200


@bp.get(
    "/collections/<collection_id>/documents",
    responses={200: DocumentList, 404: ErrorOut, 422: ErrorOut},
)
def list_documents(path: CollectionPath, query: DocumentListQuery):
    """List a collection's documents, newest first; with `ids`, only those documents."""
    stmt = select(Document).where(Document.collection_id == path.collection_id)
    if query.ids is not None:
        stmt = stmt.where(Document.id.in_(query.ids))
    with services().sessions() as session:
        get_collection_or_404(session, path.collection_id)
        documents = session.scalars(stmt.order_by(Document.created_at.desc()))
        return {"items": [document_json(d) for d in documents]}


def _get_document(session: Any, document_id: str) -> Document:
    document = session.get(Document, document_id)
    if document is None:
        raise NotFound(f"Document {document_id!r} does not exist.")
    return document


@bp.get("/documents/<document_id>", responses={200: DocumentOut, 404: ErrorOut})
def get_document(path: DocumentPath):
    """Show one document with its ingestion status and progress."""
    with services().sessions() as session:
        return document_json(_get_document(session, path.document_id))


@bp.get("/documents/<document_id>/file", responses={404: ErrorOut})
def get_document_file(path: DocumentPath):
    """Download the original file."""
    svc = services()
    with svc.sessions() as session:
        document = _get_document(session, path.document_id)
    try:
        stream = svc.files.open(document.storage_key)
    except FileNotFoundError as exc:
        raise NotFound("The original file of this document is missing.") from exc
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
    svc = services()
    with session_scope(svc.sessions) as session:
        document = _get_document(session, path.document_id)
        collection_id, key = document.collection_id, document.storage_key
        svc.vectors.delete_document(collection_id, document.id)
        session.delete(document)
        session.execute(
            update(Collection)
            .where(Collection.id == collection_id)
            .values(index_version=Collection.index_version + 1)
        )
    svc.files.delete(key)
    return "", 204
