"""A collection's `index_version`: bumped by whatever changes its chunks (an ingestion, a
delete, an evaluation corpus), read by every process that keeps a BM25 index of it in memory
(retrieval/lexical.py) to tell that its copy is stale."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from chatgepeto.storage.models import Collection


def bump_index_version(session: Session, collection_id: str) -> None:
    """Mark the collection's chunks changed, in the caller's transaction (an UPDATE of the
    counter itself, so concurrent writers never lose a bump)."""
    session.execute(
        update(Collection)
        .where(Collection.id == collection_id)
        .values(index_version=Collection.index_version + 1)
    )
