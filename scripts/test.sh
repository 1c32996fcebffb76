#!/usr/bin/env bash
# The whole test suite, as CI runs it: lint, format, types, then pytest against the
# PostgreSQL and RabbitMQ on localhost (each run makes and drops its own database
# and queues). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy service
.venv/bin/pytest "$@"
