"""HttpProvider against a real HTTP server on loopback: the wire contract and the error mapping."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from service.jobs.params import ScrapeSimulation, SearchSpec
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
from service.providers.remote import HttpProvider

API_KEY = "lk_live_9f3a7c1e5b2d4f60"


# --- a scriptable provider on 127.0.0.1 -------------------------------------------------


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # before the status line: forces a read timeout
    trickle_s: float = 0.0  # between body bytes: each read is quick, the whole call is not


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # names lower-cased
    body: bytes


class StubProvider:
    """Serves queued replies in order and records every request it receives."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.stopping = threading.Event()
        self._replies: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def reply(
        self,
        status: int = 200,
        *,
        json_body: Any = None,
        body: bytes | str = b"",
        headers: dict[str, str] | None = None,
        delay_s: float = 0.0,
        trickle_s: float = 0.0,
    ) -> None:
        raw = json.dumps(json_body).encode() if json_body is not None else body
        if isinstance(raw, str):
            raw = raw.encode()
        with self._lock:
            self._replies.append(Reply(status, raw, headers or {}, delay_s, trickle_s))

    def take(self, received: Received) -> Reply:
        with self._lock:
            self.received.append(received)
            if self._replies:
                return self._replies.popleft()
        return Reply(status=500, body=b"stub: no reply scripted for this request")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        # Wakes handlers still delaying a reply, so teardown never waits them out.
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, stub: StubProvider) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.stub = stub

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The client hanging up mid-reply (timeouts, oversized bodies) is the point
        # of some tests, not a failure worth a traceback.
        pass


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        parts = urlsplit(self.path)
        stub = self.server.stub
        reply = stub.take(
            Received(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query, keep_blank_values=True),
                headers={name.lower(): value for name, value in self.headers.items()},
                body=self.rfile.read(length),
            )
        )
        if reply.delay_s and stub.stopping.wait(reply.delay_s):
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if not reply.trickle_s:
            self.wfile.write(reply.body)
            return
        for index in range(len(reply.body)):
            if stub.stopping.wait(reply.trickle_s):
                return
            self.wfile.write(reply.body[index : index + 1])
            self.wfile.flush()


@pytest.fixture
def stub() -> Iterator[StubProvider]:
    server = StubProvider()
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def provider(stub: StubProvider) -> AsyncIterator[HttpProvider]:
    client = HttpProvider(base_url=stub.url, api_key=API_KEY, timeout_s=5.0)
    yield client
    await client.aclose()


def search_request(page: int = 1, **spec: Any) -> SearchRequest:
    return SearchRequest(
        search=SearchSpec(keywords=spec.pop("keywords", "head of growth"), **spec),
        page=page,
        page_size=25,
        attempt=1,
        run=1,
    )


def enrich_request(*keys: str) -> EnrichRequest:
    targets = [EnrichTarget(key=key, profile_url=f"https://example.com/in/{key}") for key in keys]
    return EnrichRequest(targets=targets, attempt=1, run=1)


def outcome(key: str, status: str = "enriched", **fields: Any) -> dict[str, Any]:
    return {"key": key, "status": status, "error": None, **fields}


def assert_safe(error: ProviderError) -> None:
    assert API_KEY not in str(error)
    assert API_KEY[:12] not in str(error)


# --- the happy paths ---------------------------------------------------------------------


async def test_search_maps_a_page_of_results(stub: StubProvider, provider: HttpProvider) -> None:
    full = {
        "id": "p-1",
        "profile_url": "https://example.com/in/ada",
        "full_name": "Ada Lovelace",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "title": "VP Marketing",
        "company": "Analytical Engines",
        "company_domain": "engines.example",
        "location": "Berlin",
        "industry": "Software",
        "company_size": "51-200",
    }
    sparse = {"id": "p-2", "full_name": "Grace Hopper", "title": None}
    stub.reply(json_body={"results": [full, sparse], "has_more": True, "total": 40})

    page = await provider.search(search_request())

    assert page == SearchPage(
        leads=[
            ScrapedLead(provider_id="p-1", **{k: v for k, v in full.items() if k != "id"}),
            ScrapedLead(provider_id="p-2", full_name="Grace Hopper"),
        ],
        has_more=True,
        total=40,
    )


