#!/usr/bin/env bash
# The local stack receiptd runs and tests against: Tansu (Kafka API, in-memory
# storage), redis-server (no persistence) and PostgreSQL, started as this
# project's own processes on 127.0.0.1. Data, logs and pid files live in one
# folder git ignores (.local/stack, or $RECEIPTD_STACK_DIR).
#
#   scripts/stack.sh start            start what is not running, wait until ready, create topics
#   scripts/stack.sh stop             stop all three (pidfiles only; never by process name)
#   scripts/stack.sh status           one line per service; exit 0 only if all three run
#   scripts/stack.sh env              export lines for RECEIPTD_* and RECEIPTD_TEST_*
#   scripts/stack.sh restart          stop, then start
#   scripts/stack.sh destroy          stop, then delete the stack's data, logs and pid files
#   scripts/stack.sh redis-restart    restart redis (no persistence: all keys are lost)
#   scripts/stack.sh postgres-restart restart PostgreSQL (fast shutdown; data is kept)
#   scripts/stack.sh kafka-restart    restart Tansu (memory storage: topics and records are
#                                     lost; the topics are created again, empty)
#   scripts/stack.sh cluster-start    start a Redis Cluster beside the rest: 3 primaries and 3
#                                     replicas (no persistence; see RECEIPTD_STACK_CLUSTER_REPLICAS), created once, then waited for
#                                     until every node says cluster_state:ok
#   scripts/stack.sh cluster-stop     stop the cluster's nodes (destroy also removes their data)
#
# Environment:
#   RECEIPTD_STACK_DIR            default .local/stack
#   RECEIPTD_STACK_KAFKA_PORT     default 19092
#   RECEIPTD_STACK_REDIS_PORT     default 16379
#   RECEIPTD_STACK_POSTGRES_PORT  default 15432
#   RECEIPTD_STACK_CLUSTER_PORT   the cluster's first node, default 17001 (nodes on this port
#                                 and the 5 after it; their bus ports 100 above)
#   RECEIPTD_STACK_CLUSTER_REPLICAS  replicas per primary, default 1 (0: 3 nodes, all primaries,
#                                 as the benchmark compares one Redis with three)
#   RECEIPTD_STACK_TIMEOUT        seconds to wait for each service, default 60
#   RECEIPTD_TANSU                tansu binary, default .local/tools/tansu (scripts/setup.sh)
#   RECEIPTD_PG_BIN               PostgreSQL bin dir, default the newest /usr/lib/postgresql/*/bin
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
USAGE="usage: scripts/stack.sh start|stop|status|env|restart|destroy|redis-restart|postgres-restart|kafka-restart|cluster-start|cluster-stop"

