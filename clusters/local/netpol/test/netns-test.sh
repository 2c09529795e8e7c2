#!/usr/bin/env bash
# Integration test of isoproof-netpol on real iptables/ipset, without Kubernetes (run as root).
# Two network namespaces on a test bridge of our own (isoproof-t0, 10.244.250.0/24) play two pods;
# the enforcer reads a static state file (hidden --state-file flag, SIGHUP re-reads it) and uses its
# own chain/ipset prefixes, so a real enforcer's rules are left alone. Traffic stays on that bridge.
# Usage: sudo clusters/local/netpol/test/netns-test.sh   (ISOPROOF_NETPOL_BIN=<binary> to skip the build)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[[ $(id -u) == 0 ]] || { echo "netns-test: must run as root" >&2; exit 2; }

BR=isoproof-t0
NSA=isoproof-t-a
NSB=isoproof-t-b
NET=10.244.250
CHAIN=ISOPROOF-NPT
SETP=isoproof-npt-
HEALTH=127.0.0.1:10298
work=$(mktemp -d /tmp/isoproof-netns-test.XXXXXX)
enf_pid=""
# The machine's FORWARD policy may be DROP: our own accept for the test bridge, below the enforcer's hook.
ACCEPT_RULE=(-i "$BR" -o "$BR" -m comment --comment isoproof-netns-test -j ACCEPT)
pass=0
fail=0

log() { printf '[netns-test] %s\n' "$*" >&2; }

cleanup() {
  set +e
  if [[ -n "$enf_pid" ]] && kill -0 "$enf_pid" 2>/dev/null; then
    kill -TERM "$enf_pid"
    for _ in $(seq 50); do kill -0 "$enf_pid" 2>/dev/null || break; sleep 0.1; done
  fi
  [[ -x "${BIN:-}" ]] && "$BIN" --cleanup --chain-prefix "$CHAIN" --ipset-prefix "$SETP" 2>/dev/null
  for ns in "$NSA" "$NSB"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
    ip netns del "$ns" 2>/dev/null
  done
  while iptables -w -D FORWARD "${ACCEPT_RULE[@]}" 2>/dev/null; do :; done
  ip link del "$BR" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

BIN=${ISOPROOF_NETPOL_BIN:-}
if [[ -z "$BIN" ]]; then
  BIN=$work/isoproof-netpol
  log "building the enforcer"
  (cd "$here" && GOFLAGS=-mod=mod go build -o "$BIN" .)
fi

if iptables -w -S FORWARD | grep -q -- "-j ISOPROOF-NP-FORWARD"; then
  log "warning: a real enforcer (ISOPROOF-NP) is hooked; if its pod CIDR covers $NET.0/24 and it re-inserts its hook above ours, results may be skewed"
fi

# --- topology: bridge + two namespaces ---
ip link add "$BR" type bridge
ip addr add "$NET.1/24" dev "$BR"
ip link set "$BR" up
i=0
for ns in "$NSA" "$NSB"; do
  i=$((i + 1))
  ip netns add "$ns"
  ip link add "isoproof-tv$i" type veth peer name eth0 netns "$ns"
  ip link set "isoproof-tv$i" master "$BR" up
  ip -n "$ns" addr add "$NET.$((9 + i))/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
done
A=$NET.10
B=$NET.11
iptables -w -I FORWARD 1 "${ACCEPT_RULE[@]}"

# Listeners in B on 8080 and 9090 (busybox httpd answers any TCP connect).
mkdir -p "$work/www"
echo ok >"$work/www/index.html"
for port in 8080 9090; do
  ip netns exec "$NSB" busybox httpd -f -p "$B:$port" -h "$work/www" &
done
sleep 0.5

# connect NS IP PORT -> prints open | refused | timeout
connect() {
  local rc=0
  ip netns exec "$1" timeout 2 bash -c "exec 3<>/dev/tcp/$2/$3" 2>/dev/null || rc=$?
  case $rc in 0) echo open ;; 124) echo timeout ;; *) echo refused ;; esac
}
expect() { # description ns ip port want
  local got
  got=$(connect "$2" "$3" "$4")
  if [[ "$got" == "$5" ]]; then
    pass=$((pass + 1)); log "ok   $1: $got"
  else
    fail=$((fail + 1)); log "FAIL $1: got $got, want $5"
  fi
}

