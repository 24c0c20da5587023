"""Settings, read once from the environment (flags of `opencase serve` override them)."""

from __future__ import annotations

import os
from collections.abc import Callable

import msgspec

DEFAULT_DATABASE_URL = "sqlite:///opencase.db"


class Settings(msgspec.Struct, frozen=True):
    database_url: str = DEFAULT_DATABASE_URL
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    # Connections per process on PostgreSQL; requests beyond it wait for a connection.
    db_pool_size: int = 16
    # Largest request body accepted; larger ones get 413.
    max_body_bytes: int = 1_048_576
    # How long a verified key pair is trusted without asking the database again.
    # Revoking a key takes effect within this many seconds on every process.
    auth_cache_seconds: float = 5.0
    # SQLite `synchronous` pragma: FULL survives power loss, NORMAL only process crashes.
    sqlite_synchronous: str = "FULL"
    # The outbox's delivery worker runs inside `opencase serve` unless this is off (then run
    # `opencase worker`). A failed delivery is tried again after `outbox_backoff_seconds`,
    # doubling each time (with jitter), `outbox_max_attempts` tries in all, then it is dead.
    outbox_worker: bool = True
    outbox_backoff_seconds: float = 1.0
    outbox_max_attempts: int = 8
    # EMAIL recipients of notification rules go out through this SMTP server (no server: those
    # deliveries fail, and end dead, with "SMTP is not configured").
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_from: str = "opencase@localhost"
    smtp_starttls: bool = False
    # Production mode (opencase.ops). Rate limits per organisation and operation family:
    # "" = the defaults on PostgreSQL and none on SQLite, "on", "off", or "write=300/60,...";
    # counters live in Redis when a URL is given, else in PostgreSQL (SQLite: in the process).
    rate_limits: str = ""
    redis_url: str = ""
    metrics: bool = True  # serve Prometheus metrics at /metrics
    access_log: bool = True  # one JSON line per request on standard error
    log_format: str = "json"  # json or text
    # SIGTERM: stop accepting, let requests in flight finish for at most this long, then exit.
    shutdown_timeout_seconds: int = 30
    # Request heads larger than this get 431 (uvicorn itself refuses heads over 64 KiB).
    max_header_bytes: int = 16_384
    # A database statement running longer than this is cancelled; the request gets 503.
    db_statement_timeout_ms: int = 30_000
    # Web UI (opencase.ui). A session lasts this long from sign-in. The cookie is `Secure`
    # when the request came over HTTPS, or always with "on" ("off": never).
    session_hours: float = 12.0
    cookie_secure: str = "auto"
    # Insight refs that are paths (`/monitors/12345`) link to this host on the case page.
    insight_base_url: str = "https://app.datadoghq.com"

    @property
    def engine(self) -> str:
        return (
            "postgresql"
            if self.database_url.startswith(("postgres://", "postgresql"))
            else "sqlite"
        )


def boolean(raw: str) -> bool:
    """1/true/yes/on or 0/false/no/off."""
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ValueError(raw)


_ENV: dict[str, tuple[str, Callable[[str], object]]] = {
    "database_url": ("OPENCASE_DATABASE_URL", str),
    "host": ("OPENCASE_HOST", str),
    "port": ("OPENCASE_PORT", int),
    "workers": ("OPENCASE_WORKERS", int),
    "db_pool_size": ("OPENCASE_DB_POOL_SIZE", int),
    "max_body_bytes": ("OPENCASE_MAX_BODY_BYTES", int),
    "auth_cache_seconds": ("OPENCASE_AUTH_CACHE_SECONDS", float),
    "sqlite_synchronous": ("OPENCASE_SQLITE_SYNCHRONOUS", str),
    "outbox_worker": ("OPENCASE_OUTBOX_WORKER", boolean),
    "outbox_backoff_seconds": ("OPENCASE_OUTBOX_BACKOFF_SECONDS", float),
    "outbox_max_attempts": ("OPENCASE_OUTBOX_MAX_ATTEMPTS", int),
    "smtp_host": ("OPENCASE_SMTP_HOST", str),
    "smtp_port": ("OPENCASE_SMTP_PORT", int),
    "smtp_username": ("OPENCASE_SMTP_USERNAME", str),
    "smtp_password": ("OPENCASE_SMTP_PASSWORD", str),
    "smtp_from": ("OPENCASE_SMTP_FROM", str),
    "smtp_starttls": ("OPENCASE_SMTP_STARTTLS", boolean),
    "rate_limits": ("OPENCASE_RATE_LIMITS", str),
    "redis_url": ("OPENCASE_REDIS_URL", str),
    "metrics": ("OPENCASE_METRICS", boolean),
    "access_log": ("OPENCASE_ACCESS_LOG", boolean),
    "log_format": ("OPENCASE_LOG_FORMAT", str),
    "shutdown_timeout_seconds": ("OPENCASE_SHUTDOWN_TIMEOUT_SECONDS", int),
    "max_header_bytes": ("OPENCASE_MAX_HEADER_BYTES", int),
    "db_statement_timeout_ms": ("OPENCASE_DB_STATEMENT_TIMEOUT_MS", int),
    "session_hours": ("OPENCASE_SESSION_HOURS", float),
    "cookie_secure": ("OPENCASE_COOKIE_SECURE", str),
    "insight_base_url": ("OPENCASE_INSIGHT_BASE_URL", str),
}


class ConfigError(Exception):
    """A setting has a value opencase cannot use."""


def load_settings(**overrides: object) -> Settings:
    """Settings from OPENCASE_* variables, then the given overrides (None means unset)."""
    values: dict[str, object] = {}
    for field, (var, conv) in _ENV.items():
        raw = os.environ.get(var)
        if raw is not None and raw != "":
            try:
                values[field] = conv(raw)
            except ValueError as exc:
                raise ConfigError(f"{var}={raw!r} is not a valid {conv.__name__}") from exc
    values.update({k: v for k, v in overrides.items() if v is not None})
    settings = Settings(**values)  # type: ignore[arg-type]
    if settings.sqlite_synchronous.upper() not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
        raise ConfigError("OPENCASE_SQLITE_SYNCHRONOUS must be OFF, NORMAL, FULL or EXTRA")
    if not settings.database_url.startswith(("sqlite:///", "postgres://", "postgresql://")):
        raise ConfigError(
            "OPENCASE_DATABASE_URL must be sqlite:///PATH or postgresql://USER@HOST:PORT/DB"
        )
    if settings.log_format not in {"json", "text"}:
        raise ConfigError("OPENCASE_LOG_FORMAT must be json or text")
    if settings.cookie_secure not in {"auto", "on", "off"}:
        raise ConfigError("OPENCASE_COOKIE_SECURE must be auto, on or off")
    if not settings.session_hours > 0:
        raise ConfigError("OPENCASE_SESSION_HOURS must be a positive number of hours")
    if settings.redis_url and not settings.redis_url.startswith(
        ("redis://", "rediss://", "unix://")
    ):
        raise ConfigError("OPENCASE_REDIS_URL must be redis://HOST:PORT/DB")
    from opencase.ops.ratelimit import parse_limits  # the one place that reads the format

    try:
        parse_limits(settings.rate_limits, settings.engine)
    except ValueError as exc:
        raise ConfigError(f"OPENCASE_RATE_LIMITS: {exc}") from None
    return settings


def sqlite_path(url: str) -> str:
    """The file path of a sqlite:/// URL (sqlite:////abs/path or sqlite:///rel/path)."""
    return url.removeprefix("sqlite:///")
