#!/usr/bin/env bash
# Peak memory of a real `receiptd run` under the hostile inputs that amplify (issue
# 21): a few small records that make the worker read, list or hold much more.
#
#   Benchmarks/attacks/amplify.sh <receiptd binary> <scenario> [scale]
#
# Scenarios:
#   group-read-flood  one group with 10,000 messages, then `scale` (default 3,000)
#                     members each read everything: every read would list 10,000 seqs.
#   gapped-acks       `scale` (default 200) single chats of 20,000 messages whose
#                     recipients acked every other seq (10,000 marks each), then one
#                     more ack from each of them in one burst: every ack reads its
#                     recipient's 10,000 marks back and writes them again.
#   marked-burst      `scale` (default 300) single chats whose recipient holds 10,000
#                     delivery marks (written straight into Redis: building them from
#                     events takes 20,000 messages a chat), then one ack from each,
#                     produced while the worker is stopped (SIGSTOP) so that they all
#                     come in one poll: one batch whose users hold scale × 10,000
#                     marks. The worker's --max-marks-read-mib cuts it.
#
# The stack comes from RECEIPTD_BROKERS, RECEIPTD_REDIS_URL and RECEIPTD_POSTGRES_URL
# (start a second one with scripts/stack.sh and RECEIPTD_STACK_* ports, as
# BENCHMARKS.md describes). Prints one line: the worker's RSS and peak RSS (VmHWM)
# before the attack, its peak RSS after it, in MiB, and how long the attack took
# to be checkpointed. The worker runs with the shipped defaults.
set -euo pipefail

binary="${1:?usage: amplify.sh <receiptd binary> <scenario> [scale]}"
scenario="${2:?usage: amplify.sh <receiptd binary> <scenario> [scale]}"
brokers="${RECEIPTD_BROKERS:?set RECEIPTD_BROKERS}"
postgres="${RECEIPTD_POSTGRES_URL:?set RECEIPTD_POSTGRES_URL}"
: "${RECEIPTD_REDIS_URL:?set RECEIPTD_REDIS_URL}"

run_id="amp$(date +%s)$RANDOM"
events="$run_id.events"
work="$(mktemp -d)"
trap 'kill "${worker:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

# Writes `count` event lines (key TAB value) of one phase of the scenario to stdout.
generate() {
    python3 - "$scenario" "$1" "${scale:-}" "$run_id" <<'PY'
import json, sys
scenario, phase, scale, run = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
def line(event):
    print(event["conversationID"] + "\t" + json.dumps(event, separators=(",", ":")))
n = 0
def eid():
    global n
    n += 1
    return f"{run}-{phase}-{n}"
if scenario == "group-read-flood":
    members = int(scale or 3000)
    cid = f"sg_{run}"
    if phase == "setup":
        for m in range(1, 10_001):
            line({"eventID": eid(), "type": "newMsg", "userID": "owner", "conversationID": cid,
                  "sessionType": 2, "clientMsgID": f"m{m}"})
    else:
        for u in range(members):
            line({"eventID": eid(), "type": "markConversationAsRead", "userID": f"u{u}", "conversationID": cid,
                  "sessionType": 2, "hasReadSeq": 10_000})
elif scenario == "gapped-acks":
    chats = int(scale or 200)
    if phase == "setup":
        for c in range(chats):
            cid = f"si_{run}_{c}"
            for m in range(1, 20_001):
                line({"eventID": eid(), "type": "newMsg", "userID": "s", "conversationID": cid,
                      "sessionType": 1, "clientMsgID": f"m{m}", "peerUserID": "r"})
        for c in range(chats):
            cid = f"si_{run}_{c}"
            for start in range(2, 20_001, 2_000):
                line({"eventID": eid(), "type": "msgDelivered", "userID": "r", "conversationID": cid,
                      "sessionType": 1, "peerUserID": "s", "seqs": list(range(start, start + 2_000, 2))})
    else:
        for c in range(chats):
            line({"eventID": eid(), "type": "msgDelivered", "userID": "r", "conversationID": f"si_{run}_{c}",
                  "sessionType": 1, "peerUserID": "s", "seqs": [1]})
elif scenario == "marked-burst":
    chats = int(scale or 300)
    if phase == "redis":
        # RESP commands for redis-cli --pipe: each chat's counter at 20,000 and its
        # recipient's marks at every even seq (key layout 2: RedisKeys).
        out = sys.stdout.buffer
        def command(*words):
            out.write(b"*%d\r\n" % len(words))
            for word in words:
                data = str(word).encode()
                out.write(b"$%d\r\n%s\r\n" % (len(data), data))
        for c in range(chats):
            cid = f"si_{run}_{c}"
            command("SET", "rcpt:{" + cid + "}:seq", 20_000)
            marks = []
            for seq in range(2, 20_001, 2):
                marks += [seq, seq]
            command("ZADD", "rcpt:{" + cid + "}:dx:r", *marks)
    elif phase == "attack":
        for c in range(chats):
            line({"eventID": eid(), "type": "msgDelivered", "userID": "r", "conversationID": f"si_{run}_{c}",
                  "sessionType": 1, "peerUserID": "s", "seqs": [1]})
else:
    sys.exit(f"unknown scenario {scenario}")
PY
}