async def test_search_sends_the_query_and_the_bearer_key(
    stub: StubProvider, provider: HttpProvider
) -> None:
    stub.reply(json_body={"results": [], "has_more": False, "total": None})

    page = await provider.search(
        search_request(
            page=3,
            keywords="head of growth",
            titles=["VP Marketing", "CMO"],
            locations=["Berlin"],
            company_sizes=["11-50", "51-200"],
        )
    )

    assert page == SearchPage(leads=[], has_more=False, total=None)
    [received] = stub.received
    assert (received.method, received.path) == ("GET", "/v1/search")
    assert received.query == {
        "keywords": ["head of growth"],
        "titles": ["VP Marketing", "CMO"],
        "locations": ["Berlin"],
        "company_sizes": ["11-50", "51-200"],
        "page": ["3"],
        "page_size": ["25"],
    }
    assert received.headers["authorization"] == f"Bearer {API_KEY}"
    assert received.headers["accept"] == "application/json"


async def test_a_path_in_the_base_url_is_kept(stub: StubProvider) -> None:
    stub.reply(json_body={"results": [], "has_more": False})
    client = HttpProvider(base_url=f"{stub.url}/api", api_key=API_KEY, timeout_s=5.0)
    try:
        await client.search(search_request())
    finally:
        await client.aclose()

    assert stub.received[0].path == "/api/v1/search"


async def test_search_ignores_fields_it_does_not_know(
    stub: StubProvider, provider: HttpProvider
) -> None:
    stub.reply(
        json_body={"results": [{"id": "p-1", "seniority": "vp"}], "has_more": False, "cursor": "x"}
    )

    page = await provider.search(search_request())

    assert page.leads == [ScrapedLead(provider_id="p-1")]


async def test_search_ignores_simulate(stub: StubProvider, provider: HttpProvider) -> None:
    stub.reply(json_body={"results": [], "has_more": False})
    request = search_request()
    simulated = SearchRequest(
        search=request.search,
        page=1,
        page_size=25,
        attempt=1,
        run=1,
        simulate=ScrapeSimulation(permanent_failure_at_page=1),
    )

    await provider.search(simulated)

    assert "simulate" not in stub.received[0].query


async def test_enrich_posts_the_targets(stub: StubProvider, provider: HttpProvider) -> None:
    request = EnrichRequest(
        targets=[
            EnrichTarget(key="a", profile_url="https://example.com/in/ada"),
            EnrichTarget(key="b", full_name="Grace Hopper", company_domain="navy.example"),
            EnrichTarget(key="c", full_name="Alan Turing", company="NPL"),
        ],
        attempt=1,
        run=1,
    )
    stub.reply(json_body={"results": [outcome("a"), outcome("b"), outcome("c")]})

    await provider.enrich(request)

    [received] = stub.received
    assert (received.method, received.path) == ("POST", "/v1/enrich")
    assert received.headers["content-type"] == "application/json"
    assert received.headers["authorization"] == f"Bearer {API_KEY}"
    nulls = dict.fromkeys(("profile_url", "full_name", "company", "company_domain"))
    assert json.loads(received.body) == {
        "leads": [
            {**nulls, "key": "a", "profile_url": "https://example.com/in/ada"},
            {**nulls, "key": "b", "full_name": "Grace Hopper", "company_domain": "navy.example"},
            {**nulls, "key": "c", "full_name": "Alan Turing", "company": "NPL"},
        ]
    }


async def test_enrich_returns_outcomes_in_request_order(
    stub: StubProvider, provider: HttpProvider
) -> None:
    stub.reply(
        json_body={
            "results": [
                outcome("c", "failed", error="upstream lookup failed"),
                outcome("a", email="ada@engines.example", email_status="valid", phone="+49 30 1"),
                outcome("b", "not_found", future_field=True),
            ]
        }
    )

    outcomes = await provider.enrich(enrich_request("a", "b", "c"))

    assert list(outcomes) == [
        EnrichOutcome(
            key="a",
            status="enriched",
            email="ada@engines.example",
            email_status="valid",
            phone="+49 30 1",
        ),
        EnrichOutcome(key="b", status="not_found"),
        EnrichOutcome(key="c", status="failed", error="upstream lookup failed"),
    ]


async def test_enrich_without_targets_calls_nobody(
    stub: StubProvider, provider: HttpProvider
) -> None:
    assert await provider.enrich(enrich_request()) == []
    assert stub.received == []


# --- transient failures ------------------------------------------------------------------


