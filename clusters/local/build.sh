#!/usr/bin/env bash
# Builds every binary of the local cluster from the Go module proxy, cached outside the work tree.
# Usage: clusters/local/build.sh            (prints the cache dir on the last line)
# The cache key is a hash of versions.env and BUILD_REVISION (bump it when a build step changes what it
# produces); a warm machine skips all work. Images are keyed separately by their own sources.
BUILD_REVISION=1
set -euo pipefail
shopt -s inherit_errexit
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=/dev/null
source "$here/versions.env"
key=$( (cat "$here/versions.env"; echo "build-revision $BUILD_REVISION") | sha256sum | cut -c1-12)
cache_root=${ISOPROOF_CACHE:-$HOME/.cache/isoproof}
out="$cache_root/local/$K8S_VERSION-$key"
bin="$out/bin"
work="$cache_root/build-work"
mkdir -p "$bin" "$work"
# Keep the user's GOFLAGS; -buildvcs=false because builds inside the repo must not depend on git
# metadata (a CI clone may belong to another user).
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod -buildvcs=false" CGO_ENABLED=0 GOTOOLCHAIN=${GOTOOLCHAIN:-local}
log() { printf '[isoproof build %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# replace_lines GOMOD DEFAULT: for each "X => ./local/path" replace in GOMOD, print "X => X <version>",
# the version being the one GOMOD requires, or DEFAULT where it requires the placeholder v0.0.0;
# replaces of modules GOMOD does not require (etcd's FORBIDDEN_DEPENDENCY guards) are dropped.
replace_lines() {
  awk -v def="$2" '
    /^require \(/ {inreq=1; next} /^replace \(/ {inrep=1; next} /^\)/ {inreq=0; inrep=0; next}
    inreq && NF>=2 {ver[$1]=$2}
    /^require [^(]/ {ver[$2]=$3}
    inrep && $2=="=>" && $3 ~ /^\./ {rep[$1]=1}
    END { for (m in rep) { v=ver[m]; if (v=="") continue; if (v ~ /^v0\.0\.0/) v=def; print "\t" m " => " m " " v } }
  ' "$1"
}

scratch_module() { # name main-module version default-for-placeholders
  local dir="$work/$1" mod="$2" ver="$3" def="$4" gomod
  mkdir -p "$dir"
  gomod=$(cd "$work" && go mod download -json "$mod@$ver" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  [[ -f "$gomod" ]] || { log "cannot download $mod@$ver from the Go module proxy"; exit 1; }
  {
    echo "module isoproof.local/build/$1"
    echo
    sed -n 's/^go \(.*\)/go \1/p' "$gomod"
    echo
    echo "require $mod $ver"
    echo
    echo "replace ("
    replace_lines "$gomod" "$def"
    echo ")"
  } > "$dir/go.mod"
  echo "$dir"
}

STEP_NOTE='cold builds take minutes; progress below'
# shellcheck source-path=SCRIPTDIR source=step.sh
source "$here/step.sh"

build_k8s() {
  local dir now minor
  dir=$(scratch_module k8s k8s.io/kubernetes "$K8S_VERSION" "$K8S_STAGING_VERSION")
  now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  minor=$(echo "$K8S_VERSION" | cut -d. -f2)
  local ld="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ld+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$now -X $pkg.gitCommit=isoproof-module-build"
  done
  local buildlog="$work/k8s-build.log"
  if ! (cd "$dir" && go build -v -trimpath -ldflags "$ld" -o "$bin/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy \
    k8s.io/kubernetes/cmd/kubeadm k8s.io/kubernetes/cmd/kubectl k8s.io/kubernetes/test/images/agnhost 2>&1 |
    tee "$buildlog" | awk '{n++} n%200==0 {printf "[isoproof build] k8s: %d packages compiled\n", n > "/dev/stderr"}'; exit "${PIPESTATUS[0]}"); then
    log "k8s: build failed; last lines of $buildlog:"
    tail -n 30 "$buildlog" >&2
    exit 1
  fi
  test -x "$bin/kube-apiserver" && test -x "$bin/agnhost"
}

build_etcd() {
  local dir
  dir=$(scratch_module etcd go.etcd.io/etcd/server/v3 "$ETCD_VERSION" "$ETCD_VERSION")
  (cd "$dir" && go build -trimpath -ldflags "-s -w" -o "$bin/etcd" go.etcd.io/etcd/server/v3)
}

build_coredns() {
  GOBIN="$bin" go install -trimpath -ldflags "-s -w" "github.com/coredns/coredns@$COREDNS_VERSION"
}

build_traefik() {
  "$here/ingress/build-traefik.sh" "$bin" >/dev/null
}

build_netpol() {
  (cd "$here/netpol" && go build -trimpath -ldflags "-s -w" -o "$bin/isoproof-netpol" .)
}

# Images: static binaries in minimal images (no registry, no Docker). Keyed by the sources of our own
# in-pod tools as well, so editing the prober rebuilds only the images.
build_images() {
  local root=$here/../.. srcs hash dir
  srcs=$(find "$root/packages/probe-network/agent" "$root/packages/probe-admission/inspect" \
    "$here/images" -type f \( -name '*.go' -o -name 'go.mod' -o -name '*.mjs' \) 2>/dev/null | sort)
  hash=$( (echo "$PAUSE_TAG $AGNHOST_TAG $COREDNS_TAG"; for f in $srcs; do cat "$f"; done) | sha256sum | cut -c1-12)
  dir="$out/images/$hash"
  if [[ ! -f "$dir/.done" ]]; then
    log "images: building $hash"
    mkdir -p "$dir/bin"
    local extra=()
    for tool in probe-network/agent:isoproof-prober probe-admission/inspect:isoproof-inspect; do
      local src=$root/packages/${tool%%:*} name=${tool##*:}
      if [[ -f "$src/go.mod" ]]; then
        (cd "$src" && go build -trimpath -ldflags "-s -w" -o "$dir/bin/$name" .)
        extra+=(--file "$dir/bin/$name:/$name")
      else
        log "images: $src missing, $name not in the agnhost image"
      fi
    done
    node "$here/images/make-image.mjs" --tag "$PAUSE_TAG" --out "$dir/pause.tar" \
      --entrypoint '["/agnhost","pause"]' --file "$bin/agnhost:/agnhost" --user 65535 >&2
    node "$here/images/make-image.mjs" --tag "$AGNHOST_TAG" --out "$dir/agnhost.tar" \
      --entrypoint '["/agnhost"]' --file "$bin/agnhost:/agnhost" "${extra[@]}" --dir /tmp:1777 >&2
    node "$here/images/make-image.mjs" --tag "$COREDNS_TAG" --out "$dir/coredns.tar" \
      --entrypoint '["/coredns"]' --file "$bin/coredns:/coredns" >&2
    touch "$dir/.done"
  fi
  ln -sfn "$dir" "$out/images/current"
}

step etcd build_etcd
step coredns build_coredns
step k8s build_k8s
# Our own enforcer is rebuilt whenever its sources change (the marker carries their hash).
if [[ -d "$here/netpol" ]]; then
  step "netpol-$(cat "$here"/netpol/*.go "$here"/netpol/go.mod | sha256sum | cut -c1-12)" build_netpol
fi
# The ingress controller (Traefik v3, pinned in ingress/build-traefik.sh).
if [[ -f "$here/ingress/build-traefik.sh" ]]; then
  step "traefik-$(sha256sum < "$here/ingress/build-traefik.sh" | cut -c1-12)" build_traefik
fi
build_images
echo "$out"
