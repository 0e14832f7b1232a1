from chatgepeto.settings import IngestionSettings, Settings

# Every variable the settings read, by group. Terraform, compose and .env files set them by
# these flat names: grouping the settings must not rename one.
VARIABLES = {
    "server": "HOST PORT WORKERS THREADS PRELOAD_MODELS GRACEFUL_TIMEOUT KEEPALIVE_SECONDS "
    "PROXY_HOPS",
    "observability": "LOG_LEVEL LOG_JSON WORKER_METRICS_PORT WORKER_METRICS_HOST",
    "auth": "ADMIN_TOKEN SESSION_SECRET SESSION_SECRET_PREVIOUS COOKIE_SECURE",
    "storage": "DATA_DIR DATABASE_URL DATABASE_PASSWORD CHROMA_HOST CHROMA_PORT CHROMA_SSL "
    "S3_BUCKET S3_PREFIX S3_ENDPOINT_URL AWS_REGION REDIS_URL",
    "embeddings": "EMBEDDING_MODEL EMBEDDING_BATCH_SIZE EMBEDDING_BACKEND EMBEDDING_THREADS "
    "EMBEDDING_MAX_TOKENS MODEL_CACHE_DIR",
    "retrieval": "RETRIEVER SEARCH_K CANDIDATE_K HNSW_EF_SEARCH FUSION COVERAGE_WEIGHT "
    "FUSION_WEIGHTS_ENGLISH FUSION_WEIGHTS RRF_K BM25_BACKGROUND_REBUILD_CHUNKS",
    "ingestion": "CHUNK_SIZE CHUNK_OVERLAP PARSE_MEMORY_MB PARSE_CPU_SECONDS PARSE_MAX_CHARS "
    "PARSE_MAX_UNPACKED_MB",
    "answering": "GROQ_API_KEY GROQ_BASE_URL GROQ_MODEL LLM_MAX_TOKENS LLM_TEMPERATURE "
    "GROQ_FALLBACK_MODEL OPENAI_BASE_URL OPENAI_API_KEY OPENAI_MODEL LLM_MAX_RETRIES "
    "LLM_BUDGET_SECONDS LLM_CONNECT_TIMEOUT LLM_STREAM_IDLE_TIMEOUT BREAKER_FAIL_MAX "
    "BREAKER_RESET_SECONDS LINK_ALLOWLIST STREAM_KEEPALIVE_SECONDS",
    "jobs": "JOB_RUNNER JOB_QUEUE JOB_RETRY_INTERVALS JOB_TIMEOUT JOB_HEARTBEAT_SECONDS",
    "limits": "MAX_UPLOAD_MB MAX_UPLOAD_FILES MAX_JSON_KB RATELIMIT_ENABLED RATELIMIT_ASK "
    "RATELIMIT_ASK_PER_IP RATELIMIT_UPLOAD",
}


def test_every_variable_keeps_its_flat_name_in_one_group():
    groups = {name: field.annotation for name, field in Settings.model_fields.items()}
    got = {name: {f.upper() for f in group.model_fields} for name, group in groups.items()}
    assert got == {name: set(names.split()) for name, names in VARIABLES.items()}
    for group in groups.values():
        assert not group.model_config.get("env_prefix")


def test_flat_names_reach_their_group_from_file_environment_and_arguments(tmp_path, monkeypatch):
    env_file = tmp_path / "settings.env"
    env_file.write_text("CHUNK_SIZE=600\nGROQ_MODEL=from-file\nredis_url=redis://file:6379\n")
    monkeypatch.setenv("chunk_overlap", "100")  # any case, as before
    monkeypatch.setenv("JOB_RUNNER", "auto")
    settings = Settings(_env_file=env_file, data_dir=tmp_path, GROQ_MODEL="from-argument")
    assert (settings.ingestion.chunk_size, settings.ingestion.chunk_overlap) == (600, 100)
    assert settings.answering.groq_model == "from-argument"  # an argument wins
    assert settings.storage.data_dir == tmp_path
    # A value derived from two groups: the runner (jobs) and REDIS_URL (storage).
    assert settings.storage.redis_url == "redis://file:6379" and settings.jobs_on_queue
    # A group read on its own reads the same variables.
    assert IngestionSettings(_env_file=env_file).chunk_size == 600
    assert Settings(_env_file=None).ingestion.chunk_size == 1000


def test_defaults_are_embedded(tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path, database_url="", groq_api_key="")
    assert settings.storage.sqlalchemy_url == f"sqlite:///{tmp_path / 'chatgepeto.sqlite3'}"
    assert settings.answering.llm_enabled is False
    assert settings.limits.max_upload_bytes == 50 * 1024 * 1024


def test_postgres_urls_use_psycopg3(tmp_path):
    for url in ("postgres://u:p@h/db", "postgresql://u:p@h/db"):
        settings = Settings(_env_file=None, data_dir=tmp_path, database_url=url)
        assert settings.storage.sqlalchemy_url == "postgresql+psycopg://u:p@h/db"