async def test_429_is_transient_with_retry_after_seconds(
    stub: StubProvider, provider: HttpProvider
) -> None:
    stub.reply(429, body="slow down", headers={"Retry-After": "7"})

    with pytest.raises(ProviderTransient) as caught:
        await provider.search(search_request())

    assert caught.value.retry_after_s == 7.0
    assert "429" in str(caught.value)
    assert_safe(caught.value)


async def test_429_retry_after_may_be_an_http_date(
    stub: StubProvider, provider: HttpProvider
) -> None:
    when = datetime.now(UTC) + timedelta(seconds=120)
    stub.reply(429, headers={"Retry-After": format_datetime(when, usegmt=True)})

    with pytest.raises(ProviderTransient) as caught:
        await provider.search(search_request())

    assert caught.value.retry_after_s is not None
    assert 100 < caught.value.retry_after_s <= 120


async def test_429_retry_after_in_the_past_means_now(
    stub: StubProvider, provider: HttpProvider
) -> None:
    stub.reply(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})

    with pytest.raises(ProviderTransient) as caught:
        await provider.search(search_request())

    assert caught.value.retry_after_s == 0.0


@pytest.mark.parametrize("value", ["soon", "-5", "1.5", "", "Wed, 99 Oct 2015 07:28:00 GMT"])
async def test_429_with_a_garbage_retry_after_has_no_hint(
    stub: StubProvider, provider: HttpProvider, value: str
) -> None:
    stub.reply(429, headers={"Retry-After": value})

    with pytest.raises(ProviderTransient) as caught:
        await provider.search(search_request())

    assert caught.value.retry_after_s is None


async def test_a_huge_retry_after_is_clamped(stub: StubProvider, provider: HttpProvider) -> None:
    stub.reply(429, headers={"Retry-After": "9" * 400})

    with pytest.raises(ProviderTransient) as caught:
        await provider.search(search_request())

    assert caught.value.retry_after_s == 86_400.0


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_5xx_is_transient(stub: StubProvider, provider: HttpProvider, status: int) -> None:
    stub.reply(status, body="upstream exploded")

    with pytest.raises(ProviderTransient) as caught:
        await provider.enrich(enrich_request("a"))

    assert f"HTTP {status}" in str(caught.value)
    assert caught.value.retry_after_s is None
    assert_safe(caught.value)


async def test_503_honours_retry_after(stub: StubProvider, provider: HttpProvider) -> None:
    stub.reply(503, headers={"Retry-After": "30"})

    with pytest.raises(ProviderTransient) as caught:
        await provider.search(search_request())

    assert caught.value.retry_after_s == 30.0


async def test_a_slow_provider_times_out_as_transient(stub: StubProvider) -> None:
    stub.reply(json_body={"results": [], "has_more": False}, delay_s=30)
    client = HttpProvider(base_url=stub.url, api_key=API_KEY, timeout_s=0.2)
    started = time.monotonic()
    try:
        with pytest.raises(ProviderTransient, match=r"timed out after 0\.2 s") as caught:
            await client.search(search_request())
    finally:
        await client.aclose()

    assert time.monotonic() - started < 3
    assert_safe(caught.value)


async def test_a_trickling_body_hits_the_overall_deadline(stub: StubProvider) -> None:
    # Every byte arrives well within the per-read timeout; only the whole-call
    # deadline can stop this.
    stub.reply(json_body={"results": [], "has_more": False}, trickle_s=0.05)
    client = HttpProvider(base_url=stub.url, api_key=API_KEY, timeout_s=0.5)
    started = time.monotonic()
    try:
        with pytest.raises(ProviderTransient, match="timed out"):
            await client.search(search_request())
    finally:
        await client.aclose()

    assert time.monotonic() - started < 1.5


async def test_connection_refused_is_transient() -> None:
    # A bound socket that never listens: its port stays ours and refuses connections.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        client = HttpProvider(base_url=f"http://127.0.0.1:{port}", api_key=API_KEY, timeout_s=2)
        try:
            with pytest.raises(ProviderTransient, match="network error") as caught:
                await client.search(search_request())
        finally:
            await client.aclose()

    assert "127.0.0.1" not in str(caught.value)
    assert_safe(caught.value)


# --- permanent failures ------------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 403])
async def test_rejected_credentials_are_permanent(
    stub: StubProvider, provider: HttpProvider, status: int
) -> None:
    stub.reply(status, body=f'{{"error": "bad key {API_KEY}"}}')

    with pytest.raises(ProviderPermanent, match="rejected the credentials") as caught:
        await provider.search(search_request())

    assert_safe(caught.value)


