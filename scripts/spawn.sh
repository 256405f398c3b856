#!/usr/bin/env bash
# spawn.sh <pidfile> <log> <command...>: starts the command in the
# background in a session of its own and records its pid, which is also its
# process group id, so `kill -- -<pid>` stops it with its children, whether
# or not the caller has job control (with it, `setsid` would fork and `$!`
# would name the wrong process).
set -euo pipefail
pidfile=$1 log=$2; shift 2
rm -f "$pidfile"
setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" >"$log" 2>&1 </dev/null &
for _ in $(seq 1 50); do [ -s "$pidfile" ] && exit 0; sleep 0.1; done
echo "could not start $*" >&2
exit 1