scale="${3:-}"
generate setup >"$work/setup.tsv"
generate attack >"$work/attack.tsv"
setup_count=$(wc -l <"$work/setup.tsv")
attack_count=$(wc -l <"$work/attack.tsv")

for topic in "$events" "$run_id.notify" "$run_id.dlq"; do
    kcat -b "$brokers" -P -t "$topic" </dev/null 2>/dev/null || true
done

port=$((20000 + RANDOM % 10000))
RECEIPTD_HTTP_PORT=$port RECEIPTD_GROUP="$run_id" RECEIPTD_EVENTS_TOPIC="$events" \
    RECEIPTD_NOTIFY_TOPIC="$run_id.notify" RECEIPTD_DLQ_TOPIC="$run_id.dlq" \
    "$binary" run --migrate --log-level warning >"$work/worker.log" 2>&1 &
worker=$!
for _ in $(seq 1 120); do
    curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.5
done

checkpointed() {
    psql -X -tA "$postgres" -c \
        "SELECT coalesce(sum(next_offset), 0) FROM consumer_checkpoint WHERE group_id = '$run_id'"
}
wait_for() {
    local target=$1
    for _ in $(seq 1 1200); do
        [ "$(checkpointed)" -ge "$target" ] && return 0
        kill -0 "$worker" 2>/dev/null || { tail -5 "$work/worker.log" >&2; exit 1; }
        sleep 0.5
    done
    echo "timed out waiting for $target records to be checkpointed" >&2
    exit 1
}
rss() { awk -v field="$1" '$1 == field":" { printf "%.1f", $2 / 1024 }' "/proc/$worker/status"; }

kcat -b "$brokers" -P -t "$events" -K $'\t' -z lz4 <"$work/setup.tsv"
wait_for "$setup_count"
if [ "$scenario" = marked-burst ]; then
    generate redis | redis-cli -u "$RECEIPTD_REDIS_URL" --pipe >/dev/null
fi
sleep 2
before=$(rss VmRSS)
peak_before=$(rss VmHWM)
started=$(date +%s.%N)
[ "$scenario" = marked-burst ] && kill -STOP "$worker"
kcat -b "$brokers" -P -t "$events" -K $'\t' -z lz4 <"$work/attack.tsv"
[ "$scenario" = marked-burst ] && kill -CONT "$worker"
wait_for $((setup_count + attack_count))
took=$(echo "$(date +%s.%N) - $started" | bc)
peak=$(rss VmHWM)
echo "scenario=$scenario scale=${scale:-default} setup=$setup_count attack=$attack_count rss_before_mib=$before peak_before_mib=$peak_before peak_rss_mib=$peak attack_seconds=$took"
