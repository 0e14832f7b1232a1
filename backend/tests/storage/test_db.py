"""Storage: migrations, cascades and constraints, on SQLite (and PostgreSQL in CI)."""

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from chatgepeto.storage.db import make_engine, make_session_factory, session_scope
from chatgepeto.storage.migrate import upgrade
from chatgepeto.storage.models import (
    Chunk,
    Collection,
    Conversation,
    Document,
    Feedback,
    Job,
    Message,
)


@pytest.fixture
def sessions(settings):
    settings.storage.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.storage.sqlalchemy_url)
    upgrade(settings.storage.sqlalchemy_url)  # idempotent
    engine = make_engine(settings.storage.sqlalchemy_url)
    yield make_session_factory(engine)
    engine.dispose()


def _document(collection_id: str, sha: str = "a" * 64) -> Document:
    return Document(
        collection_id=collection_id,
        filename="x.pdf",
        content_type="application/pdf",
        size_bytes=1,
        sha256=sha,
        storage_key="k",
    )


def test_sqlite_uses_wal_and_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    with engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_deleting_a_collection_cascades(sessions):
    with session_scope(sessions) as session:
        collection = Collection(name="Bio")
        session.add(collection)
        session.flush()
        document = _document(collection.id)
        session.add(document)
        session.flush()
        session.add(
            Chunk(
                id="c1",
                document_id=document.id,
                collection_id=collection.id,
                chunk_index=0,
                page=1,
                start_offset=0,
                end_offset=3,
                text="abc",
            )
        )
        session.add(Job(document_id=document.id))
        conversation = Conversation(collection_id=collection.id, title="t")
        session.add(conversation)
        session.flush()
        message = Message(
            conversation_id=conversation.id,
            role="assistant",
            content="a",
            citations=[{"id": 1, "page": 2}],
        )
        session.add(message)
        session.flush()
        session.add(Feedback(message_id=message.id, rating="up"))
        collection_id = collection.id
    with session_scope(sessions) as session:
        assert session.get(Message, message.id).citations == [{"id": 1, "page": 2}]
        session.delete(session.get(Collection, collection_id))
    with sessions() as session:
        for model in (Document, Chunk, Job, Conversation, Message, Feedback):
            assert session.scalar(sa.select(sa.func.count()).select_from(model)) == 0, model


def test_same_content_twice_in_a_collection_is_refused(sessions):
    with session_scope(sessions) as session:
        collection = Collection(name="Bio")
        session.add(collection)
        session.flush()
        collection_id = collection.id
        session.add(_document(collection_id))
    with pytest.raises(IntegrityError), session_scope(sessions) as session:
        session.add(_document(collection_id))
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Document)) == 1
