"""The dashboard at `/`, driven in headless Chromium against a real API, worker,
PostgreSQL and RabbitMQ, the way a person uses it."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest
from playwright.async_api import Browser, Locator, Page, Request, Route, async_playwright, expect

from tests.conftest import NewKeyFactory, Stack, StackFactory
from tests.support.jobs import scrape, wait_for

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
LIVE = 30_000  # ms a job of a few simulated pages may take to show its end

# Browser notifications cannot be seen from a headless test; this stand-in records them.
NOTIFICATIONS = """
window.__notifications = [];
window.Notification = class {
  static permission = "granted";
  static requestPermission() { return Promise.resolve("granted"); }
  constructor(title, options) { window.__notifications.push({ title, body: options?.body }); }
};
"""

# Every value a job's progress bar takes, to tell live updates from a final refresh.
PROGRESS_LOG = """
window.__progress = {};
new MutationObserver(() => {
  for (const row of document.querySelectorAll("#jobs tbody tr")) {
    const value = row.querySelector("progress")?.getAttribute("value");
    const seen = (window.__progress[row.dataset.jobId] ??= []);
    if (value !== null && seen.at(-1) !== value) seen.push(value);
  }
}).observe(document, { subtree: true, childList: true, attributes: true });
"""


@dataclass
class Watched:
    """What the page did that a user would call broken: console errors, uncaught
    exceptions, and requests to anywhere but the service on 127.0.0.1."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.console_errors == []
        assert self.page_errors == []
        assert self.foreign_requests == []


@pytest.fixture(scope="module")
def dashboard(stack_factory: StackFactory) -> Iterator[Stack]:
    stack = stack_factory("dashboard")
    yield stack
    stack_factory.stop(stack)


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    assert Path(CHROMIUM).exists(), (
        "browser tests need Debian's chromium (apt-get install chromium)"
    )
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM)
        yield browser
        await browser.close()


async def open_dashboard(browser: Browser, stack: Stack) -> tuple[Page, Watched]:
    watched = Watched()
    context = await browser.new_context(viewport=DESKTOP, accept_downloads=True)
    await context.add_init_script(NOTIFICATIONS)

    async def refuse(route: Route, request: Request) -> None:
        watched.foreign_requests.append(request.url)
        await route.abort()

    await context.route(lambda url: not _local(url), refuse)
    page = await context.new_page()
    page.on("console", lambda m: m.type == "error" and watched.console_errors.append(m.text))
    page.on("pageerror", lambda error: watched.page_errors.append(str(error)))
    await page.goto(stack.base_url + "/")
    return page, watched


def _local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob") or parts.hostname == "127.0.0.1"


async def sign_in(page: Page, key: str) -> None:
    await page.get_by_label("API key").fill(key)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Jobs")).to_be_visible()


async def submit_scrape(page: Page, keywords: str, **fields: str) -> str:
    """Fills the form (simulator options included) and returns the new job's id."""
    await expect(page.get_by_role("heading", name="Jobs")).to_be_visible()
    form = page.locator("#scrape-form")
    if await page.locator("#new-job").get_attribute("open") is None:
        await page.get_by_text("New scrape job").click()
    labels = {
        "max_pages": "Max pages",
        "latency_ms": "Latency per page (ms)",
        "total_results": "Total results",
        "permanent_failure_at_page": "Permanent failure at page",
    }
    await form.get_by_label("Keywords").fill(keywords)
    for name, label in labels.items():
        if name in fields and await form.locator("details.simulate").get_attribute("open") is None:
            await form.get_by_text("Simulator options").click()
        await form.get_by_label(label).fill(fields.get(name, ""))
    await form.get_by_role("button", name="Submit job").click()
    row = page.locator("#jobs tbody tr", has_text=keywords)
    await expect(row).to_have_count(1)
    job_id = await row.get_attribute("data-job-id")
    assert job_id is not None
    return job_id


def row_of(page: Page, job_id: str) -> Locator:
    return page.locator(f'#jobs tbody tr[data-job-id="{job_id}"]')


async def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=SCREENSHOTS / f"{name}.png")


async def test_the_dashboard_page_and_its_assets_are_served_from_the_package(
    dashboard: Stack,
) -> None:
    async with httpx.AsyncClient(base_url=dashboard.base_url) as http:
        page = await http.get("/")
        script = await http.get("/static/app.js")

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert '<script type="module" src="/static/app.js">' in page.text
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]


