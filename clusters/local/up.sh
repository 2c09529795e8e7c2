#!/usr/bin/env bash
# Brings up the isoproof local cluster: a real single-node Kubernetes built from upstream components,
# offline, as supervised host processes (containerd, etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kubelet, kube-proxy, isoproof-netpol) plus CoreDNS as a pod.
#
# Usage: clusters/local/up.sh            (root; builds first if the cache is cold)
# Prints `KEY=value` facts on stdout at the end (KUBECONFIG=..., NODE_IP=..., ...); logs go to stderr and
# to $ISOPROOF_LOCAL_LOGS (default: $STATE/logs).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

t_start=$SECONDS
[[ $EUID -eq 0 ]] || die "the local provider needs root (it runs containerd, kubelet and iptables); rerun as root or use --provider kind/existing"
"$here/setup-host.sh" || die "host setup failed: install containerd, runc, containernetworking-plugins, iptables, ipset, conntrack (clusters/local/setup-host.sh)"
for cmd in containerd runc ctr iptables iptables-restore ipset conntrack ip node go openssl; do
  command -v "$cmd" >/dev/null || die "missing '$cmd': install it (clusters/local/setup-host.sh lists the Debian packages)"
done
[[ -x /usr/lib/cni/bridge ]] || die "missing CNI plugins in /usr/lib/cni: run clusters/local/setup-host.sh"

if [[ -f "$RUN/kube-apiserver.pid" ]] && kill -0 "$(cat "$RUN/kube-apiserver.pid")" 2>/dev/null; then
  die "a local cluster is already running (state $STATE); run 'isoproof down --provider local' first"
fi

log "building or reusing the component cache"
out=$("$here/build.sh" | tail -n 1)
bin="$out/bin"
images="$out/images/current"
[[ -x "$bin/kube-apiserver" && -f "$images/agnhost.tar" ]] || die "build incomplete in $out"

# Leftovers of a crashed run are swept first, so the "before" snapshots below describe a clean host.
if [[ -d "$RUN" || -d "$STATE/conf" ]]; then
  log "sweeping leftovers of an earlier run"
  "$here/down.sh" >/dev/null 2>&1 || true
fi
mkdir -p "$STATE" "$RUN" "$LOGS" "$CONF" "$PKI" "$CNI_CONF"
echo $$ > "$RUN/up.pid"
ip netns list | awk '{print $1}' > "$RUN/netns-before.txt"
cp "$RUN/netns-before.txt" "$LOGS/netns-before-up.txt" # kept after down, for check-clean.sh
for table in filter nat mangle raw; do
  iptables -t "$table" -S 2>/dev/null | awk '$1=="-N"{print $2}' > "$RUN/iptables-before-$table.txt"
done
echo "$out" > "$RUN/cache-dir"
: > "$RUN/created.txt"

# ---- host networking -------------------------------------------------------------------------------
log "host networking: node address $NODE_IP on lo, pod CIDR $POD_CIDR, external netns $EXT_NS"
cat /proc/sys/net/ipv4/ip_forward > "$RUN/ip_forward.orig"
echo 1 > /proc/sys/net/ipv4/ip_forward
modprobe br_netfilter 2>/dev/null || true
[[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]] || die "br_netfilter is not loaded (needed for NetworkPolicy on a bridge)"
cat /proc/sys/net/bridge/bridge-nf-call-iptables > "$RUN/bridge-nf-call-iptables.orig"
echo 1 > /proc/sys/net/bridge/bridge-nf-call-iptables

# The node address lives on the loopback device (this kernel has no `dummy` link type); pods reach it
# through the host's routing like any node address.
ip addr replace "$NODE_IP/32" dev lo

