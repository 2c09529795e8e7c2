#!/usr/bin/env bash
# Offline kind on our machines: a Docker engine of our own, kind, and the offline node image.
#
#   eval "$(bash clusters/kind/offline.sh up)"   # prints only `export ...` lines; progress on stderr
#   bash clusters/kind/offline.sh down           # no kind cluster, container, network or dockerd left
#
# `up` = clusters/kind/docker.sh start + `go install sigs.k8s.io/kind@$KIND_VERSION` into
# ~/.cache/isoproof/kind/bin-<version> (not on the global PATH) + clusters/kind/node-image.sh (builds the
# local provider's cache first when it is cold). Everything is cached: a second `up` takes seconds.
# `down` deletes every kind cluster whose name starts with `isoproof`, the containers labelled
# isoproof.dev/managed=true, the `kind` network, then stops our dockerd (its image cache stays in
# /var/lib/isoproof-docker; `down --purge` removes that too).
set -euo pipefail
shopt -s inherit_errexit
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=/dev/null
source "$here/versions.env"
# shellcheck source=/dev/null
source "$here/../local/versions.env"
SOCK=unix://${ISOPROOF_DOCKER_RUN:-/run/isoproof-docker}/docker.sock
cache_root=${ISOPROOF_CACHE:-$HOME/.cache/isoproof}
kind_bin_dir=$cache_root/kind/bin-$KIND_VERSION
log() { printf '[isoproof kind-offline %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'isoproof kind-offline: %s\n' "$*" >&2; exit 2; }

install_kind() {
  if [[ -x $kind_bin_dir/kind ]] && "$kind_bin_dir/kind" version 2>/dev/null | grep -qF " $KIND_VERSION "; then
    log "kind $KIND_VERSION: cached ($kind_bin_dir)"
    return
  fi
  command -v go >/dev/null || die "Go is needed to install kind $KIND_VERSION from the Go module proxy"
  log "kind $KIND_VERSION: go install into $kind_bin_dir"
  mkdir -p "$kind_bin_dir"
  GOBIN=$kind_bin_dir GOFLAGS=-buildvcs=false CGO_ENABLED=0 GOTOOLCHAIN=${GOTOOLCHAIN:-local} \
    go install "sigs.k8s.io/kind@$KIND_VERSION" >&2
}

up() {
  local t0=$SECONDS tag images
  "$here/docker.sh" start >&2
  install_kind
  # The local provider's cache (Kubernetes binaries, the project's images) is the node image's input.
  local cache_dir
  cache_dir=$("$here/../local/build.sh" | tail -n 1)
  tag=$(DOCKER_HOST=$SOCK "$here/node-image.sh" | tail -n 1)
  [[ $tag == "$NODE_IMAGE_REPO:"* ]] || die "node-image.sh did not print an image tag"
  images=$(readlink -f "$cache_dir/images/current")
  log "ready in $((SECONDS - t0)) s: node image $tag"
  cat <<EOF
export DOCKER_HOST=$SOCK
export PATH=$kind_bin_dir:\$PATH
export ISOPROOF_KIND_NODE_IMAGE=$tag
export ISOPROOF_KIND_TRAEFIK_IMAGE=$TRAEFIK_IMAGE
export ISOPROOF_IMAGE_ARCHIVES=$images
EOF
}

down() {
  local purge=${1:-} t0=$SECONDS
  export DOCKER_HOST=$SOCK
  if "$here/docker.sh" status >/dev/null 2>&1; then
    local kind=$kind_bin_dir/kind c
    [[ -x $kind ]] || kind=$(command -v kind || true)
    if [[ -n $kind ]]; then
      for c in $("$kind" get clusters 2>/dev/null | grep '^isoproof' || true); do
        log "deleting kind cluster $c"
        # A throw-away kubeconfig: kind must not edit ~/.kube/config (the provider never uses it).
        local kc
        kc=$(mktemp)
        "$kind" delete cluster --name "$c" --kubeconfig "$kc" >&2 || log "kind delete cluster $c failed"
        rm -f "$kc"
      done
    fi
    # Node containers of isoproof clusters kind could not delete, and our labelled containers.
    local ids
    ids=$( (docker ps -aq --filter label=isoproof.dev/managed=true
      docker ps -a --format '{{.ID}} {{.Label "io.x-k8s.kind.cluster"}}' | awk '$2 ~ /^isoproof/ {print $1}') | sort -u)
    if [[ -n $ids ]]; then
      log "removing containers: $(echo "$ids" | tr '\n' ' ')"
      # shellcheck disable=SC2086
      docker rm -f -v $ids >/dev/null
    fi
    if docker network inspect kind >/dev/null 2>&1; then
      if [[ -z $(docker network inspect kind -f '{{range $k, $v := .Containers}}{{$k}} {{end}}') ]]; then
        log "removing the kind network"
        docker network rm kind >/dev/null
      else
        log "the kind network still has containers that are not ours: kept"
      fi
    fi
  fi
  "$here/docker.sh" stop "$purge" >&2
  log "down in $((SECONDS - t0)) s"
}

case ${1:-} in
  up) up ;;
  down) down "${2:-}" ;;
  *) die "usage: $0 up | down [--purge]" ;;
esac
