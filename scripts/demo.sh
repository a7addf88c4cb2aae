#!/usr/bin/env bash
# With the worker running (scripts/dev.sh in another terminal), sends one chat
# and one group through it and prints what comes out on im.receipt.notify and of
# the query API:
#   1. alice sends bob a message (newMsg)          → the seq it was given
#   2. bob reads the conversation up to that seq   → the read receipt for alice
#   3. bob's unacked messages (API)                → none: read implies delivered
#   4. alice sends a group message, bob and carol read it
#      → its read count and who read it (API, paged by a cursor)
# Event ids and conversations are unique per run, so the demo can be repeated;
# records of earlier runs are ignored. A rejected event shows up from
# im.receipt.events.dlq instead.
#
#   scripts/demo.sh
#
# Environment: RECEIPTD_BROKERS (default: the local stack's), RECEIPTD_DEMO_TIMEOUT
# (seconds to wait for each answer, default 30), RECEIPTD_DEMO_API (the worker's
# query API, default http://127.0.0.1:8080), RECEIPTD_API_TOKEN (when it has one).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EVENTS=im.receipt.events
NOTIFY=im.receipt.notify
DLQ=im.receipt.events.dlq
TIMEOUT="${RECEIPTD_DEMO_TIMEOUT:-30}"
API="${RECEIPTD_DEMO_API:-http://127.0.0.1:8080}"
if [ -z "${RECEIPTD_BROKERS:-}" ]; then
  eval "$(bash "$ROOT/scripts/stack.sh" env)"
fi
BROKERS="$RECEIPTD_BROKERS"

log() { printf 'demo: %s\n' "$*" >&2; }
die() { printf 'demo: error: %s\n' "$*" >&2; exit 1; }

# kcat must use librdkafka >= 2.2: Debian's own 2.0.2 fails Tansu's ApiVersion
# handshake ("Read underflow"). scripts/setup.sh builds 2.8 into /usr/local/lib,
# which the dynamic linker finds first.
check_kcat() {
  command -v kcat >/dev/null || die "kcat not found; run scripts/setup.sh"
  local v
  v="$(kcat -V 2>&1 | grep -o 'librdkafka [0-9.]*' | head -n1 | cut -d' ' -f2)"
  [ -n "$v" ] || die "could not tell which librdkafka kcat uses (kcat -V)"
  if [ "$(printf '%s\n%s\n' 2.2.0 "$v" | sort -V | head -n1)" != 2.2.0 ]; then
    die "kcat uses librdkafka $v; Tansu needs >= 2.2 (run scripts/setup.sh; check that /usr/local/lib comes first in ld.so.conf)"
  fi
  timeout 10 kcat -L -b "$BROKERS" -t "$EVENTS" >/dev/null 2>&1 \
    || die "no broker answers at $BROKERS (scripts/stack.sh start)"
}

# produce KEY JSON
produce() {
  printf '%s\n' "$2" | kcat -P -b "$BROKERS" -t "$EVENTS" -k "$1"
  printf '\n→ %s  key=%s\n  %s\n' "$EVENTS" "$1" "$2"
}

# records TOPIC NEEDLE: every record of TOPIC whose key or value contains NEEDLE,
# one kcat JSON envelope per line.
records() {
  timeout 20 kcat -C -b "$BROKERS" -t "$1" -o beginning -e -J -q 2>/dev/null | grep -F -- "$2" || true
}

# Pretty-prints kcat JSON envelopes; with --seq prints only the first "seq" found.
show() {
  python3 -c '
import json, sys
want_seq = "--seq" in sys.argv
def find_seq(v):
    if isinstance(v, dict):
        if isinstance(v.get("seq"), int):
            return v["seq"]
        v = list(v.values())
    if isinstance(v, list):
        for x in v:
            s = find_seq(x)
            if s is not None:
                return s
    return None
for line in sys.stdin:
    rec = json.loads(line)
    try:
        value = json.loads(rec.get("payload") or "null")
    except ValueError:
        value = rec.get("payload")
    if want_seq:
        s = find_seq(value)
        if s is not None:
            print(s)
            break
        continue
    print("← %s  key=%s  partition=%s offset=%s" % (rec["topic"], rec.get("key"), rec["partition"], rec["offset"]))
    body = json.dumps(value, indent=2, sort_keys=True) if not isinstance(value, str) else value
    print("\n".join("  " + l for l in body.splitlines()))
' "$@"
}

