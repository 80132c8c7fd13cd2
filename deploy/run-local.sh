#!/usr/bin/env bash
# The deployed topology of docker-compose.yml as local processes: PostgreSQL and Redis from
# the machine, one process per subgraph (campanias twice), two gateways. Same services,
# ports (offset by PORT_BASE - 4000) and variables as the compose file; a test checks it.
#
#   deploy/run-local.sh up      start everything, wait until healthy, print the URLs
#   deploy/run-local.sh down    stop everything this script started
#
# Settings (environment): ALPES_BIN (default target/release/alpes-partners), POSTGRES_URL
# (an admin connection, default postgres://postgres@127.0.0.1:5432/postgres), DB_PREFIX
# (databases <prefix>_<subgraph>, default alpes), REDIS_URL (default redis://127.0.0.1:6379),
# EVENT_STREAM (default alpes:events), CACHE_PREFIX (default alpes), PORT_BASE (default
# 4000), RUN_DIR (logs, pids and services.tsv; default run/local), GATEWAY_SECRET and
# JWT_SECRET (default: drawn at random).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${ALPES_BIN:-target/release/alpes-partners}
POSTGRES_URL=${POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
DB_PREFIX=${DB_PREFIX:-alpes}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
EVENT_STREAM=${EVENT_STREAM:-alpes:events}
CACHE_PREFIX=${CACHE_PREFIX:-alpes}
PORT_BASE=${PORT_BASE:-4000}
RUN_DIR=${RUN_DIR:-run/local}
random() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
GATEWAY_SECRET=${GATEWAY_SECRET:-$(random)}
JWT_SECRET=${JWT_SECRET:-$(random)}

port() { echo $((PORT_BASE + $1)); }
db_url() { echo "${POSTGRES_URL%/*}/${DB_PREFIX}_$1"; }
url() { echo "http://127.0.0.1:$(port "$1")/graphql"; }

# Starts one service: name, port offset, then VAR=value... -- command...; records its
# port and variable names in services.tsv (what the compose test compares).
start() {
  local name=$1 offset=$2
  shift 2
  local vars=() names=()
  while [[ $1 != -- ]]; do
    vars+=("$1")
    names+=("${1%%=*}")
    shift
  done
  shift
  printf '%s\t%s\t%s\n' "$name" "$(port "$offset")" "${names[*]}" >>"$RUN_DIR/services.tsv"
  env "${vars[@]}" RUST_LOG="${RUST_LOG:-warn}" "$BIN" "$@" >"$RUN_DIR/$name.log" 2>&1 &
  echo $! >"$RUN_DIR/$name.pid"
}

# Waits until http://127.0.0.1:<port>/health answers 200.
healthy() {
  local name=$1 offset=$2
  for _ in $(seq 1 600); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$(port "$offset")/health" 2>/dev/null; then
      return 0
    fi
    if ! kill -0 "$(cat "$RUN_DIR/$name.pid")" 2>/dev/null; then
      echo "$name exited; its log:" >&2
      cat "$RUN_DIR/$name.log" >&2
      return 1
    fi
    sleep 0.2
  done
  echo "$name is not healthy after 120 s; its log:" >&2
  cat "$RUN_DIR/$name.log" >&2
  return 1
}

subgraph() {
  local name=$1 context=$2 offset=$3
  start "$name" "$offset" \
    DATABASE_URL="$(db_url "$context")" REDIS_URL="$REDIS_URL" ALPES_EVENT_STREAM="$EVENT_STREAM" \
    ALPES_GATEWAY_SECRET="$GATEWAY_SECRET" ALPES_DEMO=true LISTEN="127.0.0.1:$(port "$offset")" \
    -- subgraph "$context"
  healthy "$name" "$offset"
}

gateway() {
  local name=$1 offset=$2
  start "$name" "$offset" \
    GATEWAY_CONFIG=deploy/gateway.toml GATEWAY_LISTEN="127.0.0.1:$(port "$offset")" \
    GATEWAY_SUBGRAPH_SECRET="$GATEWAY_SECRET" GATEWAY_AUTH__JWT_SECRET="$JWT_SECRET" \
    GATEWAY_CACHE__REDIS_URL="$REDIS_URL" GATEWAY_CACHE__KEY_PREFIX="$CACHE_PREFIX:cache" \
    GATEWAY_CACHE__INVALIDATION__REDIS_STREAM="$EVENT_STREAM" \
    GATEWAY_PERSISTED_QUERIES__REDIS_URL="$REDIS_URL" GATEWAY_PERSISTED_QUERIES__KEY_PREFIX="$CACHE_PREFIX:apq" \
    GATEWAY_SUBGRAPHS__CLIENTES__URL="$(url 1)" GATEWAY_SUBGRAPHS__AFILIADOS__URL="$(url 2)" \
    GATEWAY_SUBGRAPHS__CAMPANIAS__URLS="[\"$(url 3)\", \"$(url 13)\"]" \
    GATEWAY_SUBGRAPHS__CONVERSIONES__URL="$(url 4)" GATEWAY_SUBGRAPHS__PAGOS__URL="$(url 5)" \
    -- gateway
  healthy "$name" "$offset"
}

down() {
  [[ -d $RUN_DIR ]] || return 0
  for pid_file in "$RUN_DIR"/*.pid; do
    [[ -e $pid_file ]] || continue
    kill -TERM "$(cat "$pid_file")" 2>/dev/null || true
  done
  for pid_file in "$RUN_DIR"/*.pid; do
    [[ -e $pid_file ]] || continue
    local pid
    pid=$(cat "$pid_file")
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$pid_file"
  done
}

up() {
  [[ -x $BIN ]] || { echo "no $BIN: run cargo build --release (or set ALPES_BIN)" >&2; exit 1; }
  command -v psql >/dev/null || { echo "psql is needed to create the databases" >&2; exit 1; }
  mkdir -p "$RUN_DIR"
  down
  : >"$RUN_DIR/services.tsv"
  for context in clientes afiliados campanias conversiones pagos; do
    local db="${DB_PREFIX}_$context"
    if [[ -z $(psql -w "$POSTGRES_URL" -Atc "select 1 from pg_database where datname = '$db'") ]]; then
      psql -w "$POSTGRES_URL" -qc "create database \"$db\""
    fi
  done
  # Dependencies first; the second campanias replica after the first migrated its database.
  subgraph clientes clientes 1
  subgraph afiliados afiliados 2
  subgraph campanias campanias 3
  subgraph campanias-2 campanias 13
  subgraph conversiones conversiones 4
  subgraph pagos pagos 5
  gateway gateway-1 0
  gateway gateway-2 10
  echo "Alpes Partners deployed topology (logs in $RUN_DIR):"
  while IFS=$'\t' read -r name service_port _; do
    echo "  $(printf '%-13s' "$name") http://127.0.0.1:$service_port/graphql"
  done <"$RUN_DIR/services.tsv"
  echo "  console       http://127.0.0.1:$(port 0)/console and http://127.0.0.1:$(port 10)/console"
  echo "Stop with: RUN_DIR=$RUN_DIR deploy/run-local.sh down"
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
