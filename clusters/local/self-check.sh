#!/usr/bin/env bash
# Proves the fresh cluster enforces NetworkPolicy: a denied connect must time out while its control
# (same source and target, the allowed port) connects. Exits 2 with a clear line otherwise.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
ns=isoproof-selfcheck
sed -e "s#@AGNHOST_TAG@#$AGNHOST_TAG#g" "$here/config/self-check.yaml" | kubectl_admin apply -f - >/dev/null
wait_for "self-check service account" 30 kubectl_admin -n "$ns" get serviceaccount default
kubectl_admin -n "$ns" wait --for=condition=Ready pod/server pod/client --timeout=60s >/dev/null ||
  die "self-check pods did not become Ready (logs in $LOGS)"
ip=$(kubectl_admin -n "$ns" get pod server -o jsonpath='{.status.podIP}')
connect() { kubectl_admin -n "$ns" exec client -- /agnhost connect "$ip:$1" --timeout=2s 2>&1; }
# The policy may take a moment to be programmed: poll (bounded) until the deny holds.
deadline=$((SECONDS + 15)); deny=""
while ((SECONDS < deadline)); do
  deny=$(connect 8080 || true)
  [[ $deny == *TIMEOUT* ]] && break
  sleep 0.5
done
control=$(connect 8081 && echo CONNECTED || true)
kubectl_admin delete namespace "$ns" --wait=false >/dev/null
[[ $control == *CONNECTED* ]] || die "self-check control failed: $ip:8081 did not connect ($control); the probe could not have succeeded"
[[ $deny == *TIMEOUT* ]] || die "NetworkPolicy is not enforced: $ip:8080 should time out, got: ${deny:-connected}"
log "NetworkPolicy enforced: deny 8080 timed out, control 8081 connected"
