#!/usr/bin/env bash
# `npm run bench`: builds, makes sure Kafka/PostgreSQL/Redis are up (scripts/services.sh), then runs
# the benchmark suite. Arguments go to the harness, e.g. `npm run bench -- --smoke` or `--runs 5`.
# The audit benchmarks run the same way with their own arguments (see docs/benchmarks.md):
#   npm run bench -- audit-ingest [--events 200000 --batch 2000 …]   (scripts/bench/audit-ingest-bench.js)
#   npm run bench -- audit-query [--rows 10000000 …]                 (scripts/bench/audit-query-bench.js)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f node_modules/.package-lock.json ] || npm ci --no-audit --no-fund
npm run --silent build
bash scripts/services.sh up
eval "$(bash scripts/services.sh env)"
case "${1:-}" in
  audit-ingest | audit-query)
    script="scripts/bench/$1-bench.js"
    shift
    exec node "$script" "$@"
    ;;
esac
started_ms=$(($(date +%s) * 1000))
status=0
node dist/test/load/bench.js "$@" || status=$?
# The harness's distributed runs make their topics under test prefixes; drop them (scripts/lib/kafka-topics.js).
node scripts/lib/kafka-topics.js prune-tests --since "$started_ms"
exit "$status"
