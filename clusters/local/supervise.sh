#!/usr/bin/env bash
# supervise.sh NAME PIDBASE LOGFILE CMD...: runs CMD, restarts it when it dies (at most 5 restarts in
# 120 s, with backoff), stops it on SIGTERM (TERM, then KILL after 10 s). Writes PIDBASE.child.
set -u
name=$1 pidbase=$2 logfile=$3
shift 3
child=0
stopping=0
stop() {
  stopping=1
  if ((child > 0)) && kill -0 "$child" 2>/dev/null; then
    kill -TERM "$child" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$child" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$child" 2>/dev/null
    wait "$child" 2>/dev/null
  fi
  rm -f "$pidbase.child"
  exit 0
}
trap stop TERM INT
restarts=()
while :; do
  printf '==== [%s] starting %s: %s\n' "$(date -u +%FT%TZ)" "$name" "$*" >> "$logfile"
  "$@" >> "$logfile" 2>&1 &
  child=$!
  echo "$child" > "$pidbase.child"
  wait "$child"
  rc=$?
  ((stopping)) && exit 0
  printf '==== [%s] %s exited with %d\n' "$(date -u +%FT%TZ)" "$name" "$rc" >> "$logfile"
  now=$(date +%s)
  recent=()
  for t in "${restarts[@]}"; do ((now - t < 120)) && recent+=("$t"); done
  restarts=("${recent[@]}" "$now")
  if ((${#restarts[@]} > 5)); then
    printf '==== %s: too many restarts, giving up\n' "$name" >> "$logfile"
    rm -f "$pidbase.child"
    exit 1
  fi
  sleep "${#restarts[@]}"
done
