import re
import subprocess
import sys
from pathlib import Path

import pytest

from channelbase.core.config import ConfigError, Settings, documented_settings

ROOT = Path(__file__).resolve().parents[2]


def test_default_database_is_a_sqlite_file_in_the_data_folder(tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'channelbase.db'}"


def test_postgres_urls_use_the_psycopg_driver():
    settings = Settings(_env_file=None, database_url="postgres://u@h/db")
    assert settings.database_url == "postgresql+psycopg://u@h/db"


def test_it_generates_a_secret_key_once_and_keeps_it(tmp_path):
    first = Settings(_env_file=None, data_dir=tmp_path).resolved_secret_key()
    second = Settings(_env_file=None, data_dir=tmp_path).resolved_secret_key()
    assert first == second and len(first) >= 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_it_refuses_a_short_secret_in_production():
    with pytest.raises(ConfigError, match="32 characters"):
        Settings(_env_file=None, environment="production", secret_key="short").resolved_secret_key()


def test_https_base_url_makes_cookies_secure():
    assert Settings(_env_file=None, base_url="https://prm.example.com").secure_cookies
    assert not Settings(_env_file=None).secure_cookies


@pytest.mark.parametrize("name, value", [
    ("CHANNELBASE_DATABASE_URL", "mysql://nope"),
    ("CHANNELBASE_BASE_URL", "not-a-url"),
    ("CHANNELBASE_SMTP_PORT", "seventy"),
    ("CHANNELBASE_TRUSTED_PROXIES", "proxy.example.com"),
    ("CHANNELBASE_LOG_FORMAT", "xml"),
    ("CHANNELBASE_LOG_LEVEL", "loud"),
])
def test_bad_configuration_fails_at_start_with_one_clear_line(tmp_path, name, value):
    env = {"PATH": "/usr/bin:/bin", "CHANNELBASE_DATA_DIR": str(tmp_path), name: value}
    result = subprocess.run([sys.executable, "-m", "channelbase", "db", "current"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"channelbase: configuration error: {name}")
    assert "Traceback" not in result.stderr


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    missing = [name for name in documented_settings() if name not in readme]
    assert not missing, f"document these settings in README.md: {missing}"


def test_every_setting_has_a_description():
    assert all(re.search(r"\w", text) for text in documented_settings().values())


@pytest.mark.parametrize("database_url, command, expected", [
    ("postgresql://postgres@127.0.0.1:1/nowhere", ["partners", "list"],
     "channelbase: the database could not be used: connection failed"),
    (None, ["db", "upgrade", "9999"], "channelbase: Can't locate revision identified by '9999'"),
])
def test_an_unusable_database_or_revision_is_one_clear_line(tmp_path, database_url, command, expected):
    env = {"PATH": "/usr/bin:/bin", "CHANNELBASE_DATA_DIR": str(tmp_path)}
    if database_url:
        env["CHANNELBASE_DATABASE_URL"] = database_url
    result = subprocess.run([sys.executable, "-m", "channelbase", *command], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected), result.stderr
    assert "Traceback" not in result.stderr
