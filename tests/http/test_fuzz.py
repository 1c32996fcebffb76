"""Schemathesis against the live app's own OpenAPI document: no 5xx, no schema violations."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.conftest import NewKeyFactory, Stack

SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))
# Every check but one: positive_data_acceptance expects any schema-valid request to
# succeed, but an opaque cursor from nowhere, or an Idempotency-Key reused with
# another body, is valid by the schema and rightly refused (400, 409).
EXCLUDED = "positive_data_acceptance"
# CI runs a fixed seed for a bounded time; set these to search deeper by hand.
SEED = os.environ.get("LEADJOBS_FUZZ_SEED", "20261204")
EXAMPLES = os.environ.get("LEADJOBS_FUZZ_EXAMPLES", "25")
MAX_TIME = os.environ.get("LEADJOBS_FUZZ_SECONDS", "150")


async def test_fuzzing_finds_no_server_errors_and_no_schema_violations(
    own_stack: Callable[..., Stack], new_key: NewKeyFactory, tmp_path: Path
) -> None:
    fuzz = own_stack("fuzz")
    # Few running slots: fuzzed jobs may ask for a minute of latency per page.
    key = await new_key("fuzz", max_running=2)

    result = subprocess.run(
        [
            SCHEMATHESIS, "run", f"{fuzz.base_url}/schema",
            "--header", f"X-API-Key: {key.key}",
            "--checks", "all", "--exclude-checks", EXCLUDED,
            "--max-examples", EXAMPLES, "--max-time", MAX_TIME,
            "--seed", SEED, "--no-color",
            "--report", "junit", "--report-dir", str(tmp_path),
        ],
        capture_output=True, text=True, timeout=int(MAX_TIME) + 250, check=False,
        env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
    )  # fmt: skip

    summary = result.stdout[-3000:]
    assert result.returncode == 0, summary
    assert " passed" in summary
    assert "failure" not in summary.split("Test cases:")[-1], summary
    # Leave no fuzzed job running into the stack's shutdown.
    async with httpx.AsyncClient(base_url=fuzz.base_url, headers={"X-API-Key": key.key}) as http:
        for status in ("running", "queued", "scheduled"):
            cursor = None
            while True:
                params = {"status": status, "limit": 200} | ({"cursor": cursor} if cursor else {})
                page = (await http.get("/v1/jobs", params=params)).json()
                for job in page["items"]:
                    await http.post(f"/v1/jobs/{job['id']}/cancel")
                cursor = page["next_cursor"]
                if cursor is None:
                    break
