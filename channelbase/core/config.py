"""Settings from environment variables (prefix CHANNELBASE_) and an optional .env file."""

from __future__ import annotations

import ipaddress
import secrets
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlparse

import pycountry
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConfigError(Exception):
    """Configuration that cannot work; the message is one line meant for the operator."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CHANNELBASE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Field(Path("data"), description="Folder for the SQLite file and the generated secret key.")
    database_url: str = Field("", description="SQLAlchemy URL; empty means SQLite at DATA_DIR/channelbase.db.")
    secret_key: str = Field("", description="Signs cookies; generated into DATA_DIR/secret_key when empty.")
    secret_key_file: Path | None = Field(None, description="Read the secret key from this file instead.")
    base_url: str = Field("http://127.0.0.1:8000", description="Public URL; https makes cookies Secure.")
    environment: str = Field("development", description="development or production.")
    smtp_host: str = Field("127.0.0.1", description="SMTP server host.")
    smtp_port: int = Field(25, ge=1, le=65535, description="SMTP server port.")
    smtp_user: str = Field("", description="SMTP user name (optional).")
    smtp_password: str = Field("", description="SMTP password (optional).")
    smtp_from: str = Field("channelbase@localhost", description="Sender address of e-mail.")
    smtp_starttls: bool = Field(False, description="Use STARTTLS with the SMTP server.")
    login_max_failures: int = Field(5, ge=1, description="Failed sign-ins per e-mail within the window before lock-out.")
    login_window_minutes: int = Field(15, ge=1, description="Window for counting failed sign-ins.")
    login_lockout_failures: int = Field(10, ge=1, description="Failed password sign-ins of a user since their last "
                                                              "successful one (within 24 h) that lock the account.")
    login_lockout_minutes: int = Field(60, ge=1, description="How long a locked account refuses password sign-in "
                                                             "(an e-mailed sign-in link or an admin unlocks it "
                                                             "sooner).")
    session_days: int = Field(14, ge=1, description="Days a web session lasts.")
    reporting_currency: str = Field("USD", description="ISO 4217 currency that roll-ups convert to; FX rates are "
                                                       "quoted in it.")
    stalled_days: int = Field(30, ge=1, le=365, description="An open opportunity whose stage has not changed for "
                                                            "this many days is stalled.")
    digest_weekday: int = Field(0, ge=0, le=6, description="Day the weekly digest e-mail goes out: 0 = Monday … "
                                                           "6 = Sunday.")
    digest_hour: int = Field(7, ge=0, le=23, description="Hour (UTC) from which the weekly digest is sent on that "
                                                        "day.")
    jobs_in_web: bool = Field(True, description="Run background jobs (digests) in the web process; set false when "
                                                "`channelbase worker` runs them.")
    job_poll_seconds: int = Field(30, ge=1, le=3600, description="How often the job runner looks for due jobs.")
    trusted_proxies: str = Field("127.0.0.1,::1", description="Comma-separated addresses or networks of reverse "
                                                              "proxies whose X-Forwarded-For/-Proto are believed; "
                                                              "* trusts any (only behind a private network).")
    log_format: str = Field("text", description="text (for a terminal) or json (one object per line, for a log "
                                                "collector).")
    log_level: str = Field("info", description="debug, info, warning or error.")
    metrics_token: str = Field("", description="Bearer token for /metrics; when empty, /metrics answers only "
                                               "requests made from this machine (127.0.0.1 or ::1).")

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if value and not value.startswith(("sqlite", "postgresql", "postgres")):
            raise ValueError("must start with sqlite:// or postgresql://")
        return value

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("reporting_currency")
    @classmethod
    def _iso_currency(cls, value: str) -> str:
        code = value.strip().upper()
        if len(code) != 3 or pycountry.currencies.get(alpha_3=code) is None:
            raise ValueError("must be an ISO 4217 currency code, e.g. USD")
        return code

    @field_validator("log_format")
    @classmethod
    def _known_log_format(cls, value: str) -> str:
        if value not in ("text", "json"):
            raise ValueError("must be text or json")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_log_level(cls, value: str) -> str:
        if value.lower() not in ("debug", "info", "warning", "error"):
            raise ValueError("must be debug, info, warning or error")
        return value.lower()

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_addresses(cls, value: str) -> str:
        for item in (part.strip() for part in value.split(",") if part.strip()):
            if item != "*":
                try:
                    ipaddress.ip_network(item, strict=False)
                except ValueError:
                    raise ValueError(f"{item!r} is not an IP address or network") from None
        return value

    @field_validator("environment")
    @classmethod
    def _known_environment(cls, value: str) -> str:
        if value not in ("development", "production"):
            raise ValueError("must be development or production")
        return value

    @model_validator(mode="after")
    def _resolve_defaults(self) -> "Settings":
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.data_dir / 'channelbase.db').resolve()}"
        if self.database_url.startswith("postgres://"):
            self.database_url = "postgresql://" + self.database_url[len("postgres://"):]
        if self.database_url.startswith("postgresql://"):
            self.database_url = "postgresql+psycopg://" + self.database_url[len("postgresql://"):]
        return self

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [part.strip() for part in self.trusted_proxies.split(",") if part.strip()]

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def resolved_secret_key(self) -> str:
        """The secret key: given, read from a file, or generated once and kept in the data folder."""
        if self.secret_key_file:
            try:
                return self.secret_key_file.read_text().strip()
            except OSError as exc:
                raise ConfigError(f"CHANNELBASE_SECRET_KEY_FILE: cannot read {self.secret_key_file}: {exc.strerror}")
        if self.secret_key:
            if self.environment == "production" and len(self.secret_key) < 32:
                raise ConfigError("CHANNELBASE_SECRET_KEY: use at least 32 characters in production")
            return self.secret_key
        path = self.data_dir / "secret_key"
        try:
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(secrets.token_urlsafe(48))
                path.chmod(0o600)
            return path.read_text().strip()
        except OSError as exc:
            raise ConfigError(f"CHANNELBASE_DATA_DIR: cannot keep the secret key in {path}: {exc.strerror}")


def describe_error(error: ValidationError) -> str:
    """One line naming the first bad setting and why."""
    first = error.errors()[0]
    name = "CHANNELBASE_" + str(first["loc"][0]).upper() if first["loc"] else "settings"
    return f"{name}: {first['msg']} (got {first.get('input')!r})"


@lru_cache
def get_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        raise ConfigError(describe_error(error)) from None


def documented_settings() -> dict[str, str]:
    return {f"CHANNELBASE_{name.upper()}": field.description or "" for name, field in Settings.model_fields.items()}
