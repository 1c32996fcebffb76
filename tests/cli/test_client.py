"""`leadjobs submit`, `watch` and `results`: the API from the command line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import httpx

from service.keys import NewKey
from tests.conftest import Stack
from tests.support.jobs import scrape
from tests.support.processes import run_cli


def _env(stack: Stack, key: NewKey) -> dict[str, str]:
    return {**stack.env, "LEADJOBS_URL": stack.base_url, "LEADJOBS_API_KEY": key.key}


def test_submit_and_wait_shows_progress_and_exits_zero_on_success(
    stack: Stack, key: NewKey
) -> None:
    result = run_cli(
        "submit", "scrape", "--keywords", "cli growth", "--title", "VP Marketing",
        "--max-pages", "4", "--simulate-total-results", "100", "--simulate-latency-ms", "100",
        "--wait", "--json",
        env=_env(stack, key), check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    job = json.loads(result.stdout)
    assert (job["status"], job["result_count"]) == ("succeeded", 100)
    assert "[" in result.stderr
    assert "4/4 pages" in result.stderr
    assert "100 leads" in result.stderr
    assert "succeeded" in result.stderr


def test_submit_and_wait_exits_non_zero_when_the_job_fails(stack: Stack, key: NewKey) -> None:
    result = run_cli(
        "submit", "scrape", "--keywords", "cli fails", "--simulate-permanent-failure-at-page", "2",
        "--wait",
        env=_env(stack, key), check=False,
    )  # fmt: skip

    assert result.returncode == 1
    assert "failed" in result.stdout
    assert "provider_rejected" in result.stdout


async def test_watch_and_results(
    stack: Stack, client: httpx.AsyncClient, key: NewKey, tmp_path: Path
) -> None:
    job = await scrape(
        client, "cli watch", max_pages=3, simulate={"total_results": 60, "latency_ms": 100}
    )

    watched = run_cli("watch", job["id"], env=_env(stack, key), check=False)
    out = tmp_path / "leads.csv"
    saved = run_cli("results", job["id"], "--format", "csv", "-o", str(out), env=_env(stack, key))

    assert watched.returncode == 0, watched.stderr
    assert "succeeded, 60 leads" in watched.stdout
    assert str(out) in saved.stdout
    assert len(list(csv.DictReader(out.open()))) == 60


def test_client_errors_are_one_line(stack: Stack, key: NewKey) -> None:
    env = _env(stack, key)
    for args in (
        ("submit", "scrape", "--keywords", "x", "--max-pages", "0"),
        ("watch", "00000000-0000-4000-8000-000000000000"),
        ("results", "not-a-job", "-o", "/tmp/x.csv"),
    ):
        result = run_cli(*args, env=env, check=False)
        assert result.returncode != 0, args
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    no_key = run_cli("watch", "00000000-0000-4000-8000-000000000000", env=stack.env, check=False)
    assert no_key.stderr.strip() == "leadjobs: no API key: pass --key or set LEADJOBS_API_KEY"
