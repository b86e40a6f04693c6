#!/usr/bin/env bash
# `npm run bench`: builds, makes sure Kafka/PostgreSQL/Redis are up (scripts/services.sh), then runs
# the benchmark suite. Arguments go to the harness, e.g. `npm run bench -- --smoke` or `--runs 5`.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f node_modules/.package-lock.json ] || npm ci --no-audit --no-fund
npm run --silent build
bash scripts/services.sh up
eval "$(bash scripts/services.sh env)"
exec node dist/test/load/bench.js "$@"
