"""`chatgepeto migrate`: Alembic upgrade head under a lock, safe from several tasks at once."""

import os
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from chatgepeto.storage.migrate import (
    MIGRATION_LOCK_KEY,
    current_revision,
    head_revision,
    migrate,
    upgrade,
)

from conftest import postgres_schema
from utils.documents import AUTHOR_YEAR, CITING_PROSE


def _migrate_process(tmp_path, database_url: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": database_url,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "chatgepeto.cli", "migrate"],
        env=env,
        cwd=tmp_path,  # no stray .env
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _finish(process: subprocess.Popen) -> str:
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output
    return output


@pytest.fixture
def fresh_postgres():
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not base:
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL); `make test-postgres` runs this")
    yield from postgres_schema(base)


def test_migrate_is_idempotent_and_reports_head(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    assert migrate(url) == head_revision() is not None
    assert migrate(url) == head_revision()
    assert current_revision(url) == head_revision()


@pytest.mark.postgres
def test_concurrent_migrate_runs_on_postgres_both_succeed(tmp_path, fresh_postgres):
    runs = [_migrate_process(tmp_path, fresh_postgres) for _ in range(2)]
    outputs = [_finish(run) for run in runs]
    head = head_revision()
    assert all(f"Database schema at head ({head})" in output for output in outputs)
    assert current_revision(fresh_postgres) == head
    engine = sa.create_engine(fresh_postgres)
    with engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
        versions = conn.execute(sa.text("SELECT version_num FROM alembic_version")).all()
    engine.dispose()
    assert {"collections", "documents", "chunks", "jobs", "messages"} <= tables
    assert versions == [(head,)]


@pytest.mark.postgres
def test_migrate_waits_for_the_advisory_lock(tmp_path, fresh_postgres):
    engine = sa.create_engine(fresh_postgres)
    holder = engine.connect()
    holder.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
    holder.commit()
    try:
        run = _migrate_process(tmp_path, fresh_postgres)
        time.sleep(3)
        assert run.poll() is None  # waiting its turn
        assert current_revision(fresh_postgres) is None
    finally:
        holder.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY})
        holder.commit()
        holder.close()
        engine.dispose()
    _finish(run)
    assert current_revision(fresh_postgres) == head_revision()


def test_concurrent_migrate_runs_on_one_sqlite_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    runs = [_migrate_process(tmp_path, url) for _ in range(2)]
    for run in runs:
        _finish(run)
    assert current_revision(url) == head_revision()


def test_the_migrations_build_what_the_models_describe(tmp_path, database_url):
    """No drift between storage/models.py and the migrations (what `alembic check` checks)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from chatgepeto.storage.models import Base

    url = database_url if database_url.startswith("postgresql") else f"sqlite:///{tmp_path}/m.db"
    migrate(url)
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


def _chunks_stored_before_0006_are_flagged(url: str) -> None:
    """Chunks written before the reference_list column (revision 0006) get it from their
    text: a bibliography stored then ranks after prose without a new upload."""
    upgrade(url, "0005")
    engine = sa.create_engine(url)
    now = "2026-12-01 10:00:00"
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO collections (id, name, description, index_version, created_at) "
                "VALUES ('c1', 'Evolução', '', 1, :now)"
            ),
            {"now": now},
        )
        conn.execute(
            sa.text(
                "INSERT INTO documents (id, collection_id, filename, content_type, size_bytes, "
                "sha256, storage_key, chunks, status, progress, created_at, updated_at) VALUES "
                "('d1', 'c1', 'a.pdf', 'application/pdf', 1, 'x', 'k', 2, 'ready', 1, :now, :now)"
            ),
            {"now": now},
        )
        for id_, text in (("prose", CITING_PROSE), ("refs", AUTHOR_YEAR)):
            conn.execute(
                sa.text(
                    "INSERT INTO chunks (id, document_id, collection_id, chunk_index, page, "
                    "start_offset, end_offset, text, language, terms) VALUES "
                    "(:id, 'd1', 'c1', 0, 1, 0, 1, :text, 'pt', '')"
                ),
                {"id": id_, "text": text},
            )
    upgrade(url)
    with engine.connect() as conn:
        flags = dict(conn.execute(sa.text("SELECT id, reference_list FROM chunks")).all())
    engine.dispose()
    assert flags == {"prose": False, "refs": True}


def test_chunks_stored_before_0006_are_flagged(tmp_path):
    _chunks_stored_before_0006_are_flagged(f"sqlite:///{tmp_path / 'db.sqlite3'}")


@pytest.mark.postgres
def test_chunks_stored_before_0006_are_flagged_on_postgres(fresh_postgres):
    _chunks_stored_before_0006_are_flagged(fresh_postgres)
