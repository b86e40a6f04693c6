#!/usr/bin/env bash
# The whole Portcullis test suite on a fresh machine: installs dependencies, starts PostgreSQL,
# Redis and Kafka (scripts/services.sh, reusing running ones and honouring DATABASE_URL, REDIS_URL,
# KAFKA_BROKERS), builds, lints, type-checks, and runs unit, integration and end-to-end tests.
# Ends with one line: "N passed, N failed".
#
#   scripts/test.sh            everything
#   scripts/test.sh unit       only unit tests (no services needed)
#   scripts/test.sh <pattern>  test files whose path contains <pattern>
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
FILTER="${1:-all}"
PASSED=0
FAILED=0
FAILED_NAMES=()
log() { printf '\n[test] %s\n' "$*" >&2; }
check() { # name, command...
  local name=$1; shift
  log "$name"
  if "$@"; then PASSED=$((PASSED + 1)); else FAILED=$((FAILED + 1)); FAILED_NAMES+=("$name"); fi
}
summary() {
  echo
  if [ ${#FAILED_NAMES[@]} -gt 0 ]; then echo "Failed: ${FAILED_NAMES[*]}"; fi
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}

export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false CI="${CI:-true}"

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing dependencies (npm ci)"
  npm ci --no-audit --no-fund || { FAILED=$((FAILED + 1)); FAILED_NAMES+=("npm ci"); summary; exit 1; }
fi

if [ "$FILTER" != "unit" ]; then
  log "starting PostgreSQL, Redis and Kafka"
  # A Kafka this command has to start itself begins with empty storage: its topics are test
  # leftovers, and thousands of them make the broker slow to start. A running broker is reused as is.
  if ! KAFKA_FRESH_STORAGE="${KAFKA_FRESH_STORAGE:-1}" bash scripts/services.sh up; then
    FAILED=$((FAILED + 1)); FAILED_NAMES+=("services"); summary; exit 1
  fi
  eval "$(bash scripts/services.sh env)"
  # Topics and databases of test runs that ended without cleaning up (killed, crashed) more than 3 hours ago.
  node scripts/lib/kafka-topics.js prune-tests --older-than 180
  node scripts/lib/test-databases.js prune-tests --older-than 180
fi
RUN_STARTED_MS=$(($(date +%s) * 1000))

check "build (tsc, strict)" npm run --silent build || true
if [ "$FILTER" = "all" ]; then
  check "lint (eslint + Nx module boundaries)" npm run --silent lint
fi

mapfile -t FILES < <(find dist/apps dist/libs dist/test -name '*.test.js' 2>/dev/null | sort)
case "$FILTER" in
  all) ;;
  unit) mapfile -t FILES < <(printf '%s\n' "${FILES[@]}" | grep -v -e '\.int\.test\.js$' -e '\.e2e\.test\.js$') ;;
  *) mapfile -t FILES < <(printf '%s\n' "${FILES[@]}" | grep -e "$FILTER") ;;
esac
if [ ${#FILES[@]} -eq 0 ]; then
  log "no test files matched \"$FILTER\""
  FAILED=$((FAILED + 1)); FAILED_NAMES+=("no tests")
  summary; exit 1
fi

TAP="$ROOT/dist/test-results.tap"
log "running ${#FILES[@]} test files"
node --test --test-concurrency="${TEST_CONCURRENCY:-2}" --test-timeout="${TEST_TIMEOUT_MS:-240000}" \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$TAP" \
  "${FILES[@]}"
NODE_STATUS=$?
if [ "$FILTER" != "unit" ]; then
  # This run's own topics (each test made its own prefix) and any database a test failed to drop:
  # shared services stay small.
  node scripts/lib/kafka-topics.js prune-tests --since "$RUN_STARTED_MS"
  node scripts/lib/test-databases.js prune-tests --since "$RUN_STARTED_MS"
fi
T_PASS=$(grep -E '^# pass [0-9]+' "$TAP" | tail -1 | awk '{print $3}')
T_FAIL=$(grep -E '^# fail [0-9]+' "$TAP" | tail -1 | awk '{print $3}')
T_CANCEL=$(grep -E '^# cancelled [0-9]+' "$TAP" | tail -1 | awk '{print $3}')
PASSED=$((PASSED + ${T_PASS:-0}))
FAILED=$((FAILED + ${T_FAIL:-0} + ${T_CANCEL:-0}))
if [ "$NODE_STATUS" -ne 0 ] && [ "${T_FAIL:-0}" -eq 0 ] && [ "${T_CANCEL:-0}" -eq 0 ]; then
  FAILED=$((FAILED + 1)); FAILED_NAMES+=("test runner exit $NODE_STATUS")
fi
[ "${T_FAIL:-0}" -gt 0 ] && FAILED_NAMES+=("${T_FAIL} test(s)")
summary