def test_admin_token_is_generated_once_and_kept(tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path, admin_token="")
    token, generated = settings.ensure_admin_token()
    assert generated and len(token) >= 32
    assert (tmp_path / "admin_token").stat().st_mode & 0o777 == 0o600
    again = Settings(_env_file=None, data_dir=tmp_path, admin_token="")
    assert again.ensure_admin_token() == (token, True)
    explicit = Settings(_env_file=None, data_dir=tmp_path, admin_token="mine")
    assert explicit.ensure_admin_token() == ("mine", False)


def test_session_secret_is_generated_once_and_kept(tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path, session_secret="")
    secret, previous = settings.ensure_session_secret()
    assert len(secret) >= 48 and previous is None
    assert (tmp_path / "session_secret").stat().st_mode & 0o777 == 0o600
    assert Settings(_env_file=None, data_dir=tmp_path).ensure_session_secret() == (secret, None)
    # No drafts left behind by the atomic write.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["session_secret"]
    explicit = Settings(
        _env_file=None,
        data_dir=tmp_path,
        session_secret="secret-now",
        session_secret_previous="secret-before",
    )
    assert explicit.ensure_session_secret() == ("secret-now", "secret-before")
    assert "secret-now" not in repr(explicit) and "secret-before" not in repr(explicit)
    (tmp_path / "session_secret").write_text("\n")
    import pytest

    with pytest.raises(ValueError, match="delete it"):
        Settings(_env_file=None, data_dir=tmp_path).ensure_session_secret()


def test_environment_variables_are_read(tmp_path, monkeypatch):
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GROQ_API_KEY", "gsk_x")
    monkeypatch.setenv("EMBEDDING_MODEL", "minilm")
    monkeypatch.setenv("MAX_UPLOAD_MB", "7")
    settings = Settings(_env_file=None)
    assert settings.storage.data_dir == tmp_path
    assert (
        settings.answering.llm_enabled
        and settings.answering.groq_api_key.get_secret_value() == "gsk_x"
    )
    assert settings.embeddings.embedding_model == "minilm"
    assert settings.limits.max_upload_bytes == 7 * 1024 * 1024
    assert "gsk_x" not in repr(settings)


def test_job_settings(tmp_path):
    import pytest
    from pydantic import ValidationError

    base = {"_env_file": None, "data_dir": tmp_path}
    settings = Settings(**base, redis_url="", job_runner="auto", job_retry_intervals="10,60,300")
    assert settings.jobs_on_queue is False and settings.jobs.retry_intervals == [10, 60, 300]
    queued = Settings(**base, redis_url="redis://r:6379/0", job_retry_intervals=" 1, 2 ")
    assert queued.jobs_on_queue is True and queued.jobs.retry_intervals == [1, 2]
    assert Settings(**base, redis_url="redis://r", job_runner="thread").jobs_on_queue is False
    assert Settings(**base, job_retry_intervals="").jobs.retry_intervals == []
    for bad in ({"job_retry_intervals": "10,soon"}, {"job_runner": "celery"}):
        with pytest.raises(ValidationError):
            Settings(**base, **bad)


def test_database_password_is_merged_into_the_url(tmp_path, monkeypatch):
    from sqlalchemy.engine import make_url

    # As on ECS: the URL is plain configuration, the password a secret of its own.
    monkeypatch.setenv("DATABASE_URL", "postgresql://app@db.internal:5432/chat?sslmode=require")
    monkeypatch.setenv("DATABASE_PASSWORD", "p@ss/w:rd %")
    settings = Settings(_env_file=None, data_dir=tmp_path)
    url = make_url(settings.storage.sqlalchemy_url)
    assert url.drivername == "postgresql+psycopg"
    assert (url.username, url.password) == ("app", "p@ss/w:rd %")
    assert (url.host, url.port) == ("db.internal", 5432)
    assert url.database == "chat" and url.query == {"sslmode": "require"}
    assert "p@ss" not in repr(settings)

    # A URL that carries its own password keeps it; an empty DATABASE_PASSWORD is no password.
    base = {"_env_file": None, "data_dir": tmp_path}
    own = Settings(**base, database_url="postgresql://u:mine@h/db", database_password="other")
    assert own.storage.sqlalchemy_url == "postgresql+psycopg://u:mine@h/db"
    unset = Settings(**base, database_url="postgresql://u@h/db", database_password="")
    assert unset.storage.database_password is None
    assert unset.storage.sqlalchemy_url == "postgresql+psycopg://u@h/db"


def test_keepalive_is_configurable(tmp_path, monkeypatch):
    import pytest
    from pydantic import ValidationError

    # Behind the ALB: 5 s longer than its idle timeout (terraform/ecs.tf).
    monkeypatch.setenv("KEEPALIVE_SECONDS", "305")
    assert Settings(_env_file=None, data_dir=tmp_path).server.keepalive_seconds == 305
    with pytest.raises(ValidationError):
        Settings(_env_file=None, data_dir=tmp_path, keepalive_seconds=0)
