#!/usr/bin/env bash
# The first command for a newcomer: installs what is missing, starts the local
# stack (scripts/stack.sh), builds receiptd in release mode and runs it against
# the stack in the foreground. Ctrl-C stops the worker; the stack keeps running
# (scripts/stack.sh stop). In another terminal: scripts/demo.sh.
#
#   scripts/dev.sh                 receiptd run
#   scripts/dev.sh run --help      any other receiptd arguments
#
# The worker reads its settings from the environment: RECEIPTD_BROKERS,
# RECEIPTD_REDIS_URL, RECEIPTD_POSTGRES_URL come from the stack; RECEIPTD_GROUP
# defaults to receiptd-dev here; anything else RECEIPTD_* you export is passed on.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf 'dev: %s\n' "$*" >&2; }

if [ "${RECEIPTD_SKIP_SETUP:-0}" != 1 ]; then
  bash scripts/setup.sh
fi
bash scripts/stack.sh start
eval "$(bash scripts/stack.sh env)"
export RECEIPTD_GROUP="${RECEIPTD_GROUP:-receiptd-dev}"
export RECEIPTD_MIGRATE="${RECEIPTD_MIGRATE:-true}"

log "swift build -c release --product receiptd (the first build takes several minutes)"
swift build -c release --product receiptd
BIN="$(swift build -c release --show-bin-path)/receiptd"
[ -x "$BIN" ] || { log "error: $BIN was not built"; exit 1; }

log "brokers $RECEIPTD_BROKERS, redis $RECEIPTD_REDIS_URL, postgres $RECEIPTD_POSTGRES_URL, group $RECEIPTD_GROUP"
log "running: $BIN ${*:-run}   (Ctrl-C stops it; the stack keeps running: scripts/stack.sh stop)"
if [ "$#" -eq 0 ]; then set -- run; fi
exec "$BIN" "$@"