STACK_DIR="${RECEIPTD_STACK_DIR:-$ROOT/.local/stack}"
case "$STACK_DIR" in /*) ;; *) STACK_DIR="$PWD/$STACK_DIR" ;; esac
KAFKA_PORT="${RECEIPTD_STACK_KAFKA_PORT:-19092}"
REDIS_PORT="${RECEIPTD_STACK_REDIS_PORT:-16379}"
POSTGRES_PORT="${RECEIPTD_STACK_POSTGRES_PORT:-15432}"
CLUSTER_PORT="${RECEIPTD_STACK_CLUSTER_PORT:-17001}"
CLUSTER_REPLICAS="${RECEIPTD_STACK_CLUSTER_REPLICAS:-1}"
case "$CLUSTER_REPLICAS" in 0 | 1 | 2) ;; *) echo "stack: RECEIPTD_STACK_CLUSTER_REPLICAS must be 0, 1 or 2" >&2; exit 2 ;; esac
CLUSTER_NODES=$((3 * (1 + CLUSTER_REPLICAS)))
TIMEOUT="${RECEIPTD_STACK_TIMEOUT:-60}"
TANSU="${RECEIPTD_TANSU:-$ROOT/.local/tools/tansu}"
HOST=127.0.0.1

# name:partitions
TOPICS=(im.receipt.events:8 im.receipt.notify:8 im.receipt.events.dlq:1)

LOG_DIR="$STACK_DIR/logs"
RUN_DIR="$STACK_DIR/run"
KAFKA_LOG="$LOG_DIR/kafka.log"
REDIS_LOG="$LOG_DIR/redis.log"
POSTGRES_LOG="$LOG_DIR/postgres.log"
KAFKA_PIDFILE="$RUN_DIR/kafka.pid"
REDIS_PIDFILE="$RUN_DIR/redis.pid"

log() { printf 'stack: %s\n' "$*" >&2; }
die() { printf 'stack: error: %s\n' "$*" >&2; exit 1; }
usage_error() { printf '%s\n' "$USAGE" >&2; exit 2; }

is_root() { [ "$(id -u)" = 0 ]; }

# ---------------------------------------------------------------- processes --

# pid_alive PID PATTERN: the process exists and its command line contains PATTERN
# (guards against a pidfile that outlived its process and a recycled pid).
pid_alive() {
  local pid="$1" pattern="$2"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$pattern"
}

read_pidfile() { if [ -f "$1" ]; then head -n1 "$1" | tr -d '[:space:]'; fi; }

# port_in_use PORT: something accepts connections on 127.0.0.1:PORT.
port_in_use() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# stop_pid NAME PID PATTERN SIGNAL: signal, wait up to 20 s, then SIGKILL.
stop_pid() {
  local name="$1" pid="$2" pattern="$3" sig="$4" i
  pid_alive "$pid" "$pattern" || return 0
  log "stopping $name (pid $pid)"
  # A process this script started in its own session leads its process group:
  # signal the group, so nothing it forked is left behind.
  local target="$pid"
  if [ "$(ps -o pgid= -p "$pid" | tr -d ' ')" = "$pid" ]; then target="-$pid"; fi
  kill "-$sig" -- "$target" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    pid_alive "$pid" "$pattern" || return 0
    sleep 0.2
  done
  log "$name (pid $pid) did not stop within 20 s; sending SIGKILL"
  kill -KILL -- "$target" 2>/dev/null || true
  for ((i = 0; i < 25; i++)); do
    pid_alive "$pid" "$pattern" || return 0
    sleep 0.2
  done
  die "$name (pid $pid) is still running after SIGKILL"
}

# wait_ready NAME LOG PID_FUNCTION CHECK_FUNCTION
wait_ready() {
  local name="$1" logfile="$2" pidfn="$3" check="$4" deadline
  deadline=$((SECONDS + TIMEOUT))
  while true; do
    if "$check"; then return 0; fi
    if ! "$pidfn" >/dev/null; then
      show_log_tail "$logfile"
      die "$name exited during startup; see $logfile"
    fi
    if ((SECONDS >= deadline)); then
      show_log_tail "$logfile"
      die "$name did not become ready within ${TIMEOUT}s; see $logfile"
    fi
    sleep 0.5
  done
}

show_log_tail() {
  [ -f "$1" ] || return 0
  printf 'stack: last lines of %s:\n' "$1" >&2
  tail -n 15 "$1" | sed 's/^/    /' >&2
}

ensure_port_free() {
  local name="$1" port="$2" var="$3" low high
  if port_in_use "$port"; then
    die "$name: port $HOST:$port is already in use by a process this stack did not start; stop it or choose another port with $var"
  fi
  # A client socket may take any port of the kernel's ephemeral range as its local
  # port, and a listener cannot bind a port a client holds: a restart can then fail.
  if read -r low high </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null && [ "$port" -ge "$low" ] && [ "$port" -le "$high" ]; then
    log "warning: $name's port $port is in the kernel's range for client ports ($low-$high); a client connection may hold it and make a restart fail to bind. Choose a port below $low with $var"
  fi
}

start_marker() { printf '\n=== %s: starting %s on %s:%s\n' "$(date -u +%FT%TZ)" "$1" "$HOST" "$2" >>"$3"; }

# -------------------------------------------------------------------- kafka --

kafka_pid() {
  local pid; pid="$(read_pidfile "$KAFKA_PIDFILE")"
  pid_alive "$pid" tansu && echo "$pid"
}

kafka_ready() { timeout 5 "$TANSU" topic list --broker "tcp://$HOST:$KAFKA_PORT" >/dev/null 2>&1; }

kafka_start() {
  local pid
  if pid="$(kafka_pid)"; then log "kafka already running (pid $pid, $HOST:$KAFKA_PORT)"; create_topics; return; fi
  [ -x "$TANSU" ] || die "kafka: tansu not found at $TANSU; run scripts/setup.sh (or set RECEIPTD_TANSU)"
  ensure_port_free kafka "$KAFKA_PORT" RECEIPTD_STACK_KAFKA_PORT
  start_marker kafka "$KAFKA_PORT" "$KAFKA_LOG"
  # setsid: the stack outlives the shell that started it and ignores its Ctrl-C.
  # The inner shell writes its own pid, then becomes tansu.
  # shellcheck disable=SC2016 # expanded by the inner shell
  setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$KAFKA_PIDFILE" \
    "$TANSU" broker \
      --listener-url "tcp://$HOST:$KAFKA_PORT" \
      --advertised-listener-url "tcp://$HOST:$KAFKA_PORT" \
      --storage-engine memory://tansu/ \
    >>"$KAFKA_LOG" 2>&1 </dev/null &
  local i
  for ((i = 0; i < 50; i++)); do [ -s "$KAFKA_PIDFILE" ] && break; sleep 0.1; done
  wait_ready kafka "$KAFKA_LOG" kafka_pid kafka_ready
  log "kafka ready on $HOST:$KAFKA_PORT (pid $(kafka_pid))"
  create_topics
}

create_topics() {
  local existing spec name partitions out
  existing="$(timeout 10 "$TANSU" topic list --broker "tcp://$HOST:$KAFKA_PORT" 2>>"$KAFKA_LOG")" \
    || die "kafka: could not list topics on $HOST:$KAFKA_PORT; see $KAFKA_LOG"
  for spec in "${TOPICS[@]}"; do
    name="${spec%:*}" partitions="${spec##*:}"
    if grep -q "\"name\":\"$name\"" <<<"$existing"; then continue; fi
    if out="$(timeout 10 "$TANSU" topic create "$name" --partitions "$partitions" --broker "tcp://$HOST:$KAFKA_PORT" 2>&1)"; then
      log "created topic $name ($partitions partitions)"
    elif grep -qi 'already exists' <<<"$out"; then
      :
    else
      printf '%s\n' "$out" >>"$KAFKA_LOG"
      die "kafka: could not create topic $name: $(tail -n1 <<<"$out"); see $KAFKA_LOG"
    fi
  done
}

kafka_stop() {
  local pid
  if pid="$(kafka_pid)"; then stop_pid kafka "$pid" tansu TERM; fi
  rm -f "$KAFKA_PIDFILE"
}

# -------------------------------------------------------------------- redis --

redis_pid() {
  local pid; pid="$(read_pidfile "$REDIS_PIDFILE")"
  pid_alive "$pid" redis-server && echo "$pid"
}

redis_ready() { [ "$(timeout 5 redis-cli -h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }

redis_start() {
  local pid
  if pid="$(redis_pid)"; then log "redis already running (pid $pid, $HOST:$REDIS_PORT)"; return; fi
  command -v redis-server >/dev/null || die "redis: redis-server not found; run scripts/setup.sh"
  ensure_port_free redis "$REDIS_PORT" RECEIPTD_STACK_REDIS_PORT
  mkdir -p "$STACK_DIR/redis"
  rm -f "$REDIS_PIDFILE"
  start_marker redis "$REDIS_PORT" "$REDIS_LOG"
  # No persistence: a restart is a data loss, which is what the tests want.
  redis-server \
    --bind "$HOST" --port "$REDIS_PORT" \
    --save '' --appendonly no \
    --dir "$STACK_DIR/redis" \
    --daemonize yes --pidfile "$REDIS_PIDFILE" --logfile "$REDIS_LOG" \
    </dev/null >>"$REDIS_LOG" 2>&1 \
    || { show_log_tail "$REDIS_LOG"; die "redis failed to start; see $REDIS_LOG"; }
  local i
  for ((i = 0; i < 50; i++)); do [ -s "$REDIS_PIDFILE" ] && break; sleep 0.1; done
  wait_ready redis "$REDIS_LOG" redis_pid redis_ready
  log "redis ready on $HOST:$REDIS_PORT (pid $(redis_pid))"
}

redis_stop() {
  local pid
  if pid="$(redis_pid)"; then stop_pid redis "$pid" redis-server TERM; fi
  rm -f "$REDIS_PIDFILE"
}

# ------------------------------------------------------------ redis cluster --

cluster_node_ports() { local i; for ((i = 0; i < CLUSTER_NODES; i++)); do echo $((CLUSTER_PORT + i)); done; }
cluster_pidfile() { echo "$RUN_DIR/redis-cluster-$1.pid"; }
cluster_log() { echo "$LOG_DIR/redis-cluster-$1.log"; }

cluster_node_pid() {
  local pid; pid="$(read_pidfile "$(cluster_pidfile "$1")")"
  pid_alive "$pid" redis-server && echo "$pid"
}

cluster_ok() {
  local port
  for port in $(cluster_node_ports); do
    timeout 5 redis-cli -h "$HOST" -p "$port" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || return 1
  done
}

cluster_start() {
  command -v redis-server >/dev/null || die "redis: redis-server not found; run scripts/setup.sh"
  local port pid
  for port in $(cluster_node_ports); do
    if pid="$(cluster_node_pid "$port")"; then continue; fi
    ensure_port_free redis-cluster "$port" RECEIPTD_STACK_CLUSTER_PORT
    mkdir -p "$STACK_DIR/redis-cluster/$port"
    start_marker "redis-cluster-$port" "$port" "$(cluster_log "$port")"
    redis-server \
      --bind "$HOST" --port "$port" --cluster-enabled yes --cluster-port $((port + 100)) \
      --cluster-config-file "$STACK_DIR/redis-cluster/$port/nodes.conf" --cluster-node-timeout 2000 \
      --save '' --appendonly no --dir "$STACK_DIR/redis-cluster/$port" \
      --daemonize yes --pidfile "$(cluster_pidfile "$port")" --logfile "$(cluster_log "$port")" \
      </dev/null >>"$(cluster_log "$port")" 2>&1 \
      || { show_log_tail "$(cluster_log "$port")"; die "redis cluster node $port failed to start"; }
  done
  local deadline=$((SECONDS + TIMEOUT))
  for port in $(cluster_node_ports); do
    until [ "$(timeout 5 redis-cli -h "$HOST" -p "$port" ping 2>/dev/null)" = PONG ]; do
      ((SECONDS < deadline)) || { show_log_tail "$(cluster_log "$port")"; die "redis cluster node $port did not start"; }
      sleep 0.2
    done
  done
  # Created once: a node that already knows the cluster keeps its nodes.conf.
  if [ "$(redis-cli -h "$HOST" -p "$CLUSTER_PORT" cluster info | grep '^cluster_slots_assigned:' | tr -dc 0-9)" = 0 ]; then
    local addresses=() 
    for port in $(cluster_node_ports); do addresses+=("$HOST:$port"); done
    redis-cli --cluster create "${addresses[@]}" --cluster-replicas "$CLUSTER_REPLICAS" --cluster-yes >>"$LOG_DIR/redis-cluster-create.log" 2>&1 \
      || { show_log_tail "$LOG_DIR/redis-cluster-create.log"; die "redis-cli --cluster create failed"; }
  fi
  until cluster_ok; do
    ((SECONDS < deadline)) || die "the redis cluster did not reach cluster_state:ok within ${TIMEOUT}s"
    sleep 0.2
  done
  log "redis cluster ready on $HOST:$CLUSTER_PORT-$((CLUSTER_PORT + CLUSTER_NODES - 1)) (3 primaries, $((CLUSTER_NODES - 3)) replicas)"
}

cluster_stop() {
  local port pid
  for port in $(cluster_node_ports); do
    if pid="$(cluster_node_pid "$port")"; then stop_pid "redis-cluster-$port" "$pid" redis-server TERM; fi
    rm -f "$(cluster_pidfile "$port")"
  done
}

# ----------------------------------------------------------------- postgres --

pg_bin_dir() {
  if [ -n "${RECEIPTD_PG_BIN:-}" ]; then echo "$RECEIPTD_PG_BIN"; return; fi
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
  [ -n "$d" ] || d="$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")"
  echo "$d"
}
PG_BIN="$(pg_bin_dir)"

# initdb and postgres refuse to run as root: as root they run as the postgres user.
AS_PG=()
if is_root; then AS_PG=(runuser -u postgres --); fi

# The data directory: inside the stack folder, unless (as root) the postgres user
# cannot reach it, e.g. a checkout under /root; then a fixed folder in /tmp named
# after the stack folder.
pg_data_dir() {
  local inside="$STACK_DIR/postgres/data"
  local fallback; fallback="${TMPDIR:-/tmp}/receiptd-postgres-$(printf '%s' "$STACK_DIR" | cksum | cut -d' ' -f1)/data"
  if ! is_root || [ -d "$inside" ]; then echo "$inside"; return; fi
  if [ -d "$fallback" ]; then echo "$fallback"; return; fi
  local d="$STACK_DIR"
  while [ ! -d "$d" ]; do d="$(dirname "$d")"; done
  if runuser -u postgres -- test -x "$d" 2>/dev/null; then echo "$inside"; else echo "$fallback"; fi
}

postgres_pid() {
  local pid; pid="$(read_pidfile "$(pg_data_dir)/postmaster.pid")"
  pid_alive "$pid" postgres && echo "$pid"
}

psql_super() { psql -X -q -v ON_ERROR_STOP=1 -h "$HOST" -p "$POSTGRES_PORT" -U postgres -d postgres; }

postgres_ready() {
  pg_isready -q -h "$HOST" -p "$POSTGRES_PORT" -t 3 >/dev/null 2>&1 || return 1
  [ "$(psql -X -tA -h "$HOST" -p "$POSTGRES_PORT" -U receiptd -d receiptd -c 'select 1' 2>/dev/null)" = 1 ]
}

postgres_server_up() { pg_isready -q -h "$HOST" -p "$POSTGRES_PORT" -t 3 >/dev/null 2>&1; }

postgres_init() {
  local data="$1"
  [ -f "$data/PG_VERSION" ] && return 0
  [ -x "$PG_BIN/initdb" ] || die "postgres: initdb not found in $PG_BIN; run scripts/setup.sh (or set RECEIPTD_PG_BIN)"
  if is_root; then
    id postgres >/dev/null 2>&1 || die "postgres: running as root needs the 'postgres' user (installed with the postgresql package)"
  fi
  local parent; parent="$(dirname "$data")"
  mkdir -p "$parent"
  if is_root; then chown postgres:postgres "$parent"; fi
  chmod 700 "$parent"
  log "initialising PostgreSQL data directory $data"
  "${AS_PG[@]}" "$PG_BIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --no-locale --no-sync \
    >>"$POSTGRES_LOG" 2>&1 || { show_log_tail "$POSTGRES_LOG"; die "postgres: initdb failed; see $POSTGRES_LOG"; }
}

postgres_start() {
  local pid data
  data="$(pg_data_dir)"
  if pid="$(postgres_pid)"; then log "postgres already running (pid $pid, $HOST:$POSTGRES_PORT)"; postgres_bootstrap; return; fi
  ensure_port_free postgres "$POSTGRES_PORT" RECEIPTD_STACK_POSTGRES_PORT
  postgres_init "$data"
  start_marker postgres "$POSTGRES_PORT" "$POSTGRES_LOG"
  # TCP on loopback only, no Unix socket (no /var/run/postgresql needed). The
  # stack is disposable, so durability is traded for speed.
  setsid "${AS_PG[@]}" "$PG_BIN/postgres" -D "$data" \
      -c listen_addresses="$HOST" -p "$POSTGRES_PORT" -c unix_socket_directories= \
      -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
      -c max_connections=200 \
    >>"$POSTGRES_LOG" 2>&1 </dev/null &
  local i
  for ((i = 0; i < 50; i++)); do postgres_pid >/dev/null && break; sleep 0.2; done
  wait_ready postgres "$POSTGRES_LOG" postgres_pid postgres_server_up
  postgres_bootstrap
  wait_ready postgres "$POSTGRES_LOG" postgres_pid postgres_ready
  log "postgres ready on $HOST:$POSTGRES_PORT (pid $(postgres_pid)), database receiptd"
}

# Role and database receiptd; idempotent.
postgres_bootstrap() {
  psql_super >>"$POSTGRES_LOG" 2>&1 <<'SQL' || die "postgres: could not create role/database receiptd; see $POSTGRES_LOG"
SELECT 'CREATE ROLE receiptd LOGIN CREATEDB'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'receiptd') \gexec
SELECT 'CREATE DATABASE receiptd OWNER receiptd'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'receiptd') \gexec
SQL
}

postgres_stop() {
  local pid
  # SIGINT is PostgreSQL's "fast" shutdown: roll back open transactions, checkpoint, exit.
  if pid="$(postgres_pid)"; then stop_pid postgres "$pid" postgres INT; fi
}

# ----------------------------------------------------------------- commands --

prepare_dirs() {
  mkdir -p "$LOG_DIR" "$RUN_DIR"
  chmod 755 "$STACK_DIR"
  touch "$KAFKA_LOG" "$REDIS_LOG" "$POSTGRES_LOG"
}

cmd_start() {
  prepare_dirs
  kafka_start
  redis_start
  postgres_start
  log "stack is up (dir $STACK_DIR); for the variables: scripts/stack.sh env"
}

cmd_stop() {
  cluster_stop
  postgres_stop
  redis_stop
  kafka_stop
  log "stack stopped"
}

# Deletes only what this script creates, never the folder's other contents.
cmd_destroy() {
  cmd_stop
  local data; data="$(pg_data_dir)"
  rm -rf "$(dirname "$data")" "$LOG_DIR" "$RUN_DIR" "$STACK_DIR/redis" "$STACK_DIR/redis-cluster" "$STACK_DIR/postgres"
  rmdir "$STACK_DIR" 2>/dev/null || true
  log "stack data removed ($STACK_DIR)"
}

status_line() {
  local name="$1" port="$2" logfile="$3" pidfn="$4" check="$5" pid state
  if pid="$("$pidfn")"; then
    if "$check"; then state="ready"; else state="running, not answering"; fi
    printf '%-9s %-22s pid %-7s %s:%-6s log %s\n' "$name" "$state" "$pid" "$HOST" "$port" "$logfile"
    [ "$state" = ready ]
  else
    printf '%-9s %-22s %-11s %s:%-6s log %s\n' "$name" "stopped" "" "$HOST" "$port" "$logfile"
    return 1
  fi
}

cmd_status() {
  local ok=0
  status_line kafka "$KAFKA_PORT" "$KAFKA_LOG" kafka_pid kafka_ready || ok=3
  status_line redis "$REDIS_PORT" "$REDIS_LOG" redis_pid redis_ready || ok=3
  status_line postgres "$POSTGRES_PORT" "$POSTGRES_LOG" postgres_pid postgres_ready || ok=3
  # The cluster is optional (cluster-start): reported when any node runs.
  local port
  for port in $(cluster_node_ports); do
    if cluster_node_pid "$port" >/dev/null; then
      if cluster_ok; then echo "cluster   ready                  nodes $HOST:$CLUSTER_PORT-$((CLUSTER_PORT + CLUSTER_NODES - 1))"
      else echo "cluster   not ok                 nodes $HOST:$CLUSTER_PORT-$((CLUSTER_PORT + CLUSTER_NODES - 1))"; ok=3; fi
      break
    fi
  done
  return "$ok"
}

cmd_env() {
  local brokers="$HOST:$KAFKA_PORT"
  local redis="redis://$HOST:$REDIS_PORT/0"
  local pg="postgresql://receiptd@$HOST:$POSTGRES_PORT/receiptd"
  printf 'export RECEIPTD_BROKERS=%q\n' "$brokers"
  printf 'export RECEIPTD_REDIS_URL=%q\n' "$redis"
  printf 'export RECEIPTD_POSTGRES_URL=%q\n' "$pg"
  printf 'export RECEIPTD_TEST_BROKERS=%q\n' "$brokers"
  printf 'export RECEIPTD_TEST_REDIS_URL=%q\n' "$redis"
  printf 'export RECEIPTD_TEST_POSTGRES_URL=%q\n' "$pg"
  local port seeds=""
  for port in $(cluster_node_ports); do seeds="${seeds:+$seeds,}$HOST:$port"; done
  printf 'export RECEIPTD_TEST_REDIS_CLUSTER_NODES=%q\n' "$seeds"
}

main() {
  [ "$#" -eq 1 ] || usage_error
  case "$1" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    env) cmd_env ;;
    restart) cmd_stop; cmd_start ;;
    destroy) cmd_destroy ;;
    redis-restart | restart-redis) prepare_dirs; redis_stop; redis_start ;;
    postgres-restart | restart-postgres) prepare_dirs; postgres_stop; postgres_start ;;
    kafka-restart | restart-kafka) prepare_dirs; kafka_stop; kafka_start ;;
    cluster-start) prepare_dirs; cluster_start ;;
    cluster-stop) cluster_stop ;;
    -h | --help | help) printf '%s\n' "$USAGE" ;;
    *) usage_error ;;
  esac
}

main "$@"
