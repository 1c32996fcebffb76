"""A lead's identity within one API key: what dedup is keyed on."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar
from urllib.parse import urlsplit

__all__ = ["first_per_key", "lead_key", "normalize_profile_url"]

_T = TypeVar("_T")


def normalize_profile_url(url: str) -> str:
    """``HTTPS://www.LinkedIn.com/in/Ana/?utm=x`` and ``linkedin.com/in/ana`` are one profile."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        # Not splittable (an unclosed IPv6 bracket, say): the text itself is the identity.
        return url.strip().lower()
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path.rstrip("/").lower()
    return f"{host}{path}"


def lead_key(
    *,
    profile_url: str | None,
    provider_id: str | None = None,
    full_name: str | None = None,
    company: str | None = None,
    company_domain: str | None = None,
) -> str:
    """Profile URL first (it is what enrich inputs share with scraped leads), then the
    provider's own id, then name at company for leads known only by name."""
    if profile_url:
        return "url:" + normalize_profile_url(profile_url)
    if provider_id:
        return "id:" + provider_id
    where = (company_domain or "").lower() or " ".join((company or "").casefold().split())
    return "name:" + " ".join((full_name or "").casefold().split()) + "@" + where


def first_per_key(items: Iterable[_T], key: Callable[[_T], str]) -> list[_T]:
    """Items in order with later duplicates dropped: one upsert may not touch a row twice."""
    seen: dict[str, _T] = {}
    for item in items:
        seen.setdefault(key(item), item)
    return list(seen.values())
