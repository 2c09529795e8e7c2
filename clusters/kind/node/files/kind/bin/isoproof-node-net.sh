#!/bin/bash
# isoproof-node-net: the pod network of an offline kind node, in place of kindnetd. Runs on every node
# (systemd unit), as the node itself (/etc/kubernetes/kubelet.conf; default-cni.yaml grants the
# system:nodes group read access to nodes). Every 2 s until the node is set up and nothing changes, then
# every 10 s, it:
#   - writes the CNI config for this node's podCIDR (bridge cni0 + host-local, portmap for hostPorts;
#     no masquerading by the bridge plugin: pod-to-pod traffic keeps pod addresses across nodes);
#   - routes every other node's podCIDR via that node's InternalIP (routes of protocol 211 are ours;
#     stale ones are removed);
#   - masquerades pod traffic that leaves the cluster's pod CIDR (e.g. to containers on the kind
#     Docker network), in a nat chain of its own.
set -o nounset -o pipefail
say() { echo "isoproof-node-net: $*" >&2; }
KUBECONFIG=/etc/kubernetes/kubelet.conf
CONFLIST=/etc/cni/net.d/10-isoproof.conflist
PROTO=211
node=$(hostname)

until [[ -f $KUBECONFIG && -f /kind/kubeadm.conf ]]; do sleep 2; done
cluster_cidr=$(awk '$1 == "podSubnet:" {gsub(/"/, "", $2); print $2; exit}' /kind/kubeadm.conf)
cluster_cidr=${cluster_cidr%%,*}
[[ -n $cluster_cidr ]] || { say "no podSubnet in /kind/kubeadm.conf"; exit 1; }
say "node $node, cluster pod CIDR $cluster_cidr"

sysctl -q -w net.ipv4.ip_forward=1 || true
[[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]] && echo 1 > /proc/sys/net/bridge/bridge-nf-call-iptables
[[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]] || say "br_netfilter is not loaded: NetworkPolicy cannot see same-node pod traffic"

masquerade() {
  iptables -t nat -N ISOPROOF-NODE-MASQ 2>/dev/null || true
  if ! iptables -t nat -C ISOPROOF-NODE-MASQ -s "$cluster_cidr" ! -d "$cluster_cidr" -j MASQUERADE 2>/dev/null; then
    iptables -t nat -F ISOPROOF-NODE-MASQ
    iptables -t nat -A ISOPROOF-NODE-MASQ -s "$cluster_cidr" ! -d "$cluster_cidr" -j MASQUERADE
  fi
  iptables -t nat -C POSTROUTING -j ISOPROOF-NODE-MASQ 2>/dev/null || iptables -t nat -A POSTROUTING -j ISOPROOF-NODE-MASQ
}

write_conflist() { # podCIDR
  local cidr=$1 gw
  gw=$(awk -F'[./]' '{printf "%d.%d.%d.%d", $1, $2, $3, $4 + 1}' <<<"$cidr")
  local want
  want=$(cat <<JSON
{
  "cniVersion": "1.0.0",
  "name": "isoproof-kind",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni0",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "$cidr", "gateway": "$gw" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
JSON
)
  if [[ ! -f $CONFLIST || $(cat "$CONFLIST") != "$want" ]]; then
    mkdir -p "$(dirname "$CONFLIST")"
    printf '%s\n' "$want" > "$CONFLIST.tmp" && mv "$CONFLIST.tmp" "$CONFLIST"
    say "CNI config written for podCIDR $cidr"
    settled=0
  fi
}

sync_once() {
  local lines
  lines=$(kubectl --kubeconfig "$KUBECONFIG" get nodes --request-timeout=10s -o \
    jsonpath='{range .items[*]}{.metadata.name}{"|"}{.spec.podCIDR}{"|"}{.status.addresses[?(@.type=="InternalIP")].address}{"\n"}{end}' 2>&1) ||
    { say "cannot list nodes: ${lines##*$'\n'}"; settled=0; return 1; }
  local name cidr ip want=""
  while IFS='|' read -r name cidr ip; do
    [[ -n $name ]] || continue
    # A node that just joined may have no podCIDR or address yet: look again soon.
    [[ -n $cidr && -n $ip ]] || { settled=0; continue; }
    if [[ $name == "$node" ]]; then
      write_conflist "$cidr"
    else
      want+="$cidr "
      if [[ $(ip -4 route show "$cidr" proto $PROTO) != *"via $ip "* ]]; then
        ip route replace "$cidr" via "$ip" proto $PROTO && say "route $cidr via $ip ($name)"
        settled=0
      fi
    fi
  done <<<"$lines"
  local r
  for r in $(ip -4 route show proto $PROTO | awk '{print $1}'); do
    [[ " $want" == *" $r "* ]] || { ip route del "$r" proto $PROTO && say "route $r removed"; settled=0; }
  done
  masquerade
}

while true; do
  settled=1
  sync_once || true
  [[ -f $CONFLIST ]] || settled=0
  if ((settled)); then sleep 10; else sleep 2; fi
done
