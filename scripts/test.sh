#!/usr/bin/env bash
# The whole test suite, as CI runs it: lint, format, types, then pytest against the
# PostgreSQL and RabbitMQ on localhost (each run makes and drops its own database
# and queues). The dashboard tests need Debian's chromium, installed when missing.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install.sh
scripts/install-browser.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy service
.venv/bin/pytest "$@"
