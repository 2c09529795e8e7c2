#!/usr/bin/env bash
# Lint the GitHub workflows with actionlint, built from its Go module (no binary download).
# Usage: .ci/lint-workflows.sh   (from anywhere; exits non-zero on any finding)
set -euo pipefail

ACTIONLINT_VERSION="${ACTIONLINT_VERSION:-v1.7.7}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="${ISOPROOF_TOOLS_DIR:-$HOME/.cache/isoproof/tools}"
bin="$tools/actionlint-$ACTIONLINT_VERSION"

if [[ ! -x "$bin/actionlint" ]]; then
  command -v go >/dev/null 2>&1 || { echo "lint-workflows: go is required to build actionlint" >&2; exit 2; }
  mkdir -p "$bin"
  echo "lint-workflows: building actionlint $ACTIONLINT_VERSION into $bin" >&2
  GOBIN="$bin" GOFLAGS="${GOFLAGS:-} -trimpath" go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
fi

cd "$root"
shopt -s nullglob
files=(.github/workflows/*.yml .github/workflows/*.yaml)
if [[ ${#files[@]} -eq 0 ]]; then
  echo "lint-workflows: no workflow files under .github/workflows" >&2
  exit 1
fi
# actionlint runs shellcheck (and pyflakes) on the run: scripts when they are on PATH.
"$bin/actionlint" -no-color "${files[@]}"
echo "lint-workflows: ${#files[@]} workflow file(s) clean (actionlint $ACTIONLINT_VERSION)"
