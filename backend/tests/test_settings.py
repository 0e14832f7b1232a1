from chatgepeto.settings import Settings


def test_defaults_are_embedded(tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path, database_url="", groq_api_key="")
    assert settings.sqlalchemy_url == f"sqlite:///{tmp_path / 'chatgepeto.sqlite3'}"
    assert settings.llm_enabled is False
    assert settings.max_upload_bytes == 50 * 1024 * 1024


def test_postgres_urls_use_psycopg3(tmp_path):
    for url in ("postgres://u:p@h/db", "postgresql://u:p@h/db"):
        settings = Settings(_env_file=None, data_dir=tmp_path, database_url=url)
        assert settings.sqlalchemy_url == "postgresql+psycopg://u:p@h/db"


def test_admin_token_is_generated_once_and_kept(tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path, admin_token="")
    token, generated = settings.ensure_admin_token()
    assert generated and len(token) >= 32
    assert (tmp_path / "admin_token").stat().st_mode & 0o777 == 0o600
    again = Settings(_env_file=None, data_dir=tmp_path, admin_token="")
    assert again.ensure_admin_token() == (token, True)
    explicit = Settings(_env_file=None, data_dir=tmp_path, admin_token="mine")
    assert explicit.ensure_admin_token() == ("mine", False)


def test_environment_variables_are_read(tmp_path, monkeypatch):
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GROQ_API_KEY", "gsk_x")
    monkeypatch.setenv("EMBEDDING_MODEL", "minilm")
    monkeypatch.setenv("MAX_UPLOAD_MB", "7")
    settings = Settings(_env_file=None)
    assert settings.data_dir == tmp_path
    assert settings.llm_enabled and settings.groq_api_key.get_secret_value() == "gsk_x"
    assert settings.embedding_model == "minilm"
    assert settings.max_upload_bytes == 7 * 1024 * 1024
    assert "gsk_x" not in repr(settings)


def test_job_settings(tmp_path):
    import pytest
    from pydantic import ValidationError

    base = {"_env_file": None, "data_dir": tmp_path}
    settings = Settings(**base, redis_url="", job_runner="auto", job_retry_intervals="10,60,300")
    assert settings.jobs_on_queue is False and settings.retry_intervals == [10, 60, 300]
    queued = Settings(**base, redis_url="redis://r:6379/0", job_retry_intervals=" 1, 2 ")
    assert queued.jobs_on_queue is True and queued.retry_intervals == [1, 2]
    assert Settings(**base, redis_url="redis://r", job_runner="thread").jobs_on_queue is False
    assert Settings(**base, job_retry_intervals="").retry_intervals == []
    for bad in ({"job_retry_intervals": "10,soon"}, {"job_runner": "celery"}):
        with pytest.raises(ValidationError):
            Settings(**base, **bad)
