"""Collections: create, list, show, delete (with all their documents, vectors and files)."""

from __future__ import annotations

from typing import Any

from flask_openapi3 import APIBlueprint, Tag
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from chatgepeto.api import services
from chatgepeto.api.auth import BEARER, admin_only
from chatgepeto.api.schemas import (
    CollectionIn,
    CollectionList,
    CollectionOut,
    CollectionPath,
    ErrorOut,
)
from chatgepeto.errors import Conflict, NotFound
from chatgepeto.storage.db import session_scope
from chatgepeto.storage.models import Collection, Document

bp = APIBlueprint("collections", __name__, url_prefix="/api", abp_tags=[Tag(name="collections")])


def collection_json(collection: Collection, documents: int) -> dict[str, Any]:
    return {
        "id": collection.id,
        "name": collection.name,
        "description": collection.description,
        "documents": documents,
        "created_at": collection.created_at.isoformat(),
    }


def get_collection_or_404(session: Any, collection_id: str) -> Collection:
    collection = session.get(Collection, collection_id)
    if collection is None:
        raise NotFound(f"Collection {collection_id!r} does not exist.")
    return collection


@bp.post(
    "/collections",
    responses={201: CollectionOut, 401: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    security=BEARER,
)
@admin_only
def create_collection(body: CollectionIn):
    """Create a collection of course material."""
    try:
        with session_scope(services().sessions) as session:
            collection = Collection(name=body.name, description=body.description)
            session.add(collection)
            session.flush()
            out = collection_json(collection, 0)
    except IntegrityError as exc:
        raise Conflict(f"A collection named {body.name!r} already exists.") from exc
    return out, 201


@bp.get("/collections", responses={200: CollectionList})
def list_collections():
    """List collections, newest first."""
    with services().sessions() as session:
        counts = dict(
            session.execute(
                select(Document.collection_id, func.count(Document.id)).group_by(
                    Document.collection_id
                )
            ).all()
        )
        items = [
            collection_json(c, counts.get(c.id, 0))
            for c in session.scalars(select(Collection).order_by(Collection.created_at.desc()))
        ]
    return {"items": items}


@bp.get("/collections/<collection_id>", responses={200: CollectionOut, 404: ErrorOut})
def get_collection(path: CollectionPath):
    """Show one collection."""
    with services().sessions() as session:
        collection = get_collection_or_404(session, path.collection_id)
        documents = session.scalar(
            select(func.count(Document.id)).where(Document.collection_id == collection.id)
        )
        return collection_json(collection, documents or 0)


@bp.delete(
    "/collections/<collection_id>",
    responses={204: None, 401: ErrorOut, 404: ErrorOut},
    security=BEARER,
)
@admin_only
def delete_collection(path: CollectionPath):
    """Delete a collection with its documents, chunks, vectors, files and conversations."""
    svc = services()
    with session_scope(svc.sessions) as session:
        collection = get_collection_or_404(session, path.collection_id)
        # Vectors and files first: if that fails, the collection is still there to retry.
        svc.vectors.drop_collection(collection.id)
        svc.files.delete_prefix(collection.id)
        session.delete(collection)
    svc.retriever.lexical.forget(path.collection_id)
    return "", 204
