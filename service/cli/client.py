"""``leadjobs submit``, ``watch`` and ``results``: a client of the HTTP API."""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from service.cli.common import CliError
from service.client import ApiClient, ApiError
from service.client.progress import ProgressLine, apply_event
from service.jobs.params import (
    COMPANY_SIZES,
    EnrichLeadInput,
    EnrichParams,
    EnrichSimulation,
    JobParams,
    ScrapeParams,
    ScrapeSimulation,
    SearchSpec,
)
from service.jobs.views import JobView

__all__ = ["register"]

RECONNECTS = 10
_P = TypeVar("_P", ScrapeParams, EnrichParams)


def _connection_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--url",
        default=os.environ.get("LEADJOBS_URL", "http://127.0.0.1:8000"),
        help="API base URL (env LEADJOBS_URL)",
    )
    parser.add_argument(
        "--key", default=os.environ.get("LEADJOBS_API_KEY"), help="API key (env LEADJOBS_API_KEY)"
    )


def register(commands: argparse._SubParsersAction[Any]) -> None:
    submit = commands.add_parser("submit", help="submit a job through the API")
    kinds = submit.add_subparsers(dest="kind", required=True, metavar="KIND")
    scrape = kinds.add_parser("scrape", help="submit a scrape job")
    scrape.add_argument("--keywords", required=True)
    for flag in ("title", "location", "industry"):
        scrape.add_argument(f"--{flag}", action="append", default=[], help="repeatable")
    scrape.add_argument("--company-size", action="append", default=[], choices=COMPANY_SIZES)
    scrape.add_argument("--max-pages", type=int, default=10)
    scrape.add_argument("--max-results", type=int, default=250)
    scrape.add_argument("--only-new", action="store_true")
    scrape.add_argument("--simulate-total-results", type=int)
    scrape.add_argument("--simulate-transient-failures", type=int)
    scrape.add_argument("--simulate-permanent-failure-at-page", type=int)
    _common_submit_options(scrape)
    scrape.set_defaults(run=_submit, build=_scrape_params)

    enrich = kinds.add_parser("enrich", help="submit an enrich job")
    source = enrich.add_mutually_exclusive_group(required=True)
    source.add_argument("--source-job", type=uuid.UUID, help="a finished scrape job's id")
    source.add_argument(
        "--leads-file", type=Path, help='JSON list of {"profile_url"} or {"full_name", ...}'
    )
    enrich.add_argument("--simulate-not-found-rate", type=float)
    _common_submit_options(enrich)
    enrich.set_defaults(run=_submit, build=_enrich_params)

    watch = commands.add_parser("watch", help="show a job's progress until it ends")
    watch.add_argument("job_id", type=uuid.UUID)
    _connection_options(watch)
    watch.set_defaults(run=_watch)

    results = commands.add_parser("results", help="download a job's results")
    results.add_argument("job_id", type=uuid.UUID)
    results.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    results.add_argument("-o", "--output", type=Path, required=True)
    _connection_options(results)
    results.set_defaults(run=_results)


def _common_submit_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--run-at", help="RFC 3339 start time, e.g. 2026-12-05T09:00:00Z")
    parser.add_argument("--webhook-url")
    parser.add_argument("--simulate-latency-ms", type=int)
    parser.add_argument("--wait", action="store_true", help="show progress until the job ends")
    parser.add_argument("--json", action="store_true", help="print the job as JSON")
    _connection_options(parser)


def _given(args: argparse.Namespace, **fields: object) -> dict[str, object]:
    """The options that were given, so the server applies its own defaults for the rest."""
    return {name: value for name, value in fields.items() if value not in (None, [], False)}


