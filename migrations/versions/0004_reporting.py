"""reporting: views over job history and a role that can read only them

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE = "leadjobs_reporting"
VIEWS = ("report_daily_jobs", "report_failures", "report_key_usage")

# Days are UTC calendar days. The expressions match the indexes below, so a filter on
# `day` (and `api_key_id`) reads only the rows of those days.
CREATED_DAY = "((created_at AT TIME ZONE 'UTC')::date)"
FINISHED_DAY = "((finished_at AT TIME ZONE 'UTC')::date)"

DAILY = f"""
CREATE VIEW report_daily_jobs AS
SELECT {CREATED_DAY} AS day,
       api_key_id,
       kind,
       status,
       count(*) AS jobs,
       sum(pages_done) AS pages,
       sum(result_count) AS leads,
       round(percentile_cont(0.5) WITHIN GROUP (
           ORDER BY extract(epoch FROM finished_at - started_at))::numeric, 3) AS p50_seconds,
       round(percentile_cont(0.95) WITHIN GROUP (
           ORDER BY extract(epoch FROM finished_at - started_at))::numeric, 3) AS p95_seconds
FROM jobs
GROUP BY 1, 2, 3, 4
"""

FAILURES = f"""
CREATE VIEW report_failures AS
SELECT {FINISHED_DAY} AS day,
       api_key_id,
       kind,
       error_type,
       count(*) AS jobs,
       max(finished_at) AS last_failed_at,
       (array_agg(error_message ORDER BY finished_at DESC))[1] AS last_message
FROM jobs
WHERE status = 'failed'
GROUP BY 1, 2, 3, 4
"""

KEY_USAGE = """
CREATE VIEW report_key_usage AS
SELECT k.id AS api_key_id,
       k.name AS key_name,
       k.created_at AS key_created_at,
       k.revoked_at AS key_revoked_at,
       coalesce(j.jobs, 0) AS jobs,
       coalesce(j.succeeded, 0) AS succeeded,
       coalesce(j.failed, 0) AS failed,
       coalesce(j.cancelled, 0) AS cancelled,
       coalesce(j.pages, 0) AS pages,
       coalesce(j.leads, 0) AS leads,
       coalesce(b.rejected, 0) AS rate_limited,
       j.last_job_at
FROM api_keys k
LEFT JOIN (
    SELECT api_key_id,
           count(*) AS jobs,
           count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
           count(*) FILTER (WHERE status = 'failed') AS failed,
           count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
           sum(pages_done) AS pages,
           sum(result_count) AS leads,
           max(created_at) AS last_job_at
    FROM jobs
    GROUP BY api_key_id
) j ON j.api_key_id = k.id
LEFT JOIN rate_buckets b ON b.api_key_id = k.id
"""


def upgrade() -> None:
    op.execute(f"CREATE INDEX ix_jobs_api_key_id_created_day ON jobs (api_key_id, {CREATED_DAY})")
    op.execute(f"CREATE INDEX ix_jobs_created_day ON jobs ({CREATED_DAY})")
    op.execute(
        f"CREATE INDEX ix_jobs_failed_day ON jobs ({FINISHED_DAY}) WHERE status = 'failed'"
    )
    for view in (DAILY, FAILURES, KEY_USAGE):
        op.execute(view)
    # Roles belong to the cluster, not the database: another database may have made it.
    op.execute(f"""
        DO $$ BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ROLE}') THEN
                CREATE ROLE {ROLE} NOLOGIN;
            END IF;
        END $$""")
    op.execute(f"GRANT USAGE ON SCHEMA public TO {ROLE}")
    # Views run with their owner's rights, so the role reads them and no table.
    op.execute(f"GRANT SELECT ON {', '.join(VIEWS)} TO {ROLE}")


def downgrade() -> None:
    for view in reversed(VIEWS):
        op.execute(f"DROP VIEW {view}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {ROLE}")
    # Still granted something in another database: leave it to that one.
    op.execute(f"""
        DO $$ BEGIN
            DROP ROLE IF EXISTS {ROLE};
        EXCEPTION WHEN dependent_objects_still_exist THEN NULL;
        END $$""")
    op.execute("DROP INDEX ix_jobs_failed_day")
    op.execute("DROP INDEX ix_jobs_created_day")
    op.execute("DROP INDEX ix_jobs_api_key_id_created_day")
