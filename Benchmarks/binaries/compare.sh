#!/usr/bin/env bash
# Two receiptd binaries on the same load, alternated (base first in odd rounds, new
# first in even ones), each run on a fresh second stack (scripts/stack.sh, ports
# below 32768) with one Redis. For every run it prints events/s, receiptd's CPU s
# and Redis's CPU s per million events (the growth of used_cpu_sys + used_cpu_user
# over the run), notifications per event and receiptd's peak RSS.
#
#   swift build -c release --product receiptd-bench
#   bash Benchmarks/binaries/compare.sh BASE_RECEIPTD NEW_RECEIPTD [ROUNDS (3)] [EVENTS (1000000)] [receiptd-bench run options…]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
[ "$#" -ge 2 ] || { echo "compare: usage: $0 BASE_RECEIPTD NEW_RECEIPTD [ROUNDS] [EVENTS] [bench options…]" >&2; exit 2; }
BASE="$1"; NEW="$2"; ROUNDS="${3:-3}"; EVENTS="${4:-1000000}"
shift $(( $# < 4 ? $# : 4 ))
BENCH="$ROOT/.build/release/receiptd-bench"
for binary in "$BASE" "$NEW" "$BENCH"; do
  [ -x "$binary" ] || { echo "compare: $binary is not an executable (see the header of $0)" >&2; exit 2; }
done

export RECEIPTD_STACK_DIR="${RECEIPTD_BENCH_STACK_DIR:-/tmp/receiptd-binaries-bench}"
export RECEIPTD_STACK_KAFKA_PORT=29192 RECEIPTD_STACK_REDIS_PORT=26479 RECEIPTD_STACK_POSTGRES_PORT=25532
trap 'bash scripts/stack.sh destroy >/dev/null 2>&1 || true' EXIT

redis_cpu() {
  redis-cli -p 26479 info cpu | tr -d '\r' | awk -F: '/^used_cpu_(sys|user):/ { s += $2 } END { printf "%.3f\n", s }'
}

run() {
  local name=$1 binary=$2 round=$3
  shift 3
  bash scripts/stack.sh destroy >/dev/null 2>&1
  bash scripts/stack.sh start >/dev/null 2>&1
  eval "$(bash scripts/stack.sh env)"
  local before after json="$RECEIPTD_STACK_DIR/run.json"
  before=$(redis_cpu)
  "$BENCH" run --mode receiptd --events "$EVENTS" --receiptd "$binary" --json "$json" "$@" \
    >/dev/null 2>"$RECEIPTD_STACK_DIR/bench.err" \
    || { tail -20 "$RECEIPTD_STACK_DIR/bench.err" >&2; echo "compare: the $name run failed" >&2; exit 1; }
  after=$(redis_cpu)
  python3 - "$json" "$name" "$round" "$before" "$after" "$EVENTS" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["scenarios"][0]
redis = (float(sys.argv[5]) - float(sys.argv[4])) * 1e6 / int(sys.argv[6])
print(f"| {sys.argv[3]} | {sys.argv[2]} | {s['eventsPerSecond']:,.0f} | {s.get('cpuSecondsPerMillionEvents') or 0:.2f} "
      f"| {redis:.2f} | {s['notifications'] / s['events']:.2f} | {s.get('peakRSSMiB') or 0:.1f} "
      f"| {'yes' if s['complete'] else 'NO'} |", flush=True)
PY
}

echo "| round | binary | events/s | receiptd CPU s/M | Redis CPU s/M | notifications/event | peak RSS MiB | complete |"
echo "|---|---|---|---|---|---|---|---|"
for round in $(seq 1 "$ROUNDS"); do
  if [ $((round % 2)) = 1 ]; then order="base new"; else order="new base"; fi
  for name in $order; do
    if [ "$name" = base ]; then run base "$BASE" "$round" "$@"; else run new "$NEW" "$round" "$@"; fi
  done
done
