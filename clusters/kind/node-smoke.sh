#!/usr/bin/env bash
# Test of a kind cluster made from the offline node image (clusters/kind/node-image.sh), by hand or in
# CI: nodes Ready, kube-system Running, pod IP, ClusterIP + DNS, pod-to-pod on one node and across
# nodes, a pod reaching a container on the kind Docker network, a default-deny NetworkPolicy that
# blocks same-node and cross-node traffic and is lifted again, and hostPort 80 on the control plane.
#
# Usage: node-smoke.sh KUBECONFIG [HOST:PORT mapped to the control plane's port 80]
# Needs DOCKER_HOST (the engine kind runs on) and the isoproof agnhost image in the node. Every wait
# is bounded; prints "N passed, N failed"; exits 1 on any failure. Creates and deletes namespace
# isoproof-img-smoke and one external container (label isoproof.dev/managed=true).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=/dev/null
source "$here/../local/versions.env"
kc=${1:?usage: node-smoke.sh KUBECONFIG [HOST:PORT]}
ingress=${2:-}
NS=isoproof-img-smoke
k() { kubectl --kubeconfig "$kc" "$@"; }
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
ko() { fail=$((fail + 1)); echo "FAIL $*"; }
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then ok "$what"; else ko "$what"; fi; }
# retry SECONDS CMD...: until CMD succeeds, bounded.
retry() { local end=$((SECONDS + $1)); shift; until "$@" >/dev/null 2>&1; do ((SECONDS < end)) || return 1; sleep 1; done; }
# never SECONDS CMD...: CMD fails on every try during SECONDS (a blocked connection).
never() { local end=$((SECONDS + $1)); shift; while ((SECONDS < end)); do "$@" >/dev/null 2>&1 && return 1; sleep 1; done; }
conn() { k -n "$NS" exec "$1" -- /agnhost connect "$2" --timeout=2s; }
blocked() { ! conn "$@"; }
t0=$SECONDS

check "every node Ready" retry 120 bash -c "! kubectl --kubeconfig '$kc' get nodes --no-headers | awk '\$2 != \"Ready\"' | grep -q ."
check "kube-system pods Running" retry 120 bash -c "kubectl --kubeconfig '$kc' -n kube-system get pods --no-headers | awk '\$3 != \"Running\" {bad=1} END {exit bad}'"
cp_node=$(k get nodes -l node-role.kubernetes.io/control-plane -o jsonpath='{.items[0].metadata.name}')
other=$(k get nodes -l '!node-role.kubernetes.io/control-plane' -o jsonpath='{.items[0].metadata.name}' 2>/dev/null)
[[ -n $other ]] || other=$cp_node
echo "     control plane $cp_node, second node $other"

k delete namespace "$NS" --ignore-not-found --wait=true --timeout=60s >/dev/null
k create namespace "$NS" >/dev/null
pod() { # name node [extra ports yaml]
  cat <<EOF
apiVersion: v1
kind: Pod
metadata: { name: $1, namespace: $NS, labels: { app: $1 } }
spec:
  nodeName: $2
  tolerations: [{ operator: Exists }]
  containers:
    - name: c
      image: $AGNHOST_TAG
      imagePullPolicy: Never
      args: [netexec, --http-port=${3:-8080}]
${4:-}
---
EOF
}
{
  pod a "$cp_node"; pod b "$other"; pod c "$cp_node"
  pod web "$cp_node" 8000 "      ports: [{ containerPort: 8000, hostPort: 80 }]"
  cat <<EOF
apiVersion: v1
kind: Service
metadata: { name: b, namespace: $NS }
spec: { selector: { app: b }, ports: [{ port: 80, targetPort: 8080 }] }
EOF
} | k apply -f - >/dev/null
check "pods Running" k -n "$NS" wait --for=condition=Ready pod --all --timeout=90s
ip_of() { k -n "$NS" get pod "$1" -o jsonpath='{.status.podIP}'; }
b_ip=$(ip_of b) c_ip=$(ip_of c)
echo "     pod IPs: a $(ip_of a), b $b_ip ($other), c $c_ip ($cp_node)"
check "pod IP assigned" test -n "$b_ip"
check "pod to pod, same node (a -> c)" retry 20 conn a "$c_ip:8080"
check "pod to pod, across nodes (a -> b)" retry 20 conn a "$b_ip:8080"
check "ClusterIP by DNS name (a -> b.$NS.svc.cluster.local:80)" retry 30 conn a "b.$NS.svc.cluster.local:80"
check "ClusterIP from the other node (b -> b's own service)" retry 20 conn b "b.$NS:80"

# A container on the kind Docker network, outside the cluster.
ext=""
if docker image inspect "$AGNHOST_TAG" >/dev/null 2>&1 || { [[ -n ${ISOPROOF_IMAGE_ARCHIVES:-} ]] && docker load -i "$ISOPROOF_IMAGE_ARCHIVES/agnhost.tar" >/dev/null 2>&1; }; then
  ext=$(docker run -d --rm --network kind --label isoproof.dev/managed=true --label isoproof.dev/component=smoke-external \
    "$AGNHOST_TAG" netexec --http-port=8080 2>/dev/null)
fi
if [[ -n $ext ]]; then
  ext_ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$ext")
  check "pod reaches a container on the kind network ($ext_ip:8080)" retry 20 conn b "$ext_ip:8080"
else
  ko "external container on the kind network (set ISOPROOF_IMAGE_ARCHIVES or load $AGNHOST_TAG into Docker)"
fi

# NetworkPolicy: default deny ingress in the namespace, then lifted.
k apply -f - >/dev/null <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: default-deny, namespace: $NS }
spec: { podSelector: {}, policyTypes: [Ingress] }
EOF
check "default deny blocks across nodes (a -> b)" retry 20 blocked a "$b_ip:8080"
check "default deny stays blocking (a -> b, 5 s)" never 5 conn a "$b_ip:8080"
check "default deny blocks on one node (a -> c, 5 s)" never 5 conn a "$c_ip:8080"
k -n "$NS" delete networkpolicy default-deny >/dev/null
check "policy deleted: across nodes again (a -> b)" retry 20 conn a "$b_ip:8080"
check "policy deleted: same node again (a -> c)" retry 20 conn a "$c_ip:8080"

if [[ -n $ingress ]]; then
  check "hostPort 80 on the control plane answers on $ingress" retry 30 curl -sf -m 3 "http://$ingress/hostname"
fi

[[ -n $ext ]] && docker rm -f "$ext" >/dev/null 2>&1
k delete namespace "$NS" --wait=false >/dev/null 2>&1
echo "     $((SECONDS - t0)) s"
echo "$pass passed, $fail failed"
((fail == 0))
