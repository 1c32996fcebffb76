"""The real lead provider: a small JSON API over HTTP (contract in ``docs/providers.md``).

How a call's failure maps onto the provider error tree:

    httpx.TransportError (timeout, connect, read…)  ──▶ ProviderTransient
    overall deadline (``timeout_s``) passed          ──▶ ProviderTransient
    HTTP 429 (``Retry-After`` → ``retry_after_s``)   ──▶ ProviderTransient
    HTTP 5xx                                         ──▶ ProviderTransient
    2xx with a body that does not fit the contract   ──▶ ProviderTransient ("malformed …")
    HTTP 401 / 403                                   ──▶ ProviderPermanent (credentials)
    any other non-2xx (4xx, stray 3xx)               ──▶ ProviderPermanent (+ body snippet)

Messages reach the job's owner, so they name the provider's status, never its
host, and the API key is scrubbed from anything the provider sends back.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Annotated, Any, Literal, NoReturn, TypeVar

import httpx
import msgspec
from msgspec import Meta

from service.providers.base import (
    EnrichOutcome,
    EnrichRequest,
    EnrichTarget,
    ProviderError,
    ProviderPermanent,
    ProviderTransient,
    ScrapedLead,
    SearchPage,
    SearchRequest,
)

__all__ = ["HttpProvider"]

_PAGE_SIZE = 25
_BATCH_SIZE = 25
# A page or batch of 25 leads is a few kilobytes; anything near this is a broken
# or hostile upstream, and reading it whole would cost a worker its memory.
_MAX_BODY_BYTES = 4 * 1024 * 1024
_SNIPPET_CHARS = 200
# Error bodies only feed a snippet; 16 KiB leaves room for whitespace and markup.
_MAX_ERROR_BYTES = 16 * 1024
# Beyond a day a Retry-After is no hint the runner can act on (its backoff is
# capped far lower); clamping also keeps absurd digit strings from overflowing.
_MAX_RETRY_AFTER_S = 86_400.0
_DIGITS = re.compile(r"[0-9]+", re.ASCII)

_T = TypeVar("_T")
NonEmpty = Annotated[str, Meta(min_length=1)]


# --- wire format: what the provider sends and receives ---------------------------------


class _WireLead(msgspec.Struct, frozen=True, rename={"provider_id": "id"}):
    provider_id: NonEmpty
    profile_url: str | None = None
    full_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    title: str | None = None
    company: str | None = None
    company_domain: str | None = None
    location: str | None = None
    industry: str | None = None
    company_size: str | None = None


class _SearchResponse(msgspec.Struct, frozen=True):
    results: list[_WireLead]
    has_more: bool
    total: Annotated[int, Meta(ge=0)] | None = None


class _EnrichLead(msgspec.Struct, frozen=True):
    key: str
    profile_url: str | None
    full_name: str | None
    company: str | None
    company_domain: str | None


class _EnrichBody(msgspec.Struct, frozen=True):
    leads: list[_EnrichLead]


class _WireOutcome(msgspec.Struct, frozen=True):
    key: NonEmpty
    status: Literal["enriched", "not_found", "failed"]
    error: str | None = None
    email: str | None = None
    email_status: str | None = None
    phone: str | None = None
    full_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    title: str | None = None
    company: str | None = None
    company_domain: str | None = None
    location: str | None = None
    industry: str | None = None
    company_size: str | None = None


class _EnrichResponse(msgspec.Struct, frozen=True):
    results: list[_WireOutcome]


_SEARCH_DECODER = msgspec.json.Decoder(_SearchResponse)
_ENRICH_DECODER = msgspec.json.Decoder(_EnrichResponse)
_ENCODER = msgspec.json.Encoder()


# --- the provider ------------------------------------------------------------------------


class HttpProvider:
    """``LeadProvider`` over one pooled ``httpx.AsyncClient``; ``simulate`` is ignored."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        timeout_s: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._api_key = api_key
        self._timeout_s = timeout_s
        self._client = httpx.AsyncClient(
            base_url=base_url,
            headers={
                "Authorization": f"Bearer {api_key}",
                "Accept": "application/json",
                "User-Agent": "leadjobs",
            },
            timeout=timeout_s,
            transport=transport,
            # Settings are the only reader of the environment; proxies or netrc
            # credentials picked up behind its back would be invisible config.
            trust_env=False,
        )

    @property
    def page_size(self) -> int:
        return _PAGE_SIZE

    @property
    def batch_size(self) -> int:
        return _BATCH_SIZE

    async def search(self, request: SearchRequest) -> SearchPage:
        outgoing = self._client.build_request("GET", "/v1/search", params=_search_params(request))
        body = await self._exchange(outgoing, "search")
        wire = _decode(_SEARCH_DECODER, body, "search")
        return SearchPage(
            leads=[ScrapedLead(**_fields(lead)) for lead in wire.results],
            has_more=wire.has_more,
            total=wire.total,
        )

    async def enrich(self, request: EnrichRequest) -> Sequence[EnrichOutcome]:
        if not request.targets:
            return []
        payload = _EnrichBody(leads=[_enrich_lead(target) for target in request.targets])
        outgoing = self._client.build_request(
            "POST",
            "/v1/enrich",
            content=_ENCODER.encode(payload),
            headers={"Content-Type": "application/json"},
        )
        body = await self._exchange(outgoing, "enrich")
        wire = _decode(_ENRICH_DECODER, body, "enrich")
        return _match_outcomes(request.targets, wire.results)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _exchange(self, outgoing: httpx.Request, what: str) -> bytes:
        """Send one request and return a 2xx body, or raise the mapped provider error."""
        try:
            # httpx's timeout bounds each phase; this bounds the whole call, so a
            # provider that trickles bytes cannot hold a worker indefinitely.
            async with asyncio.timeout(self._timeout_s):
                response = await self._client.send(outgoing, stream=True)
                try:
                    return await self._read(response, what)
                finally:
                    await response.aclose()
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise ProviderTransient(
                f"lead provider {what} timed out after {self._timeout_s:g} s"
            ) from exc
        except httpx.TransportError as exc:
            raise ProviderTransient(
                f"lead provider {what} failed: network error ({type(exc).__name__})"
            ) from exc
        except httpx.DecodingError as exc:
            raise ProviderTransient(
                f"malformed {what} response: undecodable content encoding"
            ) from exc

    async def _read(self, response: httpx.Response, what: str) -> bytes:
        if response.is_success:
            return await _read_capped(response, what)
        raise _status_error(response, what, _snippet(await self._error_text(response)))

    async def _error_text(self, response: httpx.Response) -> str:
        """The start of an error body with our API key scrubbed out.

        Some gateways echo request headers in error pages. Scrubbing happens before
        any clipping, and a body cut short loses a key's length from its end, so no
        fragment of the key can slip past.
        """
        body, truncated = await _read_prefix(response)
        text = body.decode("utf-8", errors="replace")
        if not self._api_key:
            return text
        if truncated:
            text = text[: -len(self._api_key)]
        return text.replace(self._api_key, "***")


