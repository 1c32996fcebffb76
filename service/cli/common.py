"""What every subcommand shares: settings loading and one-line errors."""

from __future__ import annotations

import os

from service.settings import Settings, SettingsError

__all__ = ["CliError", "load_settings"]


class CliError(Exception):
    """Printed as one line, ``leadjobs: <message>``, with a non-zero exit code."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def load_settings() -> Settings:
    try:
        return Settings.from_env(os.environ)
    except SettingsError as exc:
        raise CliError(str(exc), exit_code=2) from None
