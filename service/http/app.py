"""The Litestar application: routes, auth, errors, OpenAPI, and the lifespan that owns
the process's database pool, broker connection and outbox relay."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, Router
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components

from service.actors import DramatiqPublisher, build_broker, declare_actors
from service.actors.broker import ping, queue_depths
from service.http.auth import SECURITY, SECURITY_SCHEMES, provide_api_key
from service.http.dashboard import dashboard_assets, dashboard_page
from service.http.health import PROBE_TIMEOUT_S, healthz, readyz
from service.http.jobs import JobsController
from service.http.metrics_route import metrics_endpoint
from service.http.openapi import document_job_kinds
from service.http.problems import exception_handlers
from service.http.reports import ReportsController
from service.http.request_log import RequestLog
from service.http.state import AppState, app_state
from service.jobs.live import JobFeed
from service.jobs.submit import Submitter
from service.jobs.webhooks import WebhookTargets
from service.relay import OutboxRelay
from service.repo import Database
from service.repo.notifications import EventListener
from service.settings import Settings

__all__ = ["MAX_BODY_BYTES", "create_app"]

MAX_BODY_BYTES = 1024 * 1024


def create_app(settings: Settings) -> Litestar:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        db = Database(
            settings.database_url, pool_size=settings.db_pool_size, application_name="leadjobs-api"
        )
        broker = build_broker(settings)
        relay = OutboxRelay(db, DramatiqPublisher(broker, declare_actors(broker, settings)))
        relay.start()
        feed = JobFeed(db)
        listener = EventListener(settings.database_url, feed.notify, feed.notify_all)
        listener.start()
        app.state.leadjobs = AppState(
            settings=settings,
            db=db,
            submitter=Submitter(
                db=db,
                dispatch=relay.dispatch,
                simulate_allowed=settings.provider == "simulator",
                webhook_targets=WebhookTargets(allow_private=settings.webhook_allow_private),
            ),
            dispatch=relay.dispatch,
            feed=feed,
            ping_broker=lambda: asyncio.to_thread(ping, settings, PROBE_TIMEOUT_S),
            queue_depths=lambda: asyncio.to_thread(queue_depths, settings, PROBE_TIMEOUT_S),
        )
        try:
            yield
        finally:
            await listener.stop()
            await relay.stop()
            await db.dispose()
            broker.close()

    v1 = Router(
        path="/",
        route_handlers=[JobsController, ReportsController],
        dependencies={"api_key": Provide(provide_api_key)},
        security=SECURITY,
    )
    app = Litestar(
        route_handlers=[healthz, readyz, metrics_endpoint, dashboard_page, dashboard_assets, v1],
        middleware=[RequestLog],
        # Logging is configured once, by service.logs; Litestar's own would replace it.
        logging_config=None,
        dependencies={"svc": Provide(app_state, sync_to_thread=False)},
        lifespan=[lifespan],
        exception_handlers=exception_handlers,
        request_max_body_size=MAX_BODY_BYTES,
        openapi_config=OpenAPIConfig(
            title="leadjobs",
            version="1",
            description="Background jobs for B2B lead generation. See docs/ in the repository.",
            path="/schema",
            render_plugins=[
                JsonRenderPlugin(path=["/", "/openapi.json"]),
                SwaggerRenderPlugin(path="/swagger"),
            ],
            components=Components(security_schemes=SECURITY_SCHEMES),
        ),
    )
    document_job_kinds(app)
    return app
