"""The jobs dashboard: one HTML page and the plain ES modules it loads, shipped in the
package and served by the API itself, so it works offline and needs no build step."""

from __future__ import annotations

from pathlib import Path

from litestar import Response, get
from litestar.datastructures import CacheControlHeader
from litestar.enums import MediaType
from litestar.router import Router
from litestar.static_files import create_static_files_router

__all__ = ["STATIC_DIR", "dashboard_assets", "dashboard_page"]

STATIC_DIR = Path(__file__).with_name("static")

# The page talks only to this origin; anything else (a CDN, an injected script) is
# refused by the browser, which is also how the tests know nothing leaves the host.
_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@get("/", include_in_schema=False, media_type=MediaType.HTML, sync_to_thread=False)
def dashboard_page() -> Response[bytes]:
    # Read per request: a few kilobytes from the page cache, and an edited page shows at once.
    page = (STATIC_DIR / "index.html").read_bytes()
    return Response(
        page, media_type=MediaType.HTML, headers={**_SECURITY_HEADERS, "Cache-Control": "no-cache"}
    )


dashboard_assets: Router = create_static_files_router(
    path="/static",
    directories=[STATIC_DIR],
    # Revalidated on every load, so a deploy never mixes old and new modules.
    cache_control=CacheControlHeader(no_cache=True),
    include_in_schema=False,
    name="dashboard-static",
)
