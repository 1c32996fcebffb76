"""A client of the leadjobs HTTP API, as the CLI's ``submit``, ``watch`` and ``results`` use it."""

from service.client.api import ApiClient, ApiError

__all__ = ["ApiClient", "ApiError"]
