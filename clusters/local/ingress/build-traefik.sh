#!/usr/bin/env bash
# Builds Traefik v3 (the local cluster's ingress controller, run as a host process) from its Go module.
# Usage: clusters/local/ingress/build-traefik.sh <bin-dir>      -> <bin-dir>/traefik
# Idempotent: a <bin-dir>/traefik already reporting TRAEFIK_VERSION is kept. Progress goes to stderr,
# the binary path is printed on the last stdout line.
#
# Traefik's go.mod carries replace/exclude lines that a dependent module does not inherit, so the build
# happens in a scratch module that requires traefik and repeats them. Its one local-path replace
# (github.com/traefik/traefik/dynamic/ext => ./pkg/config/dynamic/ext) points at a nested module that the
# module zip does not contain: it is an empty extension point, recreated here as a stub module.
set -euo pipefail
[[ $# -eq 1 ]] || { echo "usage: $0 <bin-dir>" >&2; exit 2; }
TRAEFIK_VERSION=${TRAEFIK_VERSION:-v3.6.12}
mod=github.com/traefik/traefik/v3
mkdir -p "$1"
bin_dir=$(cd "$1" && pwd)
out="$bin_dir/traefik"
log() { printf '[isoproof traefik %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if [[ -x "$out" ]] && "$out" version 2>/dev/null | grep -q "Version:[[:space:]]*${TRAEFIK_VERSION#v}\$"; then
  log "$out is already $TRAEFIK_VERSION, nothing to do"
  echo "$out"
  exit 0
fi

export CGO_ENABLED=0 GOTOOLCHAIN=${GOTOOLCHAIN:-local} GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod -buildvcs=false"
work=${ISOPROOF_CACHE:-$HOME/.cache/isoproof}/traefik-build/$TRAEFIK_VERSION
mkdir -p "$work/ext"
cd "$work"

log "downloading $mod@$TRAEFIK_VERSION"
info=$(go mod download -json "$mod@$TRAEFIK_VERSION")
gomod=$(sed -n 's/.*"GoMod": "\(.*\)".*/\1/p' <<<"$info")
src=$(sed -n 's/.*"Dir": "\(.*\)".*/\1/p' <<<"$info")
[[ -f "$gomod" && -d "$src" ]] || { log "go mod download gave no go.mod/dir for $mod@$TRAEFIK_VERSION"; exit 1; }

log "writing the scratch module in $work"
cat >ext/go.mod <<'MOD'
module github.com/traefik/traefik/dynamic/ext

go 1.24.0
MOD
cat >ext/ext.go <<'GO'
// Package ext is the empty extension point that traefik's dynamic configuration embeds.
package ext

// HTTP extends dynamic.HTTP (no extension in this build).
type HTTP struct{}

// Router extends dynamic.Router (no extension in this build).
type Router struct{}

// RouterIng extends the ingress provider's router annotations (no extension in this build).
type RouterIng struct{}

// ToRouter converts the ingress extension to a router extension.
func (RouterIng) ToRouter() Router { return Router{} }
GO
{
  echo "module isoproof.local/build/traefik"
  echo
  sed -n 's/^go \(.*\)/go \1/p' "$gomod"
  echo
  echo "require $mod $TRAEFIK_VERSION"
  echo
  # Every replace and exclude of traefik's go.mod, single-line and block form; local paths -> our copies.
  awk -v ext="$work/ext" '
    /^(replace|exclude) \(/ { blk=$1; print; next }
    blk != "" && /^\)/ { print; blk=""; next }
    blk != "" { if ($0 ~ /=> *\.\//) sub(/=> *\.\/[^ ]*/, "=> " ext); print; next }
    /^(replace|exclude) / { if ($0 ~ /=> *\.\//) sub(/=> *\.\/[^ ]*/, "=> " ext); print }
  ' "$gomod"
} >go.mod
# traefik's go.sum covers its whole graph; our module adds only the traefik module itself.
cp "$src/go.sum" go.sum
chmod u+w go.sum

log "building $mod/cmd/traefik (this takes several minutes on 2 cores)"
go build -trimpath -o "$out.tmp" \
  -ldflags "-s -w -X $mod/pkg/version.Version=${TRAEFIK_VERSION#v} -X $mod/pkg/version.BuildDate=isoproof" \
  "$mod/cmd/traefik"
mv "$out.tmp" "$out"
log "built $("$out" version | tr -s ' \n' ' ')"
echo "$out"