# An "outside" host owned by the project: a network namespace with a veth to the host, and a listener.
if ! ip netns list | grep -qw "$EXT_NS"; then
  ip netns add "$EXT_NS"
  ip link add "$EXT_IF" type veth peer name eth0 netns "$EXT_NS"
  ip addr add "$EXT_GW/30" dev "$EXT_IF"
  ip link set "$EXT_IF" up
  ip netns exec "$EXT_NS" ip addr add "$EXT_IP/30" dev eth0
  ip netns exec "$EXT_NS" ip link set eth0 up
  ip netns exec "$EXT_NS" ip link set lo up
  ip netns exec "$EXT_NS" ip route add default via "$EXT_GW"
fi

# FORWARD policy is DROP on this machine: accept pod traffic in a chain of ours (isoproof-netpol inserts
# its policy chain in front of it).
iptables -N ISOPROOF-LOCAL-FWD 2>/dev/null || iptables -F ISOPROOF-LOCAL-FWD
iptables -A ISOPROOF-LOCAL-FWD -s "$POD_CIDR" -j ACCEPT
iptables -A ISOPROOF-LOCAL-FWD -d "$POD_CIDR" -j ACCEPT
iptables -C FORWARD -j ISOPROOF-LOCAL-FWD 2>/dev/null || iptables -I FORWARD 1 -j ISOPROOF-LOCAL-FWD

# ---- configuration ---------------------------------------------------------------------------------
"$here/render-config.sh" "$bin"

