#!/usr/bin/env bash
# Start a throwaway PostgreSQL server on loopback for the tests (Debian's packages).
# Prints the URL to use as QIBOT_TEST_DATABASE_URL on its last line.
set -euo pipefail
PORT=${PGPORT_TEST:-54329}
DIR=${PGDATA_TEST:-/tmp/qibot-pg}
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  (apt-get update -qq && apt-get install -y -qq postgresql >/dev/null) 1>&2
fi
BIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
RUN=""
if [ "$(id -u)" = "0" ]; then RUN="runuser -u postgres --"; fi
if ! $RUN "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
  rm -rf "$DIR" && mkdir -p "$DIR" && { [ -z "$RUN" ] || chown postgres "$DIR"; }
  $RUN "$BIN/initdb" -D "$DIR" -A trust -U postgres >/dev/null
  $RUN "$BIN/pg_ctl" -D "$DIR" -l "$DIR/log" -w -o "-h 127.0.0.1 -p $PORT -k $DIR -c fsync=off -c max_connections=200" start >/dev/null
fi
"$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='qibot_test'" | grep -q 1 \
  || "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres qibot_test
echo "postgresql://postgres@127.0.0.1:$PORT/qibot_test"
