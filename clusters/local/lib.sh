# Shared settings and helpers of the local cluster scripts (sourced, not run).
# shellcheck shell=bash disable=SC2034
lib_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
source "$lib_here/versions.env"

STATE=${ISOPROOF_LOCAL_STATE:-/var/lib/isoproof-local}
RUN=${ISOPROOF_LOCAL_RUN:-/run/isoproof-local}
LOGS=${ISOPROOF_LOCAL_LOGS:-$STATE/logs}
CONF=$STATE/conf
PKI=$STATE/pki
CNI_CONF=$STATE/cni
KUBELET_DIR=$STATE/kubelet
CONTAINERD_SOCK=$RUN/containerd/containerd.sock

NODE_NAME=isoproof-local
# Addresses the project creates on this machine (a node address on lo, a bridge, a network namespace).
NODE_IP=${ISOPROOF_LOCAL_NODE_IP:-10.245.0.1}
POD_CIDR=10.244.0.0/16
NODE_POD_CIDR=10.244.0.0/24
SERVICE_CIDR=10.96.0.0/16
DNS_IP=10.96.0.10
BRIDGE=isoproof0
EXT_NS=isoproof-ext
EXT_IF=isoproof-ext0
EXT_GW=10.246.0.1
EXT_IP=10.246.0.2
EXT_PORT=8080

# Components in start order; `down` stops them in reverse.
COMPONENTS=(containerd etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy
  isoproof-netpol external-listener traefik)

log() { printf '[isoproof local %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'isoproof local: %s\n' "$*" >&2; exit 2; }

# start_component NAME CMD...: runs CMD under clusters/local/supervise.sh (restarts on crash, bounded),
# detached from our session so it outlives `isoproof up`. Logs: $LOGS/NAME.log.
start_component() {
  local name=$1; shift
  mkdir -p "$LOGS" "$RUN"
  setsid "$lib_here/supervise.sh" "$name" "$RUN/$name" "$LOGS/$name.log" "$@" </dev/null >/dev/null 2>&1 &
  echo $! > "$RUN/$name.pid"
  log "started $name (supervisor pid $!)"
}

# wait_for WHAT SECONDS CMD...: polls CMD every 0.5 s until it succeeds, bounded.
wait_for() {
  local what=$1 secs=$2; shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      die "timed out after ${secs}s waiting for $what (logs in $LOGS)"
    fi
    sleep 0.5
  done
  log "$what: ok"
}

kubectl_admin() { "$(cat "$RUN/cache-dir")/bin/kubectl" --kubeconfig "$CONF/super-admin.conf" "$@"; }

node_ready() {
  [[ $(kubectl_admin get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}') == True ]]
}
