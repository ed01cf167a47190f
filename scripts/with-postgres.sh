#!/usr/bin/env bash
# Run a command with a throw-away PostgreSQL server on loopback.
# Exports CITYNEXUS_TEST_PG_URL for the tests; the cluster is removed afterwards.
# Without a PostgreSQL installation the command runs as is (PostgreSQL tests then skip,
# except under CI=true where they fail).
set -uo pipefail
PG_CTL=$(ls /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$PG_CTL" ]; then
  echo "with-postgres: PostgreSQL not installed; running without it" >&2
  exec "$@"
fi
BIN=$(dirname "$PG_CTL")
DIR=$(mktemp -d /tmp/citynexus-pg.XXXXXX)
PORT=${CITYNEXUS_TEST_PG_PORT:-$((20000 + RANDOM % 20000))}
RUN=()
if [ "$(id -u)" = "0" ]; then
  id postgres >/dev/null 2>&1 || useradd -r -M postgres
  chown postgres "$DIR"
  RUN=(runuser -u postgres --)
fi
"${RUN[@]}" "$BIN/initdb" -D "$DIR/data" -U citynexus --auth=trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
  || { cat "$DIR/initdb.log" >&2; exit 1; }
"${RUN[@]}" "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off" start >/dev/null \
  || { cat "$DIR/server.log" >&2; exit 1; }
cleanup() { "${RUN[@]}" "$BIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1; rm -rf "$DIR"; }
trap cleanup EXIT
"$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U citynexus citynexus_test
export CITYNEXUS_TEST_PG_URL="postgresql+psycopg://citynexus@127.0.0.1:$PORT/citynexus_test"
"$@"
