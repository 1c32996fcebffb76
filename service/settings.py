"""Settings, read from the environment once at start-up.

Every value is validated here, so a bad deployment stops with one line that
names the variable instead of failing later, deep inside a request or a message.
Nothing else in the service reads ``os.environ``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar, get_args
from urllib.parse import urlsplit

__all__ = ["Settings", "SettingsError"]

ProviderName = Literal["simulator", "http"]
LogFormat = Literal["json", "console"]

_T = TypeVar("_T")
_QUEUE_PREFIX = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,100}$")


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the variable."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str
    db_pool_size: int
    broker_url: str
    provider: ProviderName
    provider_url: str | None
    provider_key: str | None
    provider_timeout_s: float
    queue_prefix: str
    max_retries: int
    retry_backoff_ms: int
    retry_backoff_max_ms: int
    stall_seconds: int
    retention_days: int
    webhook_allow_private: bool
    webhook_max_attempts: int
    webhook_backoff_ms: int
    webhook_timeout_s: int
    log_format: LogFormat
    worker_metrics_host: str
    worker_metrics_port: int  # 0: no metrics server

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        read = _Reader(env)
        provider: ProviderName = read.choice(
            "LEADJOBS_PROVIDER", get_args(ProviderName), "simulator"
        )
        provider_url = read.url("LEADJOBS_PROVIDER_URL", ("http", "https"), required=False)
        provider_key = read.text("LEADJOBS_PROVIDER_KEY", required=False)
        if provider == "http":
            if provider_url is None:
                raise SettingsError("LEADJOBS_PROVIDER_URL", "required when LEADJOBS_PROVIDER=http")
            if provider_key is None:
                raise SettingsError("LEADJOBS_PROVIDER_KEY", "required when LEADJOBS_PROVIDER=http")
        backoff = read.integer("LEADJOBS_RETRY_BACKOFF_MS", 1000, low=1, high=60_000)
        return cls(
            database_url=read.url(
                "DATABASE_URL",
                ("postgresql", "postgres"),
                default="postgresql://postgres@127.0.0.1:5432/leadjobs",
                needs_path=True,
            )
            or "",
            db_pool_size=read.integer("LEADJOBS_DB_POOL_SIZE", 10, low=1, high=200),
            broker_url=read.url(
                "BROKER_URL", ("amqp", "amqps"), default="amqp://guest:guest@127.0.0.1:5672/%2F"
            )
            or "",
            provider=provider,
            provider_url=provider_url,
            provider_key=provider_key,
            provider_timeout_s=read.integer("LEADJOBS_PROVIDER_TIMEOUT_S", 30, low=1, high=300),
            queue_prefix=read.pattern("LEADJOBS_QUEUE_PREFIX", _QUEUE_PREFIX, "leadjobs"),
            max_retries=read.integer("LEADJOBS_MAX_RETRIES", 5, low=0, high=20),
            retry_backoff_ms=backoff,
            # Delayed messages wait unacked in a worker; RabbitMQ drops a channel
            # that holds one past its 30-minute consumer timeout, so cap well below.
            retry_backoff_max_ms=read.integer(
                "LEADJOBS_RETRY_BACKOFF_MAX_MS", 60_000, low=backoff, high=300_000
            ),
            stall_seconds=read.integer("LEADJOBS_STALL_SECONDS", 300, low=5, high=86_400),
            retention_days=read.integer("LEADJOBS_RETENTION_DAYS", 30, low=1, high=3650),
            webhook_allow_private=read.boolean("LEADJOBS_WEBHOOK_ALLOW_PRIVATE", False),
            webhook_max_attempts=read.integer("LEADJOBS_WEBHOOK_MAX_ATTEMPTS", 8, low=1, high=20),
            webhook_backoff_ms=read.integer(
                "LEADJOBS_WEBHOOK_BACKOFF_MS", 5000, low=1, high=60_000
            ),
            webhook_timeout_s=read.integer("LEADJOBS_WEBHOOK_TIMEOUT_S", 10, low=1, high=60),
            log_format=read.choice("LEADJOBS_LOG_FORMAT", get_args(LogFormat), "json"),
            worker_metrics_host=read.text("LEADJOBS_WORKER_METRICS_HOST", required=False)
            or "127.0.0.1",
            worker_metrics_port=read.integer(
                "LEADJOBS_WORKER_METRICS_PORT", 9191, low=0, high=65535
            ),
        )


class _Reader:
    """Parses one kind of value each; raises SettingsError naming the variable."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env

    def _raw(self, name: str) -> str | None:
        value = self._env.get(name)
        if value is None or value.strip() == "":
            return None
        return value.strip()

    def text(self, name: str, *, required: bool) -> str | None:
        value = self._raw(name)
        if value is None and required:
            raise SettingsError(name, "is required")
        return value

    def integer(self, name: str, default: int, *, low: int, high: int) -> int:
        return self._parsed(name, default, _as_int(low, high))

    def boolean(self, name: str, default: bool) -> bool:
        return self._parsed(name, default, _as_bool)

    def choice(self, name: str, options: Sequence[_T], default: _T) -> _T:
        value = self._raw(name)
        if value is None:
            return default
        for option in options:
            if value == option:
                return option
        raise SettingsError(name, f"must be one of {', '.join(map(str, options))}, not {value!r}")

    def pattern(self, name: str, pattern: re.Pattern[str], default: str) -> str:
        value = self._raw(name) or default
        if not pattern.match(value):
            raise SettingsError(name, f"must match {pattern.pattern}, not {value!r}")
        return value

    def url(
        self,
        name: str,
        schemes: tuple[str, ...],
        *,
        default: str | None = None,
        required: bool = True,
        needs_path: bool = False,
    ) -> str | None:
        value = self._raw(name) or default
        if value is None:
            if required:
                raise SettingsError(name, "is required")
            return None
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises ValueError on a malformed port
        except ValueError as exc:
            raise SettingsError(name, f"is not a valid URL ({exc})") from None
        if parts.scheme not in schemes or not parts.hostname:
            raise SettingsError(name, f"must be a {'/'.join(schemes)}:// URL with a host")
        if needs_path and parts.path.strip("/") == "":
            raise SettingsError(name, "must name a database, e.g. .../leadjobs")
        return value

    def _parsed(self, name: str, default: _T, parse: Callable[[str], _T]) -> _T:
        value = self._raw(name)
        if value is None:
            return default
        try:
            return parse(value)
        except ValueError as exc:
            raise SettingsError(name, str(exc)) from None


def _as_int(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise ValueError(f"must be a whole number, not {value!r}") from None
        if not low <= number <= high:
            raise ValueError(f"must be between {low} and {high}, not {number}")
        return number

    return parse


def _as_bool(value: str) -> bool:
    lowered = value.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"must be true or false, not {value!r}")
