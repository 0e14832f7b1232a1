"""SQL storage: the ORM models, the engine and session factory, and migrations."""
