#!/bin/sh
# stop.sh DIR - stop the cluster tests/pg/start.sh started in DIR and delete it.
set -eu
BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
dir=$1
as=""
if [ "$(id -u)" = 0 ]; then
    as="runuser -u nobody --"
fi
$as "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
rm -rf "$dir"
