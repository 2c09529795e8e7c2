#!/usr/bin/env bash
# An opt-in Docker engine for kind on a machine that has none (or must not use the system one):
# Debian's docker.io, run as a separate dockerd with its own data root, exec root, socket and pidfile,
# no iptables/ip-forward/masquerade changes, and a runc wrapper for kernels whose capability bounding
# set lacks CAP_SYS_RESOURCE. Nothing runs unless asked.
#
# Usage: clusters/kind/docker.sh start    (root; installs docker.io + jq when missing; idempotent)
#        clusters/kind/docker.sh stop [--purge]   (stops our dockerd by PID; --purge also drops the
#                                         data root, i.e. every image and container of this engine)
#        clusters/kind/docker.sh status   (exit 0 and "running pid N" when it answers, 1 otherwise)
# Clients: DOCKER_HOST=unix:///run/isoproof-docker/docker.sock
set -euo pipefail
shopt -s inherit_errexit

RUN_DIR=${ISOPROOF_DOCKER_RUN:-/run/isoproof-docker}
DATA_ROOT=${ISOPROOF_DOCKER_DATA:-/var/lib/isoproof-docker}
EXEC_ROOT=$RUN_DIR/exec
SOCK=$RUN_DIR/docker.sock
PIDFILE=$RUN_DIR/dockerd.pid
WRAPPER=$RUN_DIR/isoproof-runc
LOG=${ISOPROOF_DOCKER_LOG:-/var/log/isoproof-docker.log}
export DOCKER_HOST=unix://$SOCK

