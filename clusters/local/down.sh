#!/usr/bin/env bash
# Stops the local cluster and removes every trace of it on the host: processes (components, shims,
# containers), mounts, iptables chains and rules, ipsets, CNI state, interfaces and network namespaces,
# cgroups of pods. Idempotent: also the `sweep` after a crash. Keeps the build cache and, unless
# --purge-logs, the logs directory.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
[[ $EUID -eq 0 ]] || die "the local provider needs root to clean up"
purge_logs=0
[[ ${1:-} == --purge-logs ]] && purge_logs=1

# stop_component NAME...: TERM to every named supervisor at once (each stops its component and
# waits for it), then at most 15 s for all of them, then KILL whatever is left.
stop_component() {
  local name pids=() pid
  for name in "$@"; do
    [[ -f "$RUN/$name.pid" ]] || continue
    pid=$(cat "$RUN/$name.pid")
    kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
  done
  for _ in $(seq 1 150); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for name in "$@"; do
    [[ -f "$RUN/$name.pid" ]] && kill -KILL "$(cat "$RUN/$name.pid")" 2>/dev/null
    [[ -f "$RUN/$name.child" ]] && kill -KILL "$(cat "$RUN/$name.child")" 2>/dev/null
    rm -f "$RUN/$name.pid" "$RUN/$name.child"
  done
  return 0
}

# 1. Host components other than containerd, all at once (netpol removes its own rules on TERM).
others=()
for c in "${COMPONENTS[@]}"; do [[ $c == containerd ]] || others+=("$c"); done
stop_component "${others[@]}"

# 2. Containers: kill every task of the CRI namespace, then stop containerd.
if [[ -S $CONTAINERD_SOCK ]]; then
  for t in $(ctr -a "$CONTAINERD_SOCK" -n k8s.io tasks ls -q 2>/dev/null); do
    ctr -a "$CONTAINERD_SOCK" -n k8s.io tasks kill -s SIGKILL "$t" >/dev/null 2>&1
  done
  sleep 1
  for t in $(ctr -a "$CONTAINERD_SOCK" -n k8s.io tasks ls -q 2>/dev/null); do
    ctr -a "$CONTAINERD_SOCK" -n k8s.io tasks delete -f "$t" >/dev/null 2>&1
  done
fi
stop_component containerd
# Shims and container processes that outlived containerd (matched by our socket/state paths only).
pkill -KILL -f "containerd-shim-runc-v2 .*$RUN/containerd" 2>/dev/null
pkill -KILL -f "$RUN/containerd" 2>/dev/null
pkill -KILL -f "$here/supervise.sh" 2>/dev/null
# Container processes outlive their shim when containerd died first (a crash): every process left in
# the pods' cgroups (kubepods, created by our kubelet) is ours.
for _ in 1 2 3; do
  pids=$(cat /sys/fs/cgroup/*/kubepods/cgroup.procs /sys/fs/cgroup/*/kubepods/*/cgroup.procs \
    /sys/fs/cgroup/*/kubepods/*/*/cgroup.procs /sys/fs/cgroup/*/kubepods/*/*/*/cgroup.procs 2>/dev/null | sort -u)
  [[ -n $pids ]] || break
  kill -KILL $pids 2>/dev/null
  sleep 0.3
done
sleep 0.5

# 3. Mounts under our state and run dirs, deepest first.
awk -v s="$STATE" -v r="$RUN" '$2 ~ "^"s"/" || $2 ~ "^"r"/" || $2 == s || $2 == r {print $2}' /proc/self/mounts |
  awk '{print length, $0}' | sort -rn | cut -d' ' -f2- | while read -r m; do
  umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
done

# 4. Network namespaces of our pods (created by the CRI under /var/run/netns as cni-*; recorded at up),
#    our external host namespace, and our interfaces.
if [[ -f "$RUN/netns-before.txt" ]]; then
  for ns in $(ip netns list | awk '{print $1}' | grep '^cni-'); do
    grep -qx "$ns" "$RUN/netns-before.txt" || ip netns delete "$ns" 2>/dev/null
  done
fi
ip netns delete "$EXT_NS" 2>/dev/null
for link in "$BRIDGE" "$EXT_IF"; do ip link delete "$link" 2>/dev/null; done
ip addr del "$NODE_IP/32" dev lo 2>/dev/null

# 5. iptables: every chain of ours or of the components we ran (KUBE-*, CNI-*, ISOPROOF-*) that did not
#    exist before `up`, and every rule jumping to one; then ipsets of ours.
for table in filter nat mangle raw; do
  before="$RUN/iptables-before-$table.txt"
  chains=$(iptables -t "$table" -S 2>/dev/null | awk '$1=="-N"{print $2}' | grep -E '^(KUBE-|CNI-|ISOPROOF-)' || true)
  [[ -n $chains ]] || continue
  ours=()
  for c in $chains; do
    if [[ -f $before ]] && grep -qx "$c" "$before"; then continue; fi
    ours+=("$c")
  done
  ((${#ours[@]})) || continue
  pattern=$(printf '%s|' "${ours[@]}"); pattern="(${pattern%|})"
  # Delete rules (in any chain) that jump to our chains, then flush and delete our chains.
  iptables -t "$table" -S | grep -E -- "-j $pattern( |$)" | grep -E '^-A ' | while read -r rule; do
    eval "iptables -t $table ${rule/-A/-D}" 2>/dev/null
  done
  for c in "${ours[@]}"; do iptables -t "$table" -F "$c" 2>/dev/null; done
  for c in "${ours[@]}"; do iptables -t "$table" -X "$c" 2>/dev/null; done
done
for set in $(ipset list -n 2>/dev/null | grep -E '^(isoproof-|KUBE-)'); do ipset destroy "$set" 2>/dev/null; done
conntrack -D -s "$POD_CIDR" >/dev/null 2>&1
conntrack -D -d "$POD_CIDR" >/dev/null 2>&1

# 6. cgroups of pods (empty after the kill), sysctl we changed, state.
for ctl in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/unified/kubepods; do
  [[ -d $ctl ]] && find "$ctl" -depth -type d -exec rmdir {} \; 2>/dev/null
done
if [[ -f "$RUN/ip_forward.orig" ]]; then cat "$RUN/ip_forward.orig" > /proc/sys/net/ipv4/ip_forward; fi
if [[ -f "$RUN/bridge-nf-call-iptables.orig" && -e /proc/sys/net/bridge/bridge-nf-call-iptables ]]; then
  cat "$RUN/bridge-nf-call-iptables.orig" > /proc/sys/net/bridge/bridge-nf-call-iptables
fi
if ((purge_logs)); then rm -rf "$STATE"; else find "$STATE" -mindepth 1 -maxdepth 1 ! -path "$LOGS" -exec rm -rf {} + 2>/dev/null; fi
rm -rf "$RUN"
log "local cluster down"
exit 0
