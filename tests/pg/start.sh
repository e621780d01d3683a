#!/bin/sh
# start.sh [DIR] - start a throw-away PostgreSQL 15 cluster for the tests and
# print its URL (postgresql://hpo:PASSWORD@127.0.0.1:PORT/hpo_test) on stdout.
# The cluster lives in DIR (default: a new temp dir), listens on loopback only on
# a free port, and uses password authentication (so a wrong password is testable).
# initdb refuses to run as root, so as root the server runs as 'nobody'.
# Stop it with tests/pg/stop.sh DIR.
set -eu
BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
dir=${1:-$(mktemp -d /tmp/hpo-pg.XXXXXX)}
mkdir -p "$dir"
as=""
if [ "$(id -u)" = 0 ]; then
    chown nobody "$dir"
    as="runuser -u nobody --"
fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pw=hpo-test-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
echo "$pw" > "$dir/pwfile"
chmod 644 "$dir/pwfile"
$as "$BIN/initdb" -D "$dir/data" -U hpo --auth=scram-sha-256 --pwfile="$dir/pwfile" -E UTF8 \
    --locale=C >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
$as "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null \
    || { cat "$dir/server.log" >&2; exit 1; }
PGPASSWORD=$pw "$BIN/createdb" -h 127.0.0.1 -p "$port" -U hpo hpo_test
echo "$port" > "$dir/port"
echo "postgresql://hpo:$pw@127.0.0.1:$port/hpo_test"
