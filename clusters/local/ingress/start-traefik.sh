#!/usr/bin/env bash
# Runs Traefik (built by build-traefik.sh) as a host process in the FOREGROUND, as the local cluster's
# ingress controller. Usage:
#   clusters/local/ingress/start-traefik.sh <bin-dir> <kubeconfig> <state-dir>
# Env: ISOPROOF_INGRESS_HTTP_ADDR (default 127.0.0.1:18080), ISOPROOF_INGRESS_HTTPS_ADDR (127.0.0.1:18443).
# It renders the static config into <state-dir>/traefik.yaml, copies the shared dynamic config into
# <state-dir>/dynamic/ (watched: scenarios may drop their own *.yaml there, see facts below) and prints
# the provider facts on stderr before exec'ing traefik.
set -euo pipefail
[[ $# -eq 3 ]] || { echo "usage: $0 <bin-dir> <kubeconfig> <state-dir>" >&2; exit 2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin="$(cd "$1" && pwd)/traefik"
kubeconfig=$(realpath "$2")
mkdir -p "$3/dynamic"
state=$(cd "$3" && pwd)
http_addr=${ISOPROOF_INGRESS_HTTP_ADDR:-127.0.0.1:18080}
https_addr=${ISOPROOF_INGRESS_HTTPS_ADDR:-127.0.0.1:18443}
[[ -x "$bin" ]] || { echo "no traefik at $bin: run $here/build-traefik.sh $1 first" >&2; exit 1; }
[[ -r "$kubeconfig" ]] || { echo "kubeconfig $kubeconfig not readable" >&2; exit 1; }

sed -e "s#\"127.0.0.1:18080\"#\"$http_addr\"#" \
    -e "s#\"127.0.0.1:18443\"#\"$https_addr\"#" \
    -e "s#directory: /var/lib/isoproof/traefik/dynamic#directory: $state/dynamic#" \
    "$here/traefik.yaml" >"$state/traefik.yaml"
cp "$here"/dynamic/*.yaml "$state/dynamic/"

cat >&2 <<FACTS
[isoproof traefik] facts for the provider:
  ingressAddress=$https_addr
  ingressHttpAddress=$http_addr
  ingressDynamicDir=$state/dynamic
FACTS
export KUBECONFIG="$kubeconfig" ISOPROOF_INGRESS_HTTPS_PORT="${https_addr##*:}"
exec "$bin" --configFile="$state/traefik.yaml"
