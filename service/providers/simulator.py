"""The deterministic simulator: the default lead source, for demos, tests and benchmarks.

Every lead is a pure function of the search and its position in the results, so
the same query always yields the same leads, and a redelivered page yields
exactly what the first delivery did. ``simulate`` knobs add latency and faults.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import re
import struct
import unicodedata
from collections.abc import Sequence

import msgspec

from service.jobs.params import EnrichSimulation, ScrapeSimulation, SearchSpec
from service.providers import sample_data as words
from service.providers.base import (
    EnrichOutcome,
    EnrichRequest,
    EnrichTarget,
    ProviderPermanent,
    ProviderTransient,
    ScrapedLead,
    SearchPage,
    SearchRequest,
)

__all__ = ["SimulatorProvider"]

_DEFAULT_SCRAPE = ScrapeSimulation()
_DEFAULT_ENRICH = EnrichSimulation()


class _Draw:
    """Deterministic choices from a seed: the same seed always draws the same values.

    The values are the digest's eight 32-bit words in turn (then again): unpacked once,
    since the simulator draws a dozen for each of the thousands of leads a second a
    benchmark asks of it.
    """

    __slots__ = ("_at", "_digest", "_numbers")

    def __init__(self, *parts: str) -> None:
        self._digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
        self._numbers = _WORDS.unpack(self._digest)
        self._at = 0

    def number(self) -> int:
        value: int = self._numbers[self._at % 8]
        self._at += 1
        return value

    def pick(self, options: Sequence[str]) -> str:
        return options[self.number() % len(options)]

    def fraction(self) -> float:
        return self.number() / 2**32

    def hex(self, length: int) -> str:
        return self._digest.hex()[-length:]


_WORDS = struct.Struct(">8I")


class SimulatorProvider:
    page_size = 25
    batch_size = 25

    async def search(self, request: SearchRequest) -> SearchPage:
        knobs = request.simulate or _DEFAULT_SCRAPE
        await _wait(knobs.latency_ms)
        if request.attempt <= knobs.transient_failures_per_page:
            raise ProviderTransient(
                f"simulated transient failure on page {request.page} (attempt {request.attempt})"
            )
        if knobs.permanent_failure_at_page == request.page and request.run == 1:
            raise ProviderPermanent(f"simulated permanent failure on page {request.page}")
        seed = _search_seed(request.search)
        start = (request.page - 1) * request.page_size
        stop = min(start + request.page_size, knobs.total_results)
        leads = [_lead(seed, index, request.search) for index in range(start, stop)]
        return SearchPage(
            leads=leads, has_more=stop < knobs.total_results, total=knobs.total_results
        )

    async def enrich(self, request: EnrichRequest) -> Sequence[EnrichOutcome]:
        knobs = request.simulate or _DEFAULT_ENRICH
        await _wait(knobs.latency_ms)
        if request.attempt <= knobs.transient_failures_per_batch:
            raise ProviderTransient(f"simulated transient failure (attempt {request.attempt})")
        return [_enrich(target, knobs.not_found_rate) for target in request.targets]

    async def aclose(self) -> None:
        return None


async def _wait(latency_ms: int) -> None:
    if latency_ms > 0:
        await asyncio.sleep(latency_ms / 1000)


def _search_seed(search: SearchSpec) -> str:
    # Order and case of the filters do not change who matches a search.
    canonical = {
        "keywords": search.keywords.strip().lower(),
        "titles": sorted(t.lower() for t in search.titles),
        "locations": sorted(t.lower() for t in search.locations),
        "industries": sorted(t.lower() for t in search.industries),
        "company_sizes": sorted(search.company_sizes),
    }
    return hashlib.sha256(msgspec.json.encode(canonical)).hexdigest()


def _lead(seed: str, index: int, search: SearchSpec) -> ScrapedLead:
    draw = _Draw(seed, str(index))
    first, last = draw.pick(words.FIRST_NAMES), draw.pick(words.LAST_NAMES)
    company, domain = _company(draw)
    handle = f"{_slug(first)}-{_slug(last)}-{draw.hex(10)}"
    return ScrapedLead(
        provider_id=f"sim-{seed[:12]}-{index}",
        profile_url=f"https://www.linkedin.com/in/{handle}",
        full_name=f"{first} {last}",
        first_name=first,
        last_name=last,
        title=draw.pick(search.titles or words.TITLES),
        company=company,
        company_domain=domain,
        location=draw.pick(search.locations or words.LOCATIONS),
        industry=draw.pick(search.industries or words.INDUSTRIES),
        company_size=draw.pick(search.company_sizes or ("11-50", "51-200", "201-500", "1001-5000")),
    )


def _company(draw: _Draw) -> tuple[str, str]:
    name = draw.pick(words.COMPANY_STEMS) + draw.pick(words.COMPANY_TAILS)
    suffix = draw.pick(words.COMPANY_SUFFIXES)
    tld = draw.pick((".com", ".io", ".de", ".co", ".eu"))
    return (f"{name} {suffix}".strip(), f"{name.lower()}{tld}")


def _enrich(target: EnrichTarget, not_found_rate: float) -> EnrichOutcome:
    draw = _Draw("enrich", target.key)
    if draw.fraction() < not_found_rate:
        return EnrichOutcome(key=target.key, status="not_found")
    first, last = _names(target, draw)
    domain = target.company_domain or _company(draw)[1]
    return EnrichOutcome(
        key=target.key,
        status="enriched",
        email=f"{'.'.join(_slug(part) for part in (first, last) if part)}@{domain}",
        email_status=draw.pick(words.EMAIL_STATUSES),
        phone=f"{draw.pick(words.PHONE_PREFIXES)} {draw.number() % 9_000_000 + 1_000_000}",
        full_name=f"{first} {last}".strip(),
        first_name=first,
        last_name=last or None,
        company_domain=domain,
    )


def _names(target: EnrichTarget, draw: _Draw) -> tuple[str, str]:
    if target.full_name:
        first, _, last = target.full_name.strip().partition(" ")
        return first, last
    handle = (target.profile_url or "").rstrip("/").rsplit("/", 1)[-1].split("-")
    if len(handle) >= 2 and handle[0].isalpha() and handle[1].isalpha():
        return handle[0].title(), handle[1].title()
    return draw.pick(words.FIRST_NAMES), draw.pick(words.LAST_NAMES)


@functools.lru_cache(maxsize=4096)
def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "", ascii_text.lower()) or "x"