def _scrape_params(args: argparse.Namespace) -> ScrapeParams:
    simulate = _given(
        args,
        latency_ms=args.simulate_latency_ms,
        total_results=args.simulate_total_results,
        transient_failures_per_page=args.simulate_transient_failures,
        permanent_failure_at_page=args.simulate_permanent_failure_at_page,
    )
    search = SearchSpec(
        keywords=args.keywords,
        titles=args.title,
        locations=args.location,
        industries=args.industry,
        company_sizes=args.company_size,
    )
    body = {
        "search": msgspec.to_builtins(search),
        "max_pages": args.max_pages,
        "max_results": args.max_results,
        "only_new": args.only_new,
        **_given(args, run_at=args.run_at, webhook_url=args.webhook_url),
        **({"simulate": msgspec.convert(simulate, ScrapeSimulation)} if simulate else {}),
    }
    return _validated(body, ScrapeParams)


def _enrich_params(args: argparse.Namespace) -> EnrichParams:
    simulate = _given(
        args, latency_ms=args.simulate_latency_ms, not_found_rate=args.simulate_not_found_rate
    )
    body: dict[str, object] = {
        **_given(args, source_job_id=args.source_job, run_at=args.run_at),
        **_given(args, webhook_url=args.webhook_url),
        **({"simulate": msgspec.convert(simulate, EnrichSimulation)} if simulate else {}),
    }
    if args.leads_file is not None:
        try:
            raw = msgspec.json.decode(args.leads_file.read_bytes())
        except (OSError, msgspec.DecodeError) as exc:
            raise CliError(f"cannot read leads from {args.leads_file}: {exc}") from None
        body["leads"] = msgspec.convert(raw, list[EnrichLeadInput])
    return _validated(body, EnrichParams)


def _validated(body: dict[str, object], kind: type[_P]) -> _P:
    # The server validates again; checking here turns a typo into one line, with no request.
    try:
        return msgspec.convert(msgspec.to_builtins(body), kind)
    except msgspec.ValidationError as exc:
        raise CliError(f"invalid job: {exc}", exit_code=2) from None


def _client(args: argparse.Namespace) -> ApiClient:
    if not args.key:
        raise CliError("no API key: pass --key or set LEADJOBS_API_KEY", exit_code=2)
    return ApiClient(args.url, args.key)


def _submit(args: argparse.Namespace) -> int:
    params: JobParams = args.build(args)
    try:
        with _client(args) as api:
            job = api.submit(params)
            if not args.wait:
                _print_job(job, args.json)
                return 0
            print(f"submitted {job.kind} job {job.id}", file=sys.stderr)
            return _follow(api, job, args.json)
    except ApiError as exc:
        raise CliError(str(exc)) from None


def _watch(args: argparse.Namespace) -> int:
    try:
        with _client(args) as api:
            return _follow(api, api.job(args.job_id), as_json=False)
    except ApiError as exc:
        raise CliError(str(exc)) from None


def _follow(api: ApiClient, job: JobView, as_json: bool) -> int:
    """Show progress from the job's live event stream until it ends; exit 0 only if it
    succeeded. A broken stream is resumed after the last event seen."""
    progress = ProgressLine(sys.stderr, f"{job.kind} {str(job.id)[:8]}")
    progress.show(job)
    last_event = 0
    for _ in range(RECONNECTS):
        try:
            for event in api.events(job.id, after_id=last_event):
                last_event = event.id
                job = apply_event(job, event)
                progress.show(job)
        except ApiError as exc:
            if exc.status != 0:
                raise
            time.sleep(1)
            continue
        break
    job = api.job(job.id)
    progress.show(job)
    _print_job(job, as_json)
    return 0 if job.status == "succeeded" else 1


def _print_job(job: JobView, as_json: bool) -> None:
    if as_json:
        print(msgspec.json.encode(job).decode())
        return
    line = f"{job.kind} job {job.id}: {job.status}, {job.result_count} leads"
    if job.error is not None:
        line += f" ({job.error.type}: {job.error.message})"
    print(line)


def _results(args: argparse.Namespace) -> int:
    try:
        with _client(args) as api:
            written = api.download(args.job_id, args.format, args.output)
    except ApiError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"cannot write {args.output}: {exc}") from None
    print(f"wrote {written} bytes of {args.format} to {args.output.resolve()}")
    return 0
