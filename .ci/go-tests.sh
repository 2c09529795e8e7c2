#!/usr/bin/env bash
# Runs after the local build (.ci/run): `go test ./...` of every Go module in the repository, with the
# module cache the build filled (GOPROXY=off: nothing is downloaded here), then the Traefik tests
# against the binary the local build made (required here: a missing binary fails, never skips).
# Usage: .ci/go-tests.sh [--modules-only]   (--modules-only: the Go modules with the usual module
# proxy, no local build, no Traefik: the GitHub workflow's go job)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
modules_only=false
[[ "${1:-}" == "--modules-only" ]] && modules_only=true
command -v go >/dev/null 2>&1 || { echo "go-tests: go is required (the local build needs it too)" >&2; exit 2; }
export GOTOOLCHAIN=${GOTOOLCHAIN:-local} GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod -buildvcs=false" CGO_ENABLED=0
$modules_only || export GOPROXY=off

# Benchmark drivers (*/bench/*) are not tests and need modules the local build does not fetch.
mods=$(git ls-files '*go.mod' '**/go.mod' | grep -v '/bench/' | sort -u)
[[ -n "$mods" ]] || { echo "go-tests: no Go module found" >&2; exit 1; }
failed=0
for m in $mods; do
  dir=$(dirname "$m")
  echo "=== go test ./... in $dir"
  if ! (cd "$dir" && go test -count=1 ./...); then
    echo "go-tests: FAILED in $dir" >&2
    failed=1
  fi
done

$modules_only && exit "$failed"

# Traefik: the binary the local build made (build.sh is cached: it only prints its cache dir here).
out=$(bash clusters/local/build.sh | tail -n1)
traefik="$out/bin/traefik"
echo "=== traefik tests with $traefik"
if ! (cd scenarios/tls-endpoints && ISOPROOF_TRAEFIK_BIN="$traefik" ISOPROOF_REQUIRE_TRAEFIK=1 npx vitest run test/traefik.test.ts); then
  echo "go-tests: traefik tests FAILED" >&2
  failed=1
fi
exit "$failed"
