"""Settings are validated once at start-up; a bad value stops with one line naming it."""

from __future__ import annotations

import os

import pytest

from service.settings import Settings, SettingsError
from tests.support.processes import run_cli


def test_defaults_match_the_spec() -> None:
    settings = Settings.from_env({})

    assert settings.database_url == "postgresql://postgres@127.0.0.1:5432/leadjobs"
    assert settings.broker_url == "amqp://guest:guest@127.0.0.1:5672/%2F"
    assert settings.provider == "simulator"
    assert settings.queue_prefix == "leadjobs"
    assert (settings.max_retries, settings.retry_backoff_ms, settings.retry_backoff_max_ms) == (
        5,
        1000,
        60_000,
    )
    assert settings.retention_days == 30
    assert settings.webhook_allow_private is False


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "nonsense"),
        ("DATABASE_URL", "mysql://db/leadjobs"),
        ("DATABASE_URL", "postgresql://127.0.0.1:5432"),
        ("DATABASE_URL", "postgresql://127.0.0.1:notaport/x"),
        ("BROKER_URL", "http://rabbit"),
        ("LEADJOBS_PROVIDER", "magic"),
        ("LEADJOBS_PROVIDER_URL", "ftp://leads"),
        ("LEADJOBS_QUEUE_PREFIX", "has space"),
        ("LEADJOBS_MAX_RETRIES", "-1"),
        ("LEADJOBS_MAX_RETRIES", "five"),
        ("LEADJOBS_STALL_SECONDS", "1"),
        ("LEADJOBS_RETENTION_DAYS", "0"),
        ("LEADJOBS_WEBHOOK_ALLOW_PRIVATE", "maybe"),
        ("LEADJOBS_LOG_FORMAT", "xml"),
        ("LEADJOBS_RETRY_BACKOFF_MAX_MS", "10"),
    ],
)
def test_a_malformed_value_names_its_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError) as error:
        Settings.from_env({variable: value})

    assert error.value.variable == variable
    assert str(error.value).startswith(f"{variable}: ")


def test_the_http_provider_needs_its_url_and_key() -> None:
    with pytest.raises(SettingsError, match="LEADJOBS_PROVIDER_URL"):
        Settings.from_env({"LEADJOBS_PROVIDER": "http"})
    with pytest.raises(SettingsError, match="LEADJOBS_PROVIDER_KEY"):
        Settings.from_env({"LEADJOBS_PROVIDER": "http", "LEADJOBS_PROVIDER_URL": "https://x.io"})

    settings = Settings.from_env(
        {
            "LEADJOBS_PROVIDER": "http",
            "LEADJOBS_PROVIDER_URL": "https://x.io",
            "LEADJOBS_PROVIDER_KEY": "k",
        }
    )
    assert settings.provider == "http"


@pytest.mark.parametrize("command", [["api"], ["worker"], ["migrate"], ["keys", "list"]])
def test_processes_refuse_to_start_with_a_bad_database_url(command: list[str]) -> None:
    env = {**os.environ, "DATABASE_URL": "nonsense"}

    result = run_cli(*command, env=env, check=False)

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "leadjobs: DATABASE_URL: must be a postgresql/postgres:// URL with a host"
    ]
    assert "Traceback" not in result.stdout + result.stderr