state() { # writes the state file; $1 = policies JSON array
  cat >"$work/state.json" <<EOF
{
  "namespaces": [{"metadata": {"name": "t", "labels": {"team": "t"}}}],
  "pods": [
    {"metadata": {"namespace": "t", "name": "client", "labels": {"app": "client"}},
     "spec": {"nodeName": "test-node", "containers": [{"name": "c"}]},
     "status": {"phase": "Running", "podIP": "$A"}},
    {"metadata": {"namespace": "t", "name": "server", "labels": {"app": "server"}},
     "spec": {"nodeName": "test-node", "containers": [{"name": "c", "ports": [{"name": "http", "containerPort": 8080}]}]},
     "status": {"phase": "Running", "podIP": "$B"}}
  ],
  "networkPolicies": $1
}
EOF
}

generation() { { curl -sS "http://$HEALTH/healthz" 2>/dev/null || true; } | sed -n 's/.*"generation":\([0-9]*\).*/\1/p'; }
wait_generation_above() {
  for _ in $(seq 100); do
    local g; g=$(generation)
    if [[ -n "$g" && "$g" -gt "$1" ]]; then return 0; fi
    sleep 0.1
  done
  log "enforcer did not sync (generation > $1)"; exit 1
}

expect "baseline, no enforcer: 8080" "$NSA" "$B" 8080 open
expect "baseline, no enforcer: 9090" "$NSA" "$B" 9090 open

# Policy 1: server ingress from app=client on the named port http only.
state '[{"metadata": {"namespace": "t", "name": "server-in"},
  "spec": {"podSelector": {"matchLabels": {"app": "server"}},
           "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "client"}}}], "ports": [{"port": "http"}]}]}}]'
"$BIN" --state-file "$work/state.json" --node-name test-node --pod-cidr "$NET.0/24" \
  --chain-prefix "$CHAIN" --ipset-prefix "$SETP" --healthz "$HEALTH" 2>"$work/enforcer.log" &
enf_pid=$!
wait_generation_above 0
expect "policy 1: client -> server:8080 (named port http)" "$NSA" "$B" 8080 open
expect "policy 1: client -> server:9090 denied" "$NSA" "$B" 9090 timeout

# Policy 2: add client egress allowed only to 10.244.250.0/24 except B: now 8080 is denied too.
g=$(generation)
state '[{"metadata": {"namespace": "t", "name": "server-in"},
  "spec": {"podSelector": {"matchLabels": {"app": "server"}},
           "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "client"}}}], "ports": [{"port": "http"}]}]}},
 {"metadata": {"namespace": "t", "name": "client-out"},
  "spec": {"podSelector": {"matchLabels": {"app": "client"}}, "policyTypes": ["Egress"],
           "egress": [{"to": [{"ipBlock": {"cidr": "10.244.250.0/24", "except": ["10.244.250.11/32"]}}]}]}}]'
kill -HUP "$enf_pid"
wait_generation_above "$g"
expect "policy 2: client egress excludes server: 8080 denied" "$NSA" "$B" 8080 timeout
expect "policy 2: server -> client (client ingress not isolated; no listener)" "$NSB" "$A" 8080 refused

curl -fsS "http://$HEALTH/healthz" >"$work/health.json"
log "healthz: $(cat "$work/health.json")"

# SIGTERM removes everything it created.
kill -TERM "$enf_pid"
wait "$enf_pid" && rc=0 || rc=$?
enf_pid=""
if [[ $rc == 0 ]] && ! iptables -w -S | grep -q -- "$CHAIN-" && ! ipset list -n | grep -q "^$SETP"; then
  pass=$((pass + 1)); log "ok   SIGTERM: exit 0, no chain or set left"
else
  fail=$((fail + 1)); log "FAIL SIGTERM: rc=$rc; leftovers:"; iptables -w -S | grep -- "$CHAIN-" >&2 || true; ipset list -n | grep "^$SETP" >&2 || true
fi
expect "after stop: 9090 open again" "$NSA" "$B" 9090 open

if [[ $fail -gt 0 ]]; then
  log "enforcer log:"; cat "$work/enforcer.log" >&2
fi
echo "$pass passed, $fail failed"
[[ $fail == 0 ]]
