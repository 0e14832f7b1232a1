"""Collections: create, find, list, show, delete with everything in them."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker, with_expression

from chatgepeto.errors import Conflict, NotFound
from chatgepeto.retrieval.lexical import LexicalIndexCache
from chatgepeto.retrieval.vectorstore import VectorIndex
from chatgepeto.storage.db import session_scope
from chatgepeto.storage.files import FileStore
from chatgepeto.storage.lookup import get_or_404
from chatgepeto.storage.models import Chunk, Collection, Document

# Each collection row comes with the number of its documents (`Collection.document_count`).
_DOCUMENT_COUNT = with_expression(
    Collection.document_count,
    select(func.count(Document.id))
    .where(Document.collection_id == Collection.id)
    .correlate(Collection)
    .scalar_subquery(),
)


def require_collection(session: Session, collection_id: str) -> Collection:
    """The collection, or the 404 of one that does not exist (inside a caller's session)."""
    return get_or_404(session, Collection, collection_id)


class Collections:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        vectors: VectorIndex,
        files: FileStore,
        lexical: LexicalIndexCache,
    ) -> None:
        self.sessions = sessions
        self.vectors = vectors
        self.files = files
        self.lexical = lexical

    def create(self, name: str, description: str = "") -> Collection:
        """A new, empty collection; Conflict if the name is taken."""
        try:
            with session_scope(self.sessions) as session:
                collection = Collection(name=name, description=description)
                session.add(collection)
                session.flush()
                collection.document_count = 0
        except IntegrityError as exc:
            raise Conflict(f"A collection named {name!r} already exists.") from exc
        return collection

    def list(self) -> list[Collection]:
        """Every collection, newest first, with its document count."""
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(Collection)
                    .options(_DOCUMENT_COUNT)
                    .order_by(Collection.created_at.desc())
                )
            )

    def get(self, collection_id: str) -> Collection:
        """One collection with its document count, or NotFound."""
        with self.sessions() as session:
            return get_or_404(session, Collection, collection_id, options=[_DOCUMENT_COUNT])

    def check(self, collection_id: str) -> None:
        """NotFound unless the collection exists."""
        with self.sessions() as session:
            require_collection(session, collection_id)

    def find(self, name_or_id: str, *, create: bool = False) -> Collection:
        """The collection with this name (or id); with `create`, a new one by that name if
        there is none, else NotFound (the command line names collections by name)."""
        with self.sessions() as session:
            collection = session.scalar(
                select(Collection).where(
                    or_(Collection.name == name_or_id, Collection.id == name_or_id)
                )
            )
            if collection is not None:
                return collection
        if not create:
            raise NotFound(f"No collection named {name_or_id!r}.")
        try:
            return self.create(name_or_id)
        except Conflict:  # created meanwhile by somebody else
            return self.find(name_or_id)

    def chunk_count(self, collection_id: str, up_to: int) -> int:
        """How many chunks the collection has, counted up to `up_to` (enough to judge by);
        NotFound unless it exists."""
        with self.sessions() as session:
            require_collection(session, collection_id)
            return (
                session.scalar(
                    select(func.count()).select_from(
                        select(Chunk.id)
                        .where(Chunk.collection_id == collection_id)
                        .limit(up_to)
                        .subquery()
                    )
                )
                or 0
            )

    def delete(self, collection_id: str) -> None:
        """Delete a collection with its documents, chunks, vectors, files and conversations.

        Vectors and files first, inside the transaction that deletes the rows: if they fail,
        the collection is still there to delete again.
        """
        with session_scope(self.sessions) as session:
            collection = require_collection(session, collection_id)
            self.vectors.drop_collection(collection.id)
            self.files.delete_prefix(collection.id)
            session.delete(collection)
        self.lexical.forget(collection_id)
