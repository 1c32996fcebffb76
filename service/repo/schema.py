"""The tables, as SQLAlchemy Core metadata. Alembic migrations are the source of the
schema; CI runs ``alembic check`` so these definitions and the migrations never drift.

Concurrency rules live here as constraints: a lead is unique per key, a page is
checkpointed once per job, a job's timestamps and error agree with its status.
Constraint names are predictable (``NAMING``) so a violation maps to a domain
error by name.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

__all__ = [
    "api_keys",
    "idempotency_keys",
    "job_events",
    "job_leads",
    "job_pages",
    "jobs",
    "leads",
    "metadata",
    "outbox",
    "rate_buckets",
]

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

NOW = text("now()")
TERMINAL = "('succeeded', 'failed', 'cancelled')"
# UTC calendar days, as the reporting views group by them.
CREATED_DAY = "((created_at AT TIME ZONE 'UTC')::date)"
FINISHED_DAY = "((finished_at AT TIME ZONE 'UTC')::date)"


def _ts(name: str, *, nullable: bool = True) -> Column[object]:
    if nullable:
        return Column(name, DateTime(timezone=True), nullable=True)
    return Column(name, DateTime(timezone=True), nullable=False, server_default=NOW)


def _count(name: str) -> Column[object]:
    return Column(name, Integer, nullable=False, server_default=text("0"))


api_keys = Table(
    "api_keys",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", Text, nullable=False),
    Column("key_hash", Text, nullable=False, unique=True),
    Column("key_prefix", Text, nullable=False),
    Column("webhook_secret", Text, nullable=False),
    Column("rate_per_minute", Integer, nullable=False, server_default=text("60")),
    Column("burst", Integer, nullable=False, server_default=text("20")),
    Column("max_running", Integer, nullable=False, server_default=text("5")),
    _ts("created_at", nullable=False),
    _ts("revoked_at"),
    CheckConstraint("rate_per_minute > 0 AND burst > 0 AND max_running > 0", name="limits"),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("api_key_id", UUID(as_uuid=True), ForeignKey("api_keys.id"), nullable=False),
    Column("kind", Text, nullable=False),
    Column("status", Text, nullable=False),
    # The decoded parameters, defaults filled in: what the service and its SQL read.
    Column("params", JSONB, nullable=False),
    # The request body as the client sent it: what the job's view shows (null for
    # jobs created before it was kept).
    Column("submitted", JSONB),
    _ts("created_at", nullable=False),
    _ts("run_at"),
    _ts("started_at"),
    _ts("finished_at"),
    # Last state change or progress: what stuck-job repair measures silence by.
    _ts("updated_at", nullable=False),
    # Which run of the job this is: 1, then one more per resume.
    Column("run", Integer, nullable=False, server_default=text("1")),
    # The one message that may advance the job carries this number; any other is stale.
    Column("dispatch_seq", Integer, nullable=False, server_default=text("0")),
    # Failed attempts at the job's next page or batch, in this run.
    _count("page_attempts"),
    _count("pages_done"),
    Column("pages_total", Integer, nullable=True),
    _count("items_done"),
    _count("result_count"),
    _count("enriched_count"),
    _count("not_found_count"),
    _count("failed_count"),
    Column("error_type", Text, nullable=True),
    Column("error_message", Text, nullable=True),
    Column("error_page", Integer, nullable=True),
    Column("cancel_requested", Boolean, nullable=False, server_default=text("false")),
    # Jobs submitted together in one batch share it.
    Column("batch_id", UUID(as_uuid=True), nullable=True),
    # Set while a queued job waits for one of its key's running slots (no message).
    _ts("held_since"),
    CheckConstraint("kind IN ('scrape', 'enrich')", name="kind"),
    CheckConstraint("status <> 'scheduled' OR run_at IS NOT NULL", name="scheduled_run_at"),
    CheckConstraint("held_since IS NULL OR status = 'queued'", name="held_only_queued"),
    CheckConstraint(
        "status IN ('scheduled', 'queued', 'running', 'succeeded', 'failed', 'cancelled')",
        name="status",
    ),
    CheckConstraint(f"(status IN {TERMINAL}) = (finished_at IS NOT NULL)", name="finished_at"),
    CheckConstraint("(status = 'failed') = (error_type IS NOT NULL)", name="error"),
    CheckConstraint(
        "error_type IN ('provider_unavailable', 'provider_rejected', 'invalid_input', 'internal')",
        name="error_type",
    ),
    CheckConstraint(
        "pages_done >= 0 AND items_done >= 0 AND result_count >= 0 AND page_attempts >= 0",
        name="counters",
    ),
    # History (GET /v1/jobs) is newest first per key, filtered by any of status, kind
    # and batch: each filter has an index in that order, and the time-range filters
    # and the keyset cursor are ranges on its tail.
    Index("ix_jobs_api_key_id_created_at", "api_key_id", text("created_at DESC"), text("id DESC")),
    Index(
        "ix_jobs_api_key_id_status_created_at",
        "api_key_id",
        "status",
        text("created_at DESC"),
        text("id DESC"),
    ),
    Index(
        "ix_jobs_api_key_id_status_kind_created_at",
        "api_key_id",
        "status",
        "kind",
        text("created_at DESC"),
        text("id DESC"),
    ),
    Index(
        "ix_jobs_api_key_id_kind_created_at",
        "api_key_id",
        "kind",
        text("created_at DESC"),
        text("id DESC"),
    ),
    Index(
        "ix_jobs_api_key_id_batch_id_created_at",
        "api_key_id",
        "batch_id",
        text("created_at DESC"),
        text("id DESC"),
        postgresql_where=text("batch_id IS NOT NULL"),
    ),
    # The scheduler's, the slot filler's and retention's scans.
    Index(
        "ix_jobs_held", "api_key_id", "held_since", postgresql_where=text("held_since IS NOT NULL")
    ),
    Index("ix_jobs_due", "run_at", postgresql_where=text("status = 'scheduled'")),
    Index("ix_jobs_finished_at", "finished_at", postgresql_where=text(f"status IN {TERMINAL}")),
    # The reporting views' days (migration 0004): a range of days reads only those rows.
    Index("ix_jobs_api_key_id_created_day", "api_key_id", text(CREATED_DAY)),
    Index("ix_jobs_created_day", text(CREATED_DAY)),
    Index("ix_jobs_failed_day", text(FINISHED_DAY), postgresql_where=text("status = 'failed'")),
    # Only the status, which changes a few times per job: the counters, dispatch_seq and
    # updated_at change on every page, and leaving them out of every index lets those
    # updates be HOT (no index writes), with room on the page for the new row version.
    Index(
        "ix_jobs_active",
        "status",
        postgresql_where=text("status IN ('scheduled', 'queued', 'running')"),
    ),
    postgresql_with={"fillfactor": "70"},
)

job_pages = Table(
    "job_pages",
    metadata,
    Column("job_id", UUID(as_uuid=True), ForeignKey("jobs.id", ondelete="CASCADE")),
    Column("page", Integer, nullable=False),
    Column("run", Integer, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("fetched", Integer, nullable=False),
    Column("stored", Integer, nullable=False),
    _ts("done_at", nullable=False),
    PrimaryKeyConstraint("job_id", "page"),
)

leads = Table(
    "leads",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("api_key_id", UUID(as_uuid=True), ForeignKey("api_keys.id"), nullable=False),
    # The provider's stable identity: normalized profile URL, else provider id, else name@company.
    Column("lead_key", Text, nullable=False),
    Column("provider_id", Text, nullable=True),
    *(
        Column(name, Text, nullable=True)
        for name in (
            "profile_url",
            "full_name",
            "first_name",
            "last_name",
            "title",
            "company",
            "company_domain",
            "location",
            "industry",
            "company_size",
            "email",
            "email_status",
            "phone",
            "enrichment_status",
        )
    ),
    _ts("enriched_at"),
    _ts("first_seen_at", nullable=False),
    _ts("last_seen_at", nullable=False),
    UniqueConstraint("api_key_id", "lead_key"),
    CheckConstraint(
        "enrichment_status IN ('enriched', 'not_found', 'failed')", name="enrichment_status"
    ),
)

job_leads = Table(
    "job_leads",
    metadata,
    Column("job_id", UUID(as_uuid=True), ForeignKey("jobs.id", ondelete="CASCADE")),
    # No cascade: retention deletes only leads nothing links to, and a link made
    # meanwhile must stop that delete rather than vanish with the lead.
    Column("lead_id", BigInteger, ForeignKey("leads.id")),
    # Order of the lead in the job's results; results pages are keyed on it.
    Column("position", Integer, nullable=False),
    # An enrich job's outcome for this lead.
    Column("enrichment_status", Text, nullable=True),
    # Lead first: the key also finds a lead's links (orphan checks, the foreign key),
    # so two indexes serve what would otherwise take three.
    PrimaryKeyConstraint("lead_id", "job_id"),
    UniqueConstraint("job_id", "position"),
    CheckConstraint(
        "enrichment_status IN ('enriched', 'not_found', 'failed')", name="enrichment_status"
    ),
)

job_events = Table(
    "job_events",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("job_id", UUID(as_uuid=True), ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
    Column("type", Text, nullable=False),
    _ts("at", nullable=False),
    Column("data", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Index("ix_job_events_job_id_id", "job_id", "id"),
)

# Each key's token bucket for submissions, shared by every API process.
rate_buckets = Table(
    "rate_buckets",
    metadata,
    Column(
        "api_key_id",
        UUID(as_uuid=True),
        ForeignKey("api_keys.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("tokens", Float, nullable=False),
    _ts("refilled_at", nullable=False),
    # Submits refused for lack of tokens, for usage reporting.
    Column("rejected", BigInteger, nullable=False, server_default=text("0")),
)

# Idempotency-Key of a submit: the same key and body give back what was created.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("api_key_id", UUID(as_uuid=True), ForeignKey("api_keys.id"), nullable=False),
    Column("key", Text, nullable=False),
    Column("request_hash", Text, nullable=False),
    Column("job_ids", ARRAY(UUID(as_uuid=True)), nullable=False),
    _ts("created_at", nullable=False),
    PrimaryKeyConstraint("api_key_id", "key"),
    Index("ix_idempotency_keys_created_at", "created_at"),
)

# Messages to publish, written in the transaction that decides them and relayed
# to RabbitMQ after commit, so a crash between commit and publish loses nothing.
outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("actor", Text, nullable=False),
    Column("job_id", UUID(as_uuid=True), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("delay_ms", Integer, nullable=False, server_default=text("0")),
    _ts("created_at", nullable=False),
)
