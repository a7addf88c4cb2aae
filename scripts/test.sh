#!/usr/bin/env bash
# The one test command (CI runs it through .ci/run):
#   installs what is missing (scripts/setup.sh), starts a dedicated test stack
#   (.local/test-stack, its own ports, so a dev stack from scripts/stack.sh keeps
#   running), exports RECEIPTD_TEST_*, builds, runs `swift test` with any extra
#   arguments, stops the stack whatever happens, and exits with swift test's status.
#
#   bash scripts/test.sh                        everything, then the cluster pass
#   bash scripts/test.sh --filter ReceiptCore   extra arguments go to `swift test`
#                                               (no cluster pass unless asked)
#
# The cluster pass runs every suite that uses the stack's Redis again, against a
# Redis Cluster of 3 primaries and 3 replicas (scripts/stack.sh cluster-start), with
# RECEIPTD_TEST_REDIS_TARGET=cluster: the workers, the query API and the checks in
# those tests then all go to the cluster.
#
# Environment: RECEIPTD_TEST_STACK_DIR (default .local/test-stack),
# RECEIPTD_TEST_STACK_KAFKA_PORT (19192), RECEIPTD_TEST_STACK_REDIS_PORT (16479),
# RECEIPTD_TEST_STACK_POSTGRES_PORT (15532), RECEIPTD_TEST_STACK_CLUSTER_PORT (17301,
# six nodes from there, bus ports 100 above), RECEIPTD_SKIP_SETUP=1 skips setup.sh,
# RECEIPTD_TEST_CLUSTER: 1 runs the cluster pass after a filtered run too, 0 skips
# it, only runs just it (with the extra arguments as its filter, if any).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf 'test: %s\n' "$*" >&2; }

# The test stack's own settings; never the dev stack's RECEIPTD_STACK_* values.
export RECEIPTD_STACK_DIR="${RECEIPTD_TEST_STACK_DIR:-$ROOT/.local/test-stack}"
export RECEIPTD_STACK_KAFKA_PORT="${RECEIPTD_TEST_STACK_KAFKA_PORT:-19192}"
export RECEIPTD_STACK_REDIS_PORT="${RECEIPTD_TEST_STACK_REDIS_PORT:-16479}"
export RECEIPTD_STACK_POSTGRES_PORT="${RECEIPTD_TEST_STACK_POSTGRES_PORT:-15532}"
export RECEIPTD_STACK_CLUSTER_PORT="${RECEIPTD_TEST_STACK_CLUSTER_PORT:-17301}"
# The suites that use the stack's Redis: the cluster pass runs them again.
CLUSTER_SUITES='IntegrationTests\.(QueryReadModelTests|ReadPathTests|ReceiptModelTests|GroupReadTests|DeadLetterTests|HostileInputTests|DurabilityTests|BenchSmokeTests)|ReceiptHTTPTests\.(RedisQueryTests|PostgresFallbackTests)'
if [ "$#" = 0 ]; then CLUSTER_PASS="${RECEIPTD_TEST_CLUSTER:-1}"; else CLUSTER_PASS="${RECEIPTD_TEST_CLUSTER:-0}"; fi
LOGS="$RECEIPTD_STACK_DIR/logs"
# Everything `swift test` prints, kept beside the stack logs (outside the stack
# directory, which `stack.sh destroy` removes).
TEST_OUTPUT="$ROOT/.local/swift-test-output.log"

STACK_STARTED=0
finish() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "${TEST_PID:-}" ]; then kill "$TEST_PID" 2>/dev/null || true; fi
  if [ "$STACK_STARTED" = 1 ]; then
    bash scripts/stack.sh stop || log "warning: stopping the test stack failed; see $LOGS"
  fi
  if [ "$rc" != 0 ] && [ -s "$TEST_OUTPUT" ]; then
    # CI keeps only the end of the output: the failures, one line each, go last.
    log "failures recorded in $TEST_OUTPUT:"
    grep -aE '✘|error:|Fatal error|Test Case .* failed|crashed|signal [0-9]' "$TEST_OUTPUT" \
      | grep -av '^%' | cut -c1-400 | tail -n 120 >&2 || true
  fi
  if [ "$rc" != 0 ]; then
    log "FAILED (exit $rc). Stack logs: $LOGS/kafka.log $LOGS/redis.log $LOGS/postgres.log"
  fi
  exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "${RECEIPTD_SKIP_SETUP:-0}" != 1 ]; then
  bash scripts/setup.sh
fi

# A fresh stack for every run: stop what an interrupted run may have left, and
# drop its data (the logs of the last run stay until the next one starts).
bash scripts/stack.sh destroy
mkdir -p "$(dirname "$TEST_OUTPUT")"
: > "$TEST_OUTPUT"
STACK_STARTED=1
bash scripts/stack.sh start || {
  log "the test stack did not start; its ports are RECEIPTD_TEST_STACK_KAFKA_PORT=$RECEIPTD_STACK_KAFKA_PORT, RECEIPTD_TEST_STACK_REDIS_PORT=$RECEIPTD_STACK_REDIS_PORT, RECEIPTD_TEST_STACK_POSTGRES_PORT=$RECEIPTD_STACK_POSTGRES_PORT"
  exit 1
}
eval "$(bash scripts/stack.sh env)"
log "stack: brokers $RECEIPTD_TEST_BROKERS, redis $RECEIPTD_TEST_REDIS_URL, postgres $RECEIPTD_TEST_POSTGRES_URL"

log "swift build --build-tests"
swift build --build-tests

# Runs `swift test` with the given arguments in the background, and waits for it.
# A test process that crashed has been seen to leave `swift test` waiting forever
# on its zombie: when the zombie is still there 30 s later, `swift test` is ended,
# so CI fails now instead of at its time limit.
run_swift_test() {
  log "swift test $*"
  set +e
  swift test "$@" > >(tee -a "$TEST_OUTPUT") 2>&1 &
  TEST_PID=$!
  while kill -0 "$TEST_PID" 2>/dev/null; do
    if ps --ppid "$TEST_PID" -o stat= 2>/dev/null | grep -q '^Z'; then
      sleep 30
      if ps --ppid "$TEST_PID" -o stat= 2>/dev/null | grep -q '^Z'; then
        log "the test process ended (crashed?) and swift test did not exit; stopping it"
        kill "$TEST_PID" 2>/dev/null
        break
      fi
    fi
    sleep 5
  done
  wait "$TEST_PID"
  local status=$?
  TEST_PID=""
  set -e
  return "$status"
}

rc=0
if [ "$CLUSTER_PASS" != only ]; then
  run_swift_test "$@" || rc=$?
  if [ "$rc" = 0 ]; then log "all tests passed"; fi
fi
if [ "$rc" = 0 ] && [ "$CLUSTER_PASS" != 0 ]; then
  bash scripts/stack.sh cluster-start
  eval "$(bash scripts/stack.sh env)"
  export RECEIPTD_TEST_REDIS_TARGET=cluster
  log "cluster pass: redis cluster $RECEIPTD_TEST_REDIS_CLUSTER_NODES"
  if [ "$CLUSTER_PASS" = only ] && [ "$#" != 0 ]; then
    run_swift_test --skip-build "$@" || rc=$?
  else
    run_swift_test --skip-build --filter "$CLUSTER_SUITES" || rc=$?
  fi
  if [ "$rc" = 0 ]; then log "cluster pass: all tests passed"; fi
fi
exit "$rc"
