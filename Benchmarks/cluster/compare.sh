#!/usr/bin/env bash
# The default mix against one Redis and against a Redis Cluster of 3 primaries (no
# replicas: the same number of copies as the single Redis), alternated, each run on
# a fresh second stack (scripts/stack.sh, ports below 32768), with the release
# binaries. For every run it prints events/s, receiptd's CPU s per million events,
# and Redis CPU s per million events: the growth of used_cpu_sys + used_cpu_user
# over the run, summed over the Redis processes (INFO cpu), with each primary's
# share for the cluster.
#
#   swift build -c release --product receiptd
#   swift build -c release --product receiptd-bench
#   bash Benchmarks/cluster/compare.sh [ROUNDS (3)] [EVENTS (1000000)]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
ROUNDS="${1:-3}"
EVENTS="${2:-1000000}"
BENCH="$ROOT/.build/release/receiptd-bench"
[ -x "$BENCH" ] && [ -x "$ROOT/.build/release/receiptd" ] || {
  echo "compare: build the release binaries first (see the header of $0)" >&2; exit 2; }

export RECEIPTD_STACK_DIR="${RECEIPTD_BENCH_STACK_DIR:-/tmp/receiptd-cluster-bench}"
export RECEIPTD_STACK_KAFKA_PORT=29192 RECEIPTD_STACK_REDIS_PORT=26479 RECEIPTD_STACK_POSTGRES_PORT=25532
export RECEIPTD_STACK_CLUSTER_PORT=27001 RECEIPTD_STACK_CLUSTER_REPLICAS=0
trap 'bash scripts/stack.sh destroy >/dev/null 2>&1 || true' EXIT

# used_cpu_sys + used_cpu_user of each port, one line each.
redis_cpu() {
  local port
  for port in "$@"; do
    redis-cli -p "$port" info cpu | tr -d '\r' | awk -F: '/^used_cpu_(sys|user):/ { s += $2 } END { printf "%.3f\n", s }'
  done
}

run() {
  local target=$1 round=$2 ports extra=()
  bash scripts/stack.sh destroy >/dev/null 2>&1
  bash scripts/stack.sh start >/dev/null 2>&1
  eval "$(bash scripts/stack.sh env)"
  if [ "$target" = cluster ]; then
    bash scripts/stack.sh cluster-start >/dev/null 2>&1
    eval "$(bash scripts/stack.sh env)"
    ports="27001 27002 27003"
    extra=(--worker-env "RECEIPTD_REDIS_CLUSTER_NODES=$RECEIPTD_TEST_REDIS_CLUSTER_NODES")
  else
    ports=26479
  fi
  # shellcheck disable=SC2086
  mapfile -t before < <(redis_cpu $ports)
  local json="$RECEIPTD_STACK_DIR/run.json"
  "$BENCH" run --mode receiptd --events "$EVENTS" --json "$json" "${extra[@]}" >/dev/null 2>"$RECEIPTD_STACK_DIR/bench.err" \
    || { tail -20 "$RECEIPTD_STACK_DIR/bench.err" >&2; echo "compare: the $target run failed" >&2; exit 1; }
  # shellcheck disable=SC2086
  mapfile -t after < <(redis_cpu $ports)
  local shares="" total=0 i
  for i in "${!before[@]}"; do
    local share; share=$(awk -v a="${after[$i]}" -v b="${before[$i]}" -v e="$EVENTS" 'BEGIN { printf "%.2f", (a - b) * 1000000 / e }')
    shares="${shares:+$shares/}$share"
    total=$(awk -v t="$total" -v s="$share" 'BEGIN { printf "%.2f", t + s }')
  done
  python3 - "$json" "$target" "$round" "$total" "$shares" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
s = report["scenarios"][0]
print(f"| {sys.argv[3]} | {sys.argv[2]} | {s['eventsPerSecond']:,.0f} | {s.get('cpuSecondsPerMillionEvents') or 0:.2f} "
      f"| {sys.argv[4]} | {sys.argv[5]} | {'yes' if s['complete'] else 'NO'} |", flush=True)
PY
}

echo "| round | Redis | events/s | receiptd CPU s/M | Redis CPU s/M | per process | complete |"
echo "|---|---|---|---|---|---|---|"
for round in $(seq 1 "$ROUNDS"); do
  if [ $((round % 2)) = 1 ]; then order="single cluster"; else order="cluster single"; fi
  for target in $order; do run "$target" "$round"; done
done