# api PATH: GETs PATH from the query API and prints the answer.
api() {
  local auth=()
  if [ -n "${RECEIPTD_API_TOKEN:-}" ]; then auth=(-H "Authorization: Bearer $RECEIPTD_API_TOKEN"); fi
  printf '\n→ GET %s\n  ' "$1"
  curl -fsS ${auth[@]+"${auth[@]}"} "$API$1" || die "the query API at $API did not answer $1"
  printf '\n'
}

# await EVENT_ID: waits until a notification mentions EVENT_ID, prints them all;
# fails if the event went to the DLQ or nothing came within the timeout.
await() {
  local id="$1" deadline out
  deadline=$((SECONDS + TIMEOUT))
  while true; do
    out="$(records "$NOTIFY" "$id")"
    if [ -n "$out" ]; then
      printf '%s\n' "$out" | show
      LAST="$out"
      return 0
    fi
    out="$(records "$DLQ" "$id")"
    if [ -n "$out" ]; then
      printf '%s\n' "$out" | show
      die "the worker rejected $id (record above, from $DLQ)"
    fi
    if ((SECONDS >= deadline)); then
      die "no notification for $id on $NOTIFY within ${TIMEOUT}s; is the worker running (scripts/dev.sh)?"
    fi
    sleep 1
  done
}

check_kcat
RUN="demo-$(date +%s)-$$"
CONV=si_alice_bob
log "brokers $BROKERS, run id $RUN"

produce "$CONV" "{\"eventID\":\"$RUN-e1\",\"type\":\"newMsg\",\"userID\":\"alice\",\"conversationID\":\"$CONV\",\"sessionType\":1,\"clientMsgID\":\"$RUN-m1\",\"peerUserID\":\"bob\"}"
await "$RUN-e1"
SEQ="$(printf '%s\n' "$LAST" | show --seq)"
if [ -z "$SEQ" ]; then
  log "no \"seq\" field in the answer; bob reads up to seq 1"
  SEQ=1
fi

produce "$CONV" "{\"eventID\":\"$RUN-e2\",\"type\":\"markConversationAsRead\",\"userID\":\"bob\",\"conversationID\":\"$CONV\",\"sessionType\":1,\"hasReadSeq\":$SEQ,\"peerUserID\":\"alice\"}"
await "$RUN-e2"

# Read implies delivered: bob read it, so it is not listed as unacked.
api "/v1/users/bob/conversations/$CONV/unacked"

GROUP="sg_demo_$RUN"
produce "$GROUP" "{\"eventID\":\"$RUN-g1\",\"type\":\"newMsg\",\"userID\":\"alice\",\"conversationID\":\"$GROUP\",\"sessionType\":3,\"clientMsgID\":\"$RUN-m2\"}"
await "$RUN-g1"
for reader in bob carol; do
  produce "$GROUP" "{\"eventID\":\"$RUN-r-$reader\",\"type\":\"markConversationAsRead\",\"userID\":\"$reader\",\"conversationID\":\"$GROUP\",\"sessionType\":3,\"hasReadSeq\":1}"
  await "$RUN-r-$reader"
done
api "/v1/conversations/$GROUP/messages/1/read-count"
api "/v1/conversations/$GROUP/messages/1/readers?limit=2"

# A private read: dave's own devices are told, the group is not, and the read
# count stays where it was; dave's read-state counts it.
produce "$GROUP" "{\"eventID\":\"$RUN-p-dave\",\"type\":\"markConversationAsRead\",\"userID\":\"dave\",\"conversationID\":\"$GROUP\",\"sessionType\":3,\"hasReadSeq\":1,\"private\":true}"
await "$RUN-p-dave"
api "/v1/conversations/$GROUP/messages/1/read-count"
api "/v1/users/dave/read-state?conversationIDs=$GROUP"
printf '\n'
log "done: alice's message got seq $SEQ, bob's read receipt came out on $NOTIFY, and the API answered who read what"
