#!/bin/sh
# fake_trainer.sh - a scripted training program for tests/test_runner.c.
# Ops: out TEXT (stdout line), err TEXT (stderr line), sleep SECONDS, exit N.
while [ $# -gt 0 ]; do
    case "$1" in
    out) printf '%s\n' "$2"; shift 2 ;;
    err) printf '%s\n' "$2" >&2; shift 2 ;;
    sleep) sleep "$2"; shift 2 ;;
    exit) exit "$2" ;;
    *) echo "fake_trainer.sh: unknown op '$1'" >&2; exit 64 ;;
    esac
done
exit 0
