#!/usr/bin/env bash
# The main job, end to end on this machine: install, migrate, start an API and a
# worker, run a simulated scrape job and an enrich job on its leads with live
# progress, write the enriched leads to a CSV file, then stop what it started.
# Needs PostgreSQL and RabbitMQ on localhost (see README).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install.sh
export PATH="$PWD/.venv/bin:$PATH"
export DATABASE_URL=${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/leadjobs}
export LEADJOBS_QUEUE_PREFIX=${LEADJOBS_QUEUE_PREFIX:-leadjobs_demo}
logs=$(mktemp -d)

leadjobs migrate
export LEADJOBS_API_KEY=$(leadjobs keys create --name "demo $(date +%FT%T)" --json |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["key"])')
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export LEADJOBS_URL="http://127.0.0.1:$port"

setsid leadjobs api --port "$port" >"$logs/api.log" 2>&1 &
api=$!
setsid leadjobs worker --processes 1 --threads 8 >"$logs/worker.log" 2>&1 &
worker=$!
stop() {
    kill -TERM "$api" "$worker" 2>/dev/null || true
    wait "$api" "$worker" 2>/dev/null || true
    echo "stopped the API and the worker (logs in $logs)"
}
trap stop EXIT

python3 - "$LEADJOBS_URL" <<'PY'
import sys, time, urllib.request
deadline = time.monotonic() + 30
while True:
    try:
        if urllib.request.urlopen(sys.argv[1] + "/readyz", timeout=2).status == 200:
            break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit("the API did not become ready; see its log")
        time.sleep(0.2)
PY
echo "API on $LEADJOBS_URL"

scrape=$(leadjobs submit scrape --keywords "head of growth" --title "VP Marketing" \
    --location Berlin --industry Software --max-pages 8 --simulate-latency-ms 150 --wait --json |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
enrich=$(leadjobs submit enrich --source-job "$scrape" --simulate-latency-ms 150 \
    --simulate-not-found-rate 0.1 --wait --json |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')

mkdir -p out
leadjobs results "$enrich" --format csv -o "out/leads-$enrich.csv"
echo "CSV of the enriched leads: $PWD/out/leads-$enrich.csv"
