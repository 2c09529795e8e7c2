#!/usr/bin/env bash
# Lint the GitHub workflows with actionlint, built from its Go module (no binary download).
# Usage: .ci/lint-workflows.sh   (from anywhere; exits non-zero on any finding)
set -euo pipefail

ACTIONLINT_VERSION="${ACTIONLINT_VERSION:-v1.7.7}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=go-tool.sh
source "$root/.ci/go-tool.sh"
actionlint=$(go_tool actionlint github.com/rhysd/actionlint/cmd/actionlint "$ACTIONLINT_VERSION")

cd "$root"
shopt -s nullglob
files=(.github/workflows/*.yml .github/workflows/*.yaml)
if [[ ${#files[@]} -eq 0 ]]; then
  echo "lint-workflows: no workflow files under .github/workflows" >&2
  exit 1
fi
# actionlint runs shellcheck (and pyflakes) on the run: scripts when they are on PATH.
"$actionlint" -no-color "${files[@]}"
echo "lint-workflows: ${#files[@]} workflow file(s) clean (actionlint $ACTIONLINT_VERSION)"