async def test_400_is_permanent_with_a_short_body_snippet(
    stub: StubProvider, provider: HttpProvider
) -> None:
    detail = "keywords: must not contain boolean operators. " * 20
    stub.reply(400, body=json.dumps({"error": detail}))

    with pytest.raises(ProviderPermanent) as caught:
        await provider.search(search_request())

    message = str(caught.value)
    prefix = "lead provider search refused the request (HTTP 400): "
    assert message.startswith(prefix + '{"error": "keywords: must not contain')
    assert len(message) - len(prefix) <= 200
    assert message.endswith("…")


async def test_an_error_body_echoing_the_key_is_scrubbed(
    stub: StubProvider, provider: HttpProvider
) -> None:
    stub.reply(422, body=f"Authorization: Bearer {API_KEY}\nunknown industry")

    with pytest.raises(ProviderPermanent) as caught:
        await provider.search(search_request())

    assert "Bearer *** unknown industry" in str(caught.value)
    assert_safe(caught.value)


async def test_a_long_error_body_cut_inside_the_key_leaks_no_fragment(
    stub: StubProvider, provider: HttpProvider
) -> None:
    # The provider stops being read after 16 KiB, right in the middle of the key.
    stub.reply(400, body=" " * (16 * 1024 - 10) + API_KEY + " tail")

    with pytest.raises(ProviderPermanent) as caught:
        await provider.search(search_request())

    assert API_KEY[:10] not in str(caught.value)


async def test_other_4xx_are_permanent(stub: StubProvider, provider: HttpProvider) -> None:
    stub.reply(404, body="")

    with pytest.raises(ProviderPermanent, match=r"refused the request \(HTTP 404\)$"):
        await provider.enrich(enrich_request("a"))


# --- malformed bodies --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"<html>gateway</html>", "JSON is malformed"),
        (b'{"results": [], "has_', "Input data was truncated"),
        (
            b'{"results": [{"id": "p-1"}, {"id": 7}], "has_more": false}',
            "Expected `str`, got `int` - at `$.results[1].id`",
        ),
        (b'{"results": [{"id": "p-1"}]}', "Object missing required field `has_more`"),
        (b'{"results": [{"full_name": "x"}], "has_more": false}', "field `id`"),
        (b'{"results": [{"id": ""}], "has_more": false}', "at `$.results[0].id`"),
        (b'{"results": {}, "has_more": false}', "Expected `array`, got `object`"),
        (b'{"results": [], "has_more": false, "total": -1}', "`$.total`"),
    ],
)
async def test_a_malformed_search_body_is_transient(
    stub: StubProvider, provider: HttpProvider, body: bytes, problem: str
) -> None:
    stub.reply(body=body)

    with pytest.raises(ProviderTransient) as caught:
        await provider.search(search_request())

    assert str(caught.value).startswith("malformed search response: ")
    assert problem in str(caught.value)


@pytest.mark.parametrize(
    ("results", "problem"),
    [
        ([outcome("a")], "no result for key 'b'"),
        ([outcome("a"), outcome("b"), outcome("z")], "unknown key 'z'"),
        ([outcome("a"), outcome("b"), outcome("a")], "key 'a' appears more than once"),
        ([outcome("a"), outcome("b", "maybe")], "at `$.results[1].status`"),
        ([outcome("a"), {"status": "enriched"}], "missing required field `key`"),
        ([outcome("a"), outcome("b", email=3)], "at `$.results[1].email`"),
    ],
)
async def test_a_malformed_enrich_body_is_transient(
    stub: StubProvider, provider: HttpProvider, results: list[Any], problem: str
) -> None:
    stub.reply(json_body={"results": results})

    with pytest.raises(ProviderTransient) as caught:
        await provider.enrich(enrich_request("a", "b"))

    assert str(caught.value).startswith("malformed enrich response: ")
    assert problem in str(caught.value)


async def test_an_oversized_body_is_rejected_unread(
    stub: StubProvider, provider: HttpProvider
) -> None:
    stub.reply(body=b'{"results": [' + b" " * (5 * 1024 * 1024) + b'], "has_more": false}')

    with pytest.raises(ProviderTransient, match="larger than"):
        await provider.search(search_request())