async def test_a_user_runs_watches_downloads_cancels_and_resumes_jobs(
    dashboard: Stack, browser: Browser, new_key: NewKeyFactory
) -> None:
    key = await new_key("dashboard")
    page, watched = await open_dashboard(browser, dashboard)
    await page.add_init_script(PROGRESS_LOG)
    await page.reload()
    await sign_in(page, key.key)
    await page.evaluate("window.__sameDocument = true")

    # A job submitted from the form reaches 100 % in the list, live, without a reload.
    job_id = await submit_scrape(
        page, "growth teams in Lisbon", max_pages="4", total_results="60", latency_ms="600"
    )
    row = row_of(page, job_id)
    await expect(row.locator("progress")).to_have_attribute("value", "100", timeout=LIVE)
    await expect(row.locator(".status")).to_have_text("succeeded")
    await expect(row.locator(".results")).to_have_text("60")
    assert await page.evaluate("window.__sameDocument") is True
    # Values between 0 and 100 come from the live stream: the list's own refresh is
    # every 10 s, and the whole job takes about 2 s.
    seen = await page.evaluate(f"window.__progress['{job_id}']")
    assert any(0 < int(value) < 100 for value in seen), seen
    # Its end is announced in the page and as a browser notification.
    await expect(page.locator(".toast", has_text=f"{job_id[:8]} succeeded")).to_be_visible()
    notifications = await page.evaluate("window.__notifications")
    assert [n["title"] for n in notifications] == ["leadjobs: job succeeded"]

    # The detail shows parameters, the timeline, the first results, and downloads them all.
    await row.get_by_role("link").click()
    await expect(page.locator("#job-title")).to_contain_text("growth teams in Lisbon")
    await expect(page.locator("#job-events li[data-type='page.done']")).to_have_count(3)
    await expect(page.locator("#job-events li").last).to_contain_text("job.succeeded")
    await expect(page.locator("#job-results tbody tr")).to_have_count(25)
    assert json.loads(await page.locator("#job-params").inner_text())["max_pages"] == 4
    await screenshot(page, "detail-1280x800")
    async with page.expect_download() as csv_download:
        await page.get_by_role("button", name="Download CSV").click()
    rows = list(
        csv.DictReader(io.StringIO(Path(await (await csv_download.value).path()).read_text()))
    )
    assert len(rows) == 60
    assert len({r["id"] for r in rows}) == 60
    async with page.expect_download() as jsonl_download:
        await page.get_by_role("button", name="Download JSONL").click()
    lines = Path(await (await jsonl_download.value).path()).read_text().splitlines()
    assert len(lines) == 60

    # Its leads are enriched from its page; the page moves to the enrich job.
    await page.get_by_role("button", name="Enrich these leads").click()
    await expect(page.locator("#job-title")).to_contain_text("Enrich job · Leads of job")
    await expect(page.locator("#job-facts .status")).to_have_text("succeeded", timeout=LIVE)
    await expect(page.locator("#job-results tbody tr")).to_have_count(25)
    await expect(
        page.locator("#job-results tbody td[data-label='Email status']").first
    ).not_to_be_empty()
    await page.go_back()
    await expect(page.locator("#job-title")).to_contain_text("growth teams in Lisbon")

    await page.set_viewport_size(PHONE)
    await screenshot(page, "detail-390x844")
    await page.set_viewport_size(DESKTOP)
    await page.get_by_role("link", name="All jobs").click()

    # A slow job is cancelled from its page and keeps the leads it had.
    slow_id = await submit_scrape(
        page, "slow job to cancel", max_pages="20", total_results="500", latency_ms="500"
    )
    await row_of(page, slow_id).get_by_role("link").click()
    await expect(page.locator("#job-title")).to_contain_text("slow job to cancel")
    await expect(page.locator("#job-events li[data-type='page.done']")).not_to_have_count(
        0, timeout=LIVE
    )
    await page.get_by_role("button", name="Cancel").click()
    await expect(page.locator("#job-facts .status")).to_have_text("cancelled", timeout=LIVE)
    await expect(page.get_by_role("button", name="Resume")).to_be_visible()
    await expect(page.get_by_role("button", name="Cancel")).to_be_hidden()

    # A failed job is resumed from its page and ends with every lead.
    await page.get_by_role("link", name="All jobs").click()
    failing_id = await submit_scrape(
        page,
        "job that fails at page 2",
        max_pages="4",
        total_results="100",
        permanent_failure_at_page="2",
    )
    failing_row = row_of(page, failing_id)
    await expect(failing_row.locator(".status")).to_have_text("failed", timeout=LIVE)
    await expect(failing_row.locator(".error-message")).not_to_be_empty()
    await failing_row.get_by_role("link").click()
    await expect(page.locator("#job-title")).to_contain_text("job that fails at page 2")
    await expect(page.locator("#job-facts")).to_contain_text("provider_rejected")
    await page.get_by_role("button", name="Resume").click()
    await expect(page.locator("#job-facts .status")).to_have_text("succeeded", timeout=LIVE)
    await expect(page.locator("#job-facts")).to_contain_text("100")

    # The list with jobs in three end states, on a desktop and on a phone.
    await page.get_by_role("link", name="All jobs").click()
    await expect(page.locator("#jobs tbody tr")).to_have_count(4)
    await expect(page.locator("#jobs tbody tr[data-status=succeeded]")).to_have_count(3)
    # Toasts go by themselves; for the screenshot they go at once.
    await page.evaluate("document.querySelectorAll('.toast').forEach((t) => t.remove())")
    await screenshot(page, "list-1280x800")
    await page.set_viewport_size(PHONE)
    await screenshot(page, "list-390x844")

    async with httpx.AsyncClient(
        base_url=dashboard.base_url, headers={"X-API-Key": key.key}
    ) as http:
        slow = await wait_for(http, slow_id)
        resumed = await wait_for(http, failing_id)
    assert slow["status"] == "cancelled"
    assert 0 < slow["result_count"] < 500
    assert resumed["status"] == "succeeded"
    assert resumed["result_count"] == 100
    watched.assert_clean()
    await page.context.close()