log() { printf '[isoproof docker %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'isoproof docker: %s\n' "$*" >&2; exit 2; }

pid_alive() { [[ -f $PIDFILE ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }
answers() { timeout 5 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

install_packages() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v jq >/dev/null || missing+=(jq)
  command -v docker >/dev/null || missing+=(docker.io)
  ((${#missing[@]})) || return 0
  log "installing ${missing[*]} (Debian packages)"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  command -v dockerd >/dev/null || die "docker.io installed but dockerd is not on PATH"
}

# The wrapper removes CAP_SYS_RESOURCE from every capability set (bounding, effective, inheritable,
# permitted, ambient) of the OCI process it is about to start: the bundle's config.json on
# create/run, the --process file on exec. Everything else is passed to the real runc unchanged.
write_wrapper() {
  local real
  real=$(command -v runc) || die "runc is missing (Debian's docker.io depends on it: reinstall docker.io)"
  mkdir -p "$RUN_DIR"
  cat > "$WRAPPER.tmp" <<EOF
#!/bin/bash
# Written by clusters/kind/docker.sh: drops CAP_SYS_RESOURCE (absent from this kernel's bounding set)
# from the OCI config, then runs the real runc.
real=$real
strip='def strip: if type == "object" then with_entries(.value |= (if type == "array" then map(select(. != "CAP_SYS_RESOURCE")) else . end)) else . end;'
edit() { # edit FILE JQ-PATH
  [[ -f \$1 ]] || return 0
  local tmp="\$1.isoproof-tmp"
  jq "\$strip if \$2 then \$2 |= strip else . end" "\$1" > "\$tmp" && mv "\$tmp" "\$1" || rm -f "\$tmp"
}
cmd="" bundle="" process=""
args=("\$@")
for ((i = 0; i < \${#args[@]}; i++)); do
  a=\${args[i]}
  case \$a in
    --bundle|-b) bundle=\${args[i+1]:-} ;;
    --bundle=*) bundle=\${a#--bundle=} ;;
    --process|-p) process=\${args[i+1]:-} ;;
    --process=*) process=\${a#--process=} ;;
    --root|--log|--log-format|--criu|--rootless) [[ -z \$cmd ]] && ((i++)) ;;
    -*) ;;
    *) [[ -z \$cmd ]] && cmd=\$a ;;
  esac
done
case \$cmd in
  create|run) edit "\${bundle:-.}/config.json" .process.capabilities ;;
  exec) [[ -n \$process ]] && edit "\$process" .capabilities ;;
esac
exec "\$real" "\$@"
EOF
  chmod 755 "$WRAPPER.tmp"
  mv "$WRAPPER.tmp" "$WRAPPER"
}

start() {
  [[ $EUID -eq 0 ]] || die "starting dockerd needs root"
  if pid_alive && answers; then
    log "dockerd already running (pid $(cat "$PIDFILE")), socket $SOCK"
    return 0
  fi
  if pid_alive; then die "dockerd pid $(cat "$PIDFILE") runs but does not answer on $SOCK; run '$0 stop' first"; fi
  install_packages
  write_wrapper
  mkdir -p "$DATA_ROOT" "$EXEC_ROOT"
  rm -f "$SOCK" "$PIDFILE"
  # Docker creates an empty /lib/modules where the host lacks it (kind bind-mounts it); create it
  # ourselves so the mount source exists in any case.
  [[ -d /lib/modules ]] || mkdir -p /lib/modules
  log "starting dockerd (data root $DATA_ROOT, exec root $EXEC_ROOT, log $LOG)"
  # --bridge=none: no docker0 on the host (kind makes its own network); no iptables, forwarding or
  # masquerading changes; dockerd supervises its own containerd under the exec root.
  setsid dockerd \
    --host "unix://$SOCK" --data-root "$DATA_ROOT" --exec-root "$EXEC_ROOT" --pidfile "$PIDFILE" \
    --iptables=false --ip6tables=false --ip-masq=false --ip-forward=false --bridge=none \
    --add-runtime "isoproof-runc=$WRAPPER" --default-runtime isoproof-runc \
    --userland-proxy=true --log-level warn </dev/null >>"$LOG" 2>&1 &
  local pid=$! deadline=$((SECONDS + 60))
  until answers; do
    if ! kill -0 "$pid" 2>/dev/null; then tail -n 20 "$LOG" >&2; die "dockerd exited during start (log $LOG)"; fi
    if ((SECONDS >= deadline)); then tail -n 20 "$LOG" >&2; die "dockerd did not answer within 60 s (log $LOG)"; fi
    sleep 0.5
  done
  log "dockerd ready (pid $(cat "$PIDFILE")): export DOCKER_HOST=unix://$SOCK"
}

stop() {
  local purge=${1:-}
  if pid_alive; then
    local pid
    pid=$(cat "$PIDFILE")
    log "stopping dockerd (pid $pid)"
    kill -TERM "$pid"
    local deadline=$((SECONDS + 30))
    while kill -0 "$pid" 2>/dev/null; do
      if ((SECONDS >= deadline)); then log "dockerd still running after 30 s: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; sleep 1; break; fi
      sleep 0.5
    done
  fi
  # Stray shims or its containerd survive a SIGKILL: end those still holding our exec root, by PID.
  local p
  for p in $(ps -eo pid=,args= | awk -v r="$EXEC_ROOT" 'index($0, r) && $2 !~ /awk/ {print $1}'); do
    kill -KILL "$p" 2>/dev/null || true
  done
  # Mounts left below our roots (netns files, overlay mounts) would keep the directories busy.
  awk -v r="$RUN_DIR" -v d="$DATA_ROOT" 'index($2, r)==1 || index($2, d)==1 {print $2}' /proc/self/mounts |
    sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$RUN_DIR"
  if [[ $purge == --purge ]]; then
    log "removing the data root $DATA_ROOT"
    rm -rf "$DATA_ROOT"
  fi
  log "stopped"
}

status() {
  if pid_alive && answers; then echo "running pid $(cat "$PIDFILE") socket $SOCK"; return 0; fi
  if pid_alive; then echo "pid $(cat "$PIDFILE") alive but not answering on $SOCK"; return 1; fi
  echo "not running"; return 1
}

case ${1:-} in
  start) start ;;
  stop) stop "${2:-}" ;;
  status) status ;;
  *) die "usage: $0 start | stop [--purge] | status" ;;
esac
