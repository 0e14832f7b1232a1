"""Run the Alembic migrations programmatically (at start-up and from the CLI).

`migrate()` is safe to run from several processes at once (every task of a deployment
starting together): on PostgreSQL it holds a session-level advisory lock around the upgrade,
on a SQLite file an exclusive lock on a file beside it. Whoever comes second waits, then
finds the schema at head and does nothing.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import make_url

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

# pg_advisory_lock key for migrations: any constant the application uses for nothing else.
MIGRATION_LOCK_KEY = 0x63686174_67706D67 & 0x7FFFFFFFFFFFFFFF  # "chatgpmg"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation would choke on "%" in passwords.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` up to `revision` (no lock: see `migrate`)."""
    command.upgrade(alembic_config(url), revision)


def migrate(url: str) -> str | None:
    """Upgrade to head under a lock that concurrent runs share; return the revision."""
    with migration_lock(url):
        upgrade(url)
    return current_revision(url)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(url: str) -> str | None:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


@contextmanager
def migration_lock(url: str) -> Iterator[None]:
    """Hold the migration lock of the database at `url` (PostgreSQL, or a SQLite file)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        engine = create_engine(url, poolclass=pool.NullPool)
        try:
            with engine.connect() as connection:
                # Session-level: held until unlocked or the connection ends (a crashed run
                # never leaves it behind), whatever the transactions in between.
                connection.execute(
                    text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
                connection.commit()
                try:
                    yield
                finally:
                    connection.execute(
                        text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY}
                    )
                    connection.commit()
        finally:
            engine.dispose()
    elif parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        lock_path = Path(f"{parsed.database}.migrate.lock")
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with lock_path.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    else:
        yield