async def test_bad_keys_and_bad_fields_get_clear_messages_and_change_nothing(
    dashboard: Stack, browser: Browser, new_key: NewKeyFactory, pg: asyncpg.Pool
) -> None:
    other, mine = await new_key("someone else"), await new_key("dashboard errors")
    async with httpx.AsyncClient(
        base_url=dashboard.base_url, headers={"X-API-Key": other.key}
    ) as http:
        theirs = await scrape(http, "another key's search")
    page, watched = await open_dashboard(browser, dashboard)

    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    await page.get_by_label("API key").fill("lj_not_a_real_key")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_have_text(
        "That API key was not accepted. Check it and try again."
    )

    # Signed in, the key sees none of another key's jobs.
    await sign_in(page, mine.key)
    await expect(page.get_by_text("No jobs here yet.")).to_be_visible()
    await expect(page.locator(f'tr[data-job-id="{theirs["id"]}"]')).to_have_count(0)

    # The API's own message for max_pages=0 is shown next to the field; no job is made.
    await page.get_by_text("New scrape job").click()
    await page.get_by_label("Keywords").fill("zero pages")
    await page.get_by_label("Max pages").fill("0")
    await page.get_by_role("button", name="Submit job").click()
    message = page.locator("#e-max-pages")
    await expect(message).to_contain_text(">= 1")
    await expect(page.get_by_label("Max pages")).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_label("Max pages")).to_be_focused()
    jobs = await pg.fetchval("SELECT count(*) FROM jobs WHERE api_key_id = $1", mine.id)
    assert jobs == 0

    # Signed out and in again, one submit from the keyboard makes exactly one job.
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_label("API key")).to_be_focused()
    await page.keyboard.type(mine.key)
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Jobs")).to_be_visible()
    await page.get_by_text("New scrape job").focus()
    await page.keyboard.press("Enter")
    await page.get_by_label("Max pages").fill("")
    await page.get_by_label("Keywords").fill("typed, not clicked")
    await page.get_by_label("Keywords").press("Enter")
    await expect(page.locator("#jobs tbody tr", has_text="typed, not clicked")).to_have_count(1)
    jobs = await pg.fetchval("SELECT count(*) FROM jobs WHERE api_key_id = $1", mine.id)
    assert jobs == 1
    # The browser logs the 401 and 400 responses themselves; the page adds nothing.
    assert all("status of 40" in line for line in watched.console_errors), watched.console_errors
    assert watched.page_errors == []
    assert watched.foreign_requests == []
    await page.context.close()
