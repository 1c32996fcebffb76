"""Corrections to the OpenAPI document Litestar generates from our types."""

from __future__ import annotations

from litestar import Litestar
from litestar.openapi.spec import Reference, Schema

__all__ = ["document_job_kinds"]

KINDS = ("ScrapeParams", "EnrichParams")


def document_job_kinds(app: Litestar) -> None:
    """``kind`` is optional on /v1/jobs/scrape and /enrich, whose path names it, and
    required of each job in a batch, where it says which one the job is.

    Both use the same tagged structs, which the generated document marks as always
    requiring ``kind``. Litestar builds the document once, so fixing it here holds.
    """
    openapi = app.openapi_schema
    schemas = openapi.components.schemas or {}
    for name in KINDS:
        schema = schemas[name]
        schema.required = [field for field in schema.required or [] if field != "kind"] or None
    batch = schemas["BatchSubmit"].properties or {}
    items = batch["jobs"]
    assert isinstance(items, Schema)
    assert isinstance(items.items, Schema)
    items.items.one_of = [
        Schema(all_of=[Reference(ref=f"#/components/schemas/{name}")], required=["kind"])
        for name in KINDS
    ]
