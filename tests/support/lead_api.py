"""A small lead-data API on 127.0.0.1 that speaks the HTTP provider's wire contract.

It answers from the deterministic simulator, so tests know which leads to expect,
and can be told to fail the next requests with given statuses.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import msgspec

from service.jobs.params import ScrapeSimulation, SearchSpec
from service.providers.base import EnrichRequest, EnrichTarget, SearchRequest
from service.providers.simulator import SimulatorProvider

TOTAL_RESULTS = 60


class FakeLeadApi:
    def __init__(self, api_key: str) -> None:
        self.api_key = api_key
        self.requests: list[str] = []
        # Search pages requested, in order, by search keywords.
        self.pages: dict[str, list[int]] = {}
        self._failures: deque[tuple[int, dict[str, str]]] = deque()
        self._page_failures: dict[tuple[str, int], list[tuple[int, bytes | None]]] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.api = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def fail_next(self, status: int, times: int = 1, headers: dict[str, str] | None = None) -> None:
        with self._lock:
            self._failures.extend([(status, headers or {})] * times)

    def fail_page(
        self, keywords: str, page: int, status: int, *, times: int = 1, body: bytes | None = None
    ) -> None:
        """Answer ``status`` (and ``body``) to the next requests for this page of this search."""
        with self._lock:
            self._page_failures[(keywords, page)] = [(status, body)] * times

    def next_failure(
        self, path: str, query: dict[str, list[str]]
    ) -> tuple[int, dict[str, str], bytes | None] | None:
        with self._lock:
            self.requests.append(path)
            if "page" in query:
                keywords, page = query["keywords"][0], int(query["page"][0])
                self.pages.setdefault(keywords, []).append(page)
                scripted = self._page_failures.get((keywords, page))
                if scripted:
                    status, body = scripted.pop(0)
                    return status, {}, body
            if self._failures:
                status, headers = self._failures.popleft()
                return status, headers, None
            return None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _search(query: dict[str, list[str]]) -> dict[str, Any]:
    spec = SearchSpec(
        keywords=query["keywords"][0],
        titles=query.get("titles", []),
        locations=query.get("locations", []),
        industries=query.get("industries", []),
    )
    request = SearchRequest(
        search=spec,
        page=int(query["page"][0]),
        page_size=int(query["page_size"][0]),
        attempt=1,
        run=1,
    )
    page = asyncio.run(_with_total(request))
    results = [{"id": lead.provider_id, **msgspec.to_builtins(lead)} for lead in page.leads]
    for result in results:
        del result["provider_id"]
    return {"results": results, "has_more": page.has_more, "total": page.total}


async def _with_total(request: SearchRequest) -> Any:
    simulated = msgspec.structs.replace(
        request, simulate=ScrapeSimulation(total_results=TOTAL_RESULTS)
    )
    return await SimulatorProvider().search(simulated)


def _enrich(body: dict[str, Any]) -> dict[str, Any]:
    targets = [msgspec.convert(lead, EnrichTarget) for lead in body["leads"]]
    outcomes = asyncio.run(
        SimulatorProvider().enrich(EnrichRequest(targets=targets, attempt=1, run=1))
    )
    return {"results": [msgspec.to_builtins(o) for o in outcomes]}


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        query = parse_qs(urlsplit(self.path).query)
        self._answer(lambda: _search(query), query)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        self._answer(lambda: _enrich(body), {})

    def _answer(self, make: Any, query: dict[str, list[str]]) -> None:
        api: FakeLeadApi = self.server.api  # type: ignore[attr-defined]
        failure = api.next_failure(urlsplit(self.path).path, query)
        if self.headers.get("Authorization") != f"Bearer {api.api_key}":
            failure = (401, {}, None)
        if failure is not None:
            status, headers, body = failure
            self._send(status, body or {"error": "scripted failure"}, headers)
            return
        self._send(200, make(), {})

    def _send(self, status: int, payload: Any, headers: dict[str, str]) -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
