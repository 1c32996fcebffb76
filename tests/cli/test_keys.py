"""`leadjobs keys`: keys are shown once, work at once, and stop working at once when revoked."""

from __future__ import annotations

import json

import asyncpg
import httpx

from tests.conftest import Stack
from tests.support.processes import run_cli

MISSING_JOB = "/v1/jobs/00000000-0000-4000-8000-000000000000"


async def test_create_list_update_revoke(stack: Stack, pg: asyncpg.Pool) -> None:
    created = json.loads(
        run_cli(
            "keys", "create", "--name", "cli test", "--rate", "120/min", "--burst", "30", "--json",
            env=stack.env,
        ).stdout
    )  # fmt: skip
    assert {"id", "name", "key", "webhook_secret"} <= set(created)
    assert created["webhook_secret"].startswith("whsec_")
    assert (created["rate_per_minute"], created["burst"], created["max_running"]) == (120, 30, 5)

    async with httpx.AsyncClient(
        base_url=stack.base_url, headers={"X-API-Key": created["key"]}
    ) as http:
        assert (await http.get(MISSING_JOB)).status_code == 404  # authenticated

        listed = run_cli("keys", "list", "--json", env=stack.env).stdout
        assert created["key"] not in listed
        assert created["id"] in listed
        stored = await pg.fetchval("SELECT key_hash FROM api_keys WHERE id = $1", created["id"])
        assert created["key"] not in stored

        updated = run_cli("keys", "update", created["id"], "--max-running", "2", "--json",
                          env=stack.env).stdout  # fmt: skip
        assert json.loads(updated)[0]["max_running"] == 2

        revoked = run_cli("keys", "revoke", created["id"], env=stack.env)
        assert "revoked" in revoked.stdout
        assert (await http.get(MISSING_JOB)).status_code == 401


def test_bad_arguments_get_one_line(stack: Stack) -> None:
    for args in (
        ("keys", "create", "--name", "x", "--rate", "fast"),
        ("keys", "create", "--name", "x", "--burst", "0"),
        ("keys", "revoke", "not-a-uuid"),
        ("keys", "revoke", "00000000-0000-4000-8000-000000000000"),
        ("keys", "create", "--name", " "),
    ):
        result = run_cli(*args, env=stack.env, check=False)
        assert result.returncode != 0, args
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert result.stderr.startswith("leadjobs"), result.stderr
