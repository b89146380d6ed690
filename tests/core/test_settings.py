"""Settings: environment variables, database URLs, production refuses development secrets."""

import pytest
from pydantic import ValidationError

from jitasa.core.config import Settings


def test_default_is_sqlite_in_the_data_directory(tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path)
    assert settings.sqlalchemy_url == f"sqlite+aiosqlite:///{tmp_path.resolve()}/jitasa.db"
    assert settings.is_sqlite


def test_postgresql_url_gets_the_async_driver(tmp_path):
    settings = Settings(_env_file=None, database_url="postgresql://postgres@127.0.0.1:5432/test")
    assert settings.sqlalchemy_url == "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    assert not settings.is_sqlite


def test_settings_come_from_jitasa_environment_variables(monkeypatch):
    monkeypatch.setenv("JITASA_PORT", "9000")
    monkeypatch.setenv("JITASA_TILE_URL", "https://tiles.example/{z}/{x}/{y}.png")
    settings = Settings(_env_file=None)
    assert settings.port == 9000
    assert settings.tile_url == "https://tiles.example/{z}/{x}/{y}.png"


def test_production_refuses_the_development_secret():
    with pytest.raises(ValidationError, match="JITASA_SECRET_KEY"):
        Settings(_env_file=None, environment="production")
    with pytest.raises(ValidationError, match="JITASA_NATIONAL_ID_KEY"):
        Settings(_env_file=None, environment="production", secret_key="s3cret-xyz")
    assert Settings(
        _env_file=None,
        environment="production",
        secret_key="s3cret-xyz",
        national_id_key="another-s3cret",
    ).secret_key