# --- helpers -----------------------------------------------------------------------------


def _search_params(request: SearchRequest) -> httpx.QueryParams:
    spec = request.search
    # Lists go out as repeated parameters (``titles=a&titles=b``); empty ones are left out.
    params: dict[str, str | int | Sequence[str]] = {
        "keywords": spec.keywords,
        "titles": spec.titles,
        "locations": spec.locations,
        "industries": spec.industries,
        "company_sizes": spec.company_sizes,
        "page": request.page,
        "page_size": request.page_size,
    }
    return httpx.QueryParams(params)


def _enrich_lead(target: EnrichTarget) -> _EnrichLead:
    return _EnrichLead(
        key=target.key,
        profile_url=target.profile_url,
        full_name=target.full_name,
        company=target.company,
        company_domain=target.company_domain,
    )


def _fields(struct: msgspec.Struct) -> dict[str, Any]:
    # The wire structs carry exactly the domain structs' field names (the lead's
    # ``id`` is renamed on the wire only), so a dict hop is the whole mapping.
    return msgspec.structs.asdict(struct)


def _decode(decoder: msgspec.json.Decoder[_T], body: bytes, what: str) -> _T:
    try:
        return decoder.decode(body)
    except msgspec.DecodeError as exc:  # ValidationError is a subclass
        raise ProviderTransient(f"malformed {what} response: {exc}") from exc


def _match_outcomes(
    targets: Sequence[EnrichTarget], outcomes: Sequence[_WireOutcome]
) -> list[EnrichOutcome]:
    """Return one outcome per target, in request order, or reject the whole batch."""
    by_key: dict[str, _WireOutcome] = {}
    for outcome in outcomes:
        if outcome.key in by_key:
            _malformed_enrich(f"key {_clip(outcome.key)!r} appears more than once")
        by_key[outcome.key] = outcome
    wanted = {target.key for target in targets}
    for key in by_key:
        if key not in wanted:
            _malformed_enrich(f"unknown key {_clip(key)!r}")
    for target in targets:
        if target.key not in by_key:
            _malformed_enrich(f"no result for key {_clip(target.key)!r}")
    return [EnrichOutcome(**_fields(by_key[target.key])) for target in targets]


def _malformed_enrich(problem: str) -> NoReturn:
    raise ProviderTransient(f"malformed enrich response: {problem}")


def _status_error(response: httpx.Response, what: str, snippet: str) -> ProviderError:
    status = response.status_code
    if status == 429:
        return ProviderTransient(
            f"lead provider {what} rate-limited (HTTP 429)",
            retry_after_s=_retry_after(response.headers.get("Retry-After")),
        )
    if status >= 500:
        # RFC 9110 lets a 503 carry Retry-After too; honouring it costs nothing.
        return ProviderTransient(
            f"lead provider {what} failed (HTTP {status})",
            retry_after_s=_retry_after(response.headers.get("Retry-After")),
        )
    if status in (401, 403):
        return ProviderPermanent(f"lead provider rejected the credentials (HTTP {status})")
    detail = f": {snippet}" if snippet else ""
    return ProviderPermanent(f"lead provider {what} refused the request (HTTP {status}){detail}")


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or HTTP-date), or None."""
    if value is None:
        return None
    value = value.strip()
    if _DIGITS.fullmatch(value):
        return min(float(value), _MAX_RETRY_AFTER_S)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # a "-0000" zone: RFC 5322 means UTC of unknown origin
        when = when.replace(tzinfo=UTC)
    seconds = (when - datetime.now(UTC)).total_seconds()
    return min(max(seconds, 0.0), _MAX_RETRY_AFTER_S)


async def _read_capped(response: httpx.Response, what: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > _MAX_BODY_BYTES:
            raise ProviderTransient(
                f"malformed {what} response: body larger than {_MAX_BODY_BYTES} bytes"
            )
        chunks.append(chunk)
    return b"".join(chunks)


async def _read_prefix(response: httpx.Response) -> tuple[bytes, bool]:
    """The first ``_MAX_ERROR_BYTES`` of the body, and whether more was left unread."""
    prefix = b""
    async for chunk in response.aiter_bytes():
        prefix += chunk
        if len(prefix) > _MAX_ERROR_BYTES:
            return prefix[:_MAX_ERROR_BYTES], True
    return prefix, False


def _snippet(text: str) -> str:
    return _clip(" ".join(text.split()), _SNIPPET_CHARS)


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
