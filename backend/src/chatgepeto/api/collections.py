"""Collections: create, list, show, delete (with all their documents, vectors and files)."""

from __future__ import annotations

from flask_openapi3 import APIBlueprint, Tag

from chatgepeto.api import services
from chatgepeto.api.auth import BEARER, admin_only
from chatgepeto.api.schemas import (
    CollectionIn,
    CollectionList,
    CollectionOut,
    CollectionPath,
    ErrorOut,
)

bp = APIBlueprint("collections", __name__, url_prefix="/api", abp_tags=[Tag(name="collections")])


@bp.post(
    "/collections",
    responses={201: CollectionOut, 401: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    security=BEARER,
)
@admin_only
def create_collection(body: CollectionIn):
    """Create a collection of course material."""
    collection = services().collections.create(body.name, body.description)
    return CollectionOut.model_validate(collection).model_dump(mode="json"), 201


@bp.get("/collections", responses={200: CollectionList})
def list_collections():
    """List collections, newest first."""
    items = services().collections.list()
    return CollectionList(items=items).model_dump(mode="json")


@bp.get("/collections/<collection_id>", responses={200: CollectionOut, 404: ErrorOut})
def get_collection(path: CollectionPath):
    """Show one collection."""
    collection = services().collections.get(path.collection_id)
    return CollectionOut.model_validate(collection).model_dump(mode="json")


@bp.delete(
    "/collections/<collection_id>",
    responses={204: None, 401: ErrorOut, 404: ErrorOut},
    security=BEARER,
)
@admin_only
def delete_collection(path: CollectionPath):
    """Delete a collection with its documents, chunks, vectors, files and conversations."""
    services().collections.delete(path.collection_id)
    return "", 204
