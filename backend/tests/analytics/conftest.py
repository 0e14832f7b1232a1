"""A migrated database and one collection in it, for the analytics queries."""

from __future__ import annotations

import pytest

from chatgepeto.storage.db import make_engine, make_session_factory
from chatgepeto.storage.migrate import upgrade
from chatgepeto.storage.models import Collection


@pytest.fixture
def sessions(settings):
    settings.storage.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.storage.sqlalchemy_url)
    engine = make_engine(settings.storage.sqlalchemy_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def collection_id(sessions) -> str:
    with sessions.begin() as session:
        collection = Collection(name="Biologia")
        session.add(collection)
        session.flush()
        return collection.id
