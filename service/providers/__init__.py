"""Lead sources behind one protocol (``base.LeadProvider``): the simulator and an HTTP API."""

from __future__ import annotations

from service.providers.base import LeadProvider
from service.settings import Settings

__all__ = ["LeadProvider", "build_provider"]


def build_provider(settings: Settings) -> LeadProvider:
    if settings.provider == "http":
        from service.providers.remote import HttpProvider

        assert settings.provider_url is not None
        assert settings.provider_key is not None
        return HttpProvider(
            base_url=settings.provider_url,
            api_key=settings.provider_key,
            timeout_s=settings.provider_timeout_s,
        )
    from service.providers.simulator import SimulatorProvider

    return SimulatorProvider()
