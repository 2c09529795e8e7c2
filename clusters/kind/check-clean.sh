#!/usr/bin/env bash
# Test: after `clusters/kind/offline.sh down`, nothing of the offline kind setup is left on the host:
# no dockerd/containerd/shim of ours, no container (running or stopped) in our engine's data root, no
# bridge or veth of a Docker network, no mounts or run directory, and no iptables rules from Docker.
# Prints each check and "N passed, N failed"; exits 1 on any leftover.
set -uo pipefail
RUN_DIR=${ISOPROOF_DOCKER_RUN:-/run/isoproof-docker}
DATA_ROOT=${ISOPROOF_DOCKER_DATA:-/var/lib/isoproof-docker}
pass=0 fail=0
check() { # check NAME OUTPUT-THAT-MUST-BE-EMPTY
  if [[ -z $2 ]]; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1:"; echo "$2" | head -20 | sed 's/^/       /'; fi
}
check "no dockerd, containerd or shim of ours" "$(ps -eo pid=,args= | awk -v r="$RUN_DIR" -v d="$DATA_ROOT" \
  '$2 !~ /awk$/ && (index($0, r) || index($0, d)) {print}' || true)"
check "no kubelet of a kind node (kubeadm-style --bootstrap-kubeconfig)" "$(ps -eo pid=,args= |
  awk '$2 !~ /awk$/ && index($0, "--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf") {print}' || true)"
check "no run directory" "$([[ -e $RUN_DIR ]] && echo "$RUN_DIR exists")"
check "no mounts under $RUN_DIR or $DATA_ROOT" "$(awk -v r="$RUN_DIR" -v d="$DATA_ROOT" \
  'index($2, r)==1 || index($2, d)==1 {print $2}' /proc/self/mounts)"
check "no containers left in $DATA_ROOT (running or stopped)" \
  "$(find "$DATA_ROOT/containers" -mindepth 1 -maxdepth 1 2>/dev/null || true)"
check "no Docker network bridges (docker0, br-<id>) or their veths" "$(ip -o link show 2>/dev/null | awk -F': ' '
  { name = $2; sub(/@.*/, "", name) }
  name ~ /^(docker0|br-[0-9a-f]+)$/ || $0 ~ / master (docker0|br-[0-9a-f]+) / { print name }')"
check "no container cgroups left (/sys/fs/cgroup/*/docker/<id>)" "$(find /sys/fs/cgroup/ -mindepth 2 -maxdepth 3 -type d \
  -path '*/docker/*' -regextype posix-extended -regex '.*/docker/[0-9a-f]{64}' 2>/dev/null | head -5)"
check "no iptables chains or rules of Docker (it runs with --iptables=false)" "$(for t in filter nat; do
  iptables -t "$t" -S 2>/dev/null | grep -E 'DOCKER' | sed "s/^/$t: /"; done)"
echo "$pass passed, $fail failed"
((fail == 0))