# ---- containerd ------------------------------------------------------------------------------------
start_component containerd containerd --config "$CONF/containerd.toml"
wait_for "containerd socket" 30 test -S "$CONTAINERD_SOCK"
wait_for "containerd CRI" 30 ctr -a "$CONTAINERD_SOCK" -n k8s.io version
for archive in "$images"/*.tar; do
  ctr -a "$CONTAINERD_SOCK" -n k8s.io images import "$archive" >/dev/null
done
log "images imported: $(ctr -a "$CONTAINERD_SOCK" -n k8s.io images ls -q | grep -c isoproof.local)"

# ---- control plane ---------------------------------------------------------------------------------
start_component etcd "$bin/etcd" --name isoproof-local --data-dir "$STATE/etcd" \
  --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
  --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
  --initial-cluster isoproof-local=http://127.0.0.1:2380 --listen-metrics-urls http://127.0.0.1:2381 \
  --unsafe-no-fsync --quota-backend-bytes 2147483648 --log-level warn
wait_for "etcd" 30 curl -sf http://127.0.0.1:2381/health

start_component kube-apiserver "$bin/kube-apiserver" \
  --advertise-address="$NODE_IP" --bind-address=0.0.0.0 --secure-port=6443 \
  --etcd-servers=http://127.0.0.1:2379 \
  --service-cluster-ip-range="$SERVICE_CIDR" \
  --authorization-mode=Node,RBAC --allow-privileged=true \
  --enable-admission-plugins=NodeRestriction \
  --client-ca-file="$PKI/ca.crt" \
  --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
  --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" \
  --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
  --kubelet-preferred-address-types=InternalIP \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
  --requestheader-client-ca-file="$PKI/front-proxy-ca.crt" \
  --proxy-client-cert-file="$PKI/front-proxy-client.crt" --proxy-client-key-file="$PKI/front-proxy-client.key" \
  --requestheader-allowed-names=front-proxy-client --requestheader-extra-headers-prefix=X-Remote-Extra- \
  --requestheader-group-headers=X-Remote-Group --requestheader-username-headers=X-Remote-User \
  --audit-policy-file="$CONF/audit-policy.yaml" --audit-log-path="$LOGS/audit.log" \
  --audit-log-maxsize=200 --audit-log-maxbackup=2 --audit-log-format=json \
  --profiling=false --v=1
wait_for "kube-apiserver /readyz" 90 kubectl_admin get --raw /readyz

start_component kube-controller-manager "$bin/kube-controller-manager" \
  --kubeconfig="$CONF/controller-manager.conf" \
  --authentication-kubeconfig="$CONF/controller-manager.conf" \
  --authorization-kubeconfig="$CONF/controller-manager.conf" \
  --bind-address=127.0.0.1 --leader-elect=false --use-service-account-credentials=true \
  --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
  --root-ca-file="$PKI/ca.crt" --service-account-private-key-file="$PKI/sa.key" \
  --allocate-node-cidrs=true --cluster-cidr="$POD_CIDR" --node-cidr-mask-size=24 \
  --service-cluster-ip-range="$SERVICE_CIDR" --controllers='*,-cloud-node-lifecycle' --v=1

start_component kube-scheduler "$bin/kube-scheduler" \
  --kubeconfig="$CONF/scheduler.conf" --authentication-kubeconfig="$CONF/scheduler.conf" \
  --authorization-kubeconfig="$CONF/scheduler.conf" --bind-address=127.0.0.1 --leader-elect=false --v=1

# ---- node ------------------------------------------------------------------------------------------
mkdir -p "$KUBELET_DIR"
start_component kubelet "$bin/kubelet" --config="$CONF/kubelet.yaml" --kubeconfig="$CONF/kubelet.conf" \
  --node-ip="$NODE_IP" --hostname-override="$NODE_NAME" --root-dir="$KUBELET_DIR" --v=1

start_component kube-proxy "$bin/kube-proxy" --config="$CONF/kube-proxy.yaml" --v=1

wait_for "node $NODE_NAME registered" 60 kubectl_admin get node "$NODE_NAME"
kubectl_admin apply --server-side --force-conflicts -f "$CONF/system.yaml" >/dev/null

start_component isoproof-netpol "$bin/isoproof-netpol" --kubeconfig="$CONF/netpol.conf" \
  --node-name="$NODE_NAME" --pod-cidr="$POD_CIDR" --healthz=127.0.0.1:10299

# The external listener (project-owned "outside" host for egress criteria).
start_component external-listener ip netns exec "$EXT_NS" "$bin/agnhost" netexec \
  --http-port="$EXT_PORT" --udp-port="$EXT_PORT"

# The ingress controller: Traefik as a host process (HTTP 127.0.0.1:18080, HTTPS 127.0.0.1:18443).
kubectl_admin apply --server-side --force-conflicts -f "$here/ingress/ingressclass.yaml" >/dev/null
start_component traefik "$here/ingress/start-traefik.sh" "$bin" "$CONF/ingress.conf" "$STATE/traefik"

wait_for "node Ready" 90 node_ready
wait_for "CoreDNS ready" 90 kubectl_admin -n kube-system rollout status deploy/coredns --timeout=5s
wait_for "netpol synced" 30 curl -sf http://127.0.0.1:10299/healthz
wait_for "ingress listening" 30 bash -c 'exec 3<>/dev/tcp/127.0.0.1/18443' 

"$here/self-check.sh"

t_ready=$((SECONDS - t_start))
log "local cluster ready in ${t_ready}s"
echo "$t_ready" > "$RUN/ready-seconds"
cp "$CONF/admin.conf" "$STATE/kubeconfig"
chmod 600 "$STATE/kubeconfig"
cat > "$RUN/facts.env" <<EOF
KUBECONFIG=$STATE/kubeconfig
CLUSTER_NAME=isoproof-local
NODE_NAME=$NODE_NAME
NODE_IP=$NODE_IP
SERVER_VERSION=$K8S_VERSION
AUDIT_LOG=$LOGS/audit.log
LOGS_DIR=$LOGS
EXTERNAL_TARGET=$EXT_IP:$EXT_PORT
IMAGES_DIR=$(readlink -f "$images")
READY_SECONDS=$t_ready
INGRESS_ADDRESS=127.0.0.1:18443
INGRESS_HTTP_ADDRESS=127.0.0.1:18080
INGRESS_DYNAMIC_DIR=$STATE/traefik/dynamic
POD_NETWORK_FROM_HOST=true
EOF
cat "$RUN/facts.env"
