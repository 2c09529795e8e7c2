#!/usr/bin/env bash
# Test: after `down`, nothing of the local cluster is left on the host: no processes, mounts, iptables
# chains or rules, ipsets, interfaces, network namespaces. Prints each check; exits 1 on any leftover.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
pass=0 fail=0
check() { # check NAME OUTPUT-THAT-MUST-BE-EMPTY
  if [[ -z $2 ]]; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1:"; echo "$2" | head -20 | sed 's/^/       /'; fi
}
procs=$(ps -eo pid=,comm=,args= | awk -v run="$RUN" '$2 != "awk" &&
  ($2 ~ /^(kube-apiserver|kube-controller|kube-scheduler|kubelet|kube-proxy|isoproof-netpol|etcd|coredns|agnhost|traefik|isoproof-prober)$/ ||
   index($0, run "/containerd") || index($0, "clusters/local/supervise.sh")) {print}' || true)
check "no processes of ours" "$procs"
check "no mounts under $STATE or $RUN" "$(awk -v s="$STATE" -v r="$RUN" 'index($2, s)==1 || index($2, r)==1 {print $2}' /proc/self/mounts)"
chains=""
for t in filter nat mangle raw; do
  chains+=$(iptables -t "$t" -S 2>/dev/null | grep -E -- '(-N|-j) (KUBE-|CNI-|ISOPROOF-)' | sed "s/^/$t: /")
done
check "no iptables chains or jumps of ours (KUBE-, CNI-, ISOPROOF-)" "$chains"
check "no ipsets of ours" "$(ipset list -n 2>/dev/null | grep -E '^(isoproof-|KUBE-)' || true)"
check "no interfaces or addresses of ours" "$(ip -o link show | awk -F': ' '{print $2}' | grep -E "^($BRIDGE|$EXT_IF)(@|$)" || true)$(ip -o addr show dev lo | grep -F " $NODE_IP/" || true)"
# Pod network namespaces (cni-*) that existed before `up` are not ours (up.sh records them).
before=$LOGS/netns-before-up.txt
check "no network namespaces of ours" "$(ip netns list | awk '{print $1}' | grep -E "^($EXT_NS|cni-)" |
  { if [[ -f $before ]]; then grep -vxF -f "$before"; else cat; fi; } || true)"
check "no run directory" "$([[ -e $RUN ]] && echo "$RUN exists")"
echo "$pass passed, $fail failed"
((fail == 0))
