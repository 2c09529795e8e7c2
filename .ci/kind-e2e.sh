#!/usr/bin/env bash
# The kind part of CI: a Docker engine, kind and the offline node image (clusters/kind/offline.sh),
# then every scenario's e2e on a one-node kind cluster, the network scenarios on a two-node cluster
# (pods of each scenario on both nodes, checked), then everything down and the kind leftover check.
# Usage: bash .ci/kind-e2e.sh LOGDIR   (writes kind-e2e.log, kind-two-nodes.log and kind-clean.log there)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
logs=${1:?usage: .ci/kind-e2e.sh LOGDIR}
mkdir -p "$logs"
t0=$SECONDS
say() { printf '[kind-e2e %4ds] %s\n' "$((SECONDS - t0))" "$*"; }
cli() { node packages/cli/bin/isoproof.js "$@"; }
export NX_DAEMON=false NX_NO_CLOUD=true TESTCONTAINERS_RYUK_DISABLED=true
# settled CLUSTER: `isoproof up --provider kind` returns only once every node is Ready and CoreDNS is
# available (kind's --wait covers the control plane only; a scenario probing DNS right after a fresh
# two-node `up` saw it time out). Checked here without waiting: a short bound, no retry.
settled() {
  local node="$1-control-plane"
  docker exec "$node" kubectl --kubeconfig /etc/kubernetes/admin.conf wait --for=condition=Ready nodes --all --timeout=5s >/dev/null &&
    docker exec "$node" kubectl --kubeconfig /etc/kubernetes/admin.conf -n kube-system rollout status deployment/coredns --timeout=5s >/dev/null &&
    say "$1: nodes Ready and CoreDNS available when up returned"
}

say "offline kind: Docker engine, kind, node image"
exports=$(bash clusters/kind/offline.sh up)
eval "$exports"
trap 'bash clusters/kind/offline.sh down >/dev/null 2>&1 || true' EXIT
say "ready: node image $ISOPROOF_KIND_NODE_IMAGE"
export ISOPROOF_PROVIDER=kind
rc=0
scenario_projects='@isoproof/scenario-*'
network_projects='@isoproof/scenario-tenant-isolation,@isoproof/scenario-service-segmentation'

# One node: every scenario's e2e (baseline all PASS, each overlay flips exactly its criteria).
export ISOPROOF_CLUSTER_NAME=isoproof-ci-kind
t=$SECONDS
ISOPROOF_KUBECONFIG=$(cli up --provider kind --cluster-name "$ISOPROOF_CLUSTER_NAME")
export ISOPROOF_KUBECONFIG
say "one-node cluster up in $((SECONDS - t)) s"
settled "$ISOPROOF_CLUSTER_NAME" || { say "$ISOPROOF_CLUSTER_NAME: not settled when up returned"; rc=1; }
t=$SECONDS
ISOPROOF_ARTIFACTS=$PWD/artifacts/kind npx nx run-many -t e2e --parallel=1 --output-style=stream -p "$scenario_projects" 2>&1 |
  tee "$logs/kind-e2e.log" || rc=1
say "one-node e2e in $((SECONDS - t)) s"
t=$SECONDS
cli down --provider kind --cluster-name "$ISOPROOF_CLUSTER_NAME" || rc=1
say "one-node cluster down in $((SECONDS - t)) s"

# The provider itself on a real kind cluster of its own (packages/cluster: an image only in Docker
# loaded through docker save + kind load image-archive, the runner-owned audit log, free loopback
# ingress ports, reuse, down) and the external listener against this Docker; counted with the e2e.
t=$SECONDS
(cd packages/cluster && npx vitest run --config vitest.e2e.config.ts test/kind.e2e.test.ts test/external-listener.e2e.test.ts) 2>&1 |
  tee -a "$logs/kind-e2e.log" || rc=1
say "kind provider e2e in $((SECONDS - t)) s"

# Two nodes (control plane + worker): the network scenarios, pods left in place after the last test
# (ISOPROOF_E2E_KEEP) so the spread over both nodes can be checked, then swept.
export ISOPROOF_CLUSTER_NAME=isoproof-ci-kind2
t=$SECONDS
ISOPROOF_KUBECONFIG=$(cli up --provider kind --cluster-name "$ISOPROOF_CLUSTER_NAME" --kind-config clusters/kind/isoproof-two-nodes.yaml)
export ISOPROOF_KUBECONFIG
say "two-node cluster up in $((SECONDS - t)) s"
# Placement of the network scenarios' namespaces on both nodes (cluster configuration, not a scenario
# object); the spread check below proves it took effect.
docker exec -i "$ISOPROOF_CLUSTER_NAME-control-plane" kubectl --kubeconfig /etc/kubernetes/admin.conf apply -f - \
  < clusters/kind/two-nodes-placement.yaml
sleep 5 # the API server picks new admission policies up within a second or two
settled "$ISOPROOF_CLUSTER_NAME" || { say "$ISOPROOF_CLUSTER_NAME: not settled when up returned"; rc=1; }
t=$SECONDS
ISOPROOF_E2E_KEEP=1 ISOPROOF_ARTIFACTS=$PWD/artifacts/kind-two-nodes npx nx run-many -t e2e --parallel=1 --output-style=stream -p "$network_projects" 2>&1 |
  tee "$logs/kind-two-nodes.log" || rc=1
say "two-node e2e in $((SECONDS - t)) s"
# Each network scenario must have had pods on both nodes, or cross-node paths were not proven.
node_container="$ISOPROOF_CLUSTER_NAME-control-plane"
spread_ok=0 spread_fail=0
for s in tenant-isolation service-segmentation; do
  k() { docker exec "$node_container" kubectl --kubeconfig /etc/kubernetes/admin.conf "$@"; }
  nodes=$(for ns in $(k get namespaces -l "isoproof.dev/scenario=$s" -o jsonpath='{.items[*].metadata.name}'); do
    k get pods -n "$ns" -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}'
  done | sort -u | grep -c . || true)
  if [[ $nodes -ge 2 ]]; then
    spread_ok=$((spread_ok + 1)); say "spread: $s has pods on $nodes nodes"
  else
    spread_fail=$((spread_fail + 1)); rc=1; say "spread: FAIL: $s has pods on $nodes node(s), cross-node paths not proven"
  fi
done
echo "$spread_ok passed, $spread_fail failed" > "$logs/kind-spread.log"
cli sweep --kubeconfig "$ISOPROOF_KUBECONFIG" >/dev/null || rc=1
t=$SECONDS
cli down --provider kind --cluster-name "$ISOPROOF_CLUSTER_NAME" || rc=1
say "two-node cluster down in $((SECONDS - t)) s"

t=$SECONDS
bash clusters/kind/offline.sh down
trap - EXIT
say "offline kind down in $((SECONDS - t)) s"
bash clusters/kind/check-clean.sh | tee "$logs/kind-clean.log"
say "done (rc=$rc)"
exit "$rc"
