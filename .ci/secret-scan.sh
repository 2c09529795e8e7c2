#!/usr/bin/env bash
# Repository secret scan (seed 000, M21): gitleaks built from its Go module, config .gitleaks.toml.
# Scans the files git would commit (tracked + untracked-not-ignored; node_modules, artifacts and other
# ignored paths excluded), in a temporary copy so paths are repo-relative. Fails (exit 1) on any leak.
# Findings are printed redacted: the scan never echoes a secret.
#
# Usage: .ci/secret-scan.sh [DIR]        DIR defaults to the repository root
# Env:   GITLEAKS_VERSION (default v8.28.0), ISOPROOF_TOOLS_DIR (default ~/.cache/isoproof/tools),
#        SECRET_SCAN_REPORT=file.json    also write gitleaks' JSON report (redacted)
set -euo pipefail

GITLEAKS_VERSION="${GITLEAKS_VERSION:-v8.28.0}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="$(cd "${1:-$root}" && pwd)"
# shellcheck source=go-tool.sh
source "$root/.ci/go-tool.sh"
gitleaks=$(go_tool gitleaks github.com/zricethezav/gitleaks/v8 "$GITLEAKS_VERSION")

config="$target/.gitleaks.toml"
[[ -f "$config" ]] || { echo "secret-scan: $config is missing" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/isoproof-secret-scan.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# The file set: what git would commit; without git (a tarball), everything but dependencies/outputs.
cd "$target"
if git -C "$target" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git -C "$target" ls-files -z --cached --others --exclude-standard
else
  find . -type f -not -path './node_modules/*' -not -path '*/node_modules/*' -not -path './.git/*' \
    -not -path './.nx/*' -not -path './artifacts/*' -not -path './dist/*' -print0 | sed -z 's|^\./||'
fi | while IFS= read -r -d '' f; do
  if [[ -f "$f" && ! -L "$f" ]]; then printf '%s\0' "$f"; fi
done | xargs -0 -r cp -p --parents -t "$work"

count="$(find "$work" -type f | wc -l | tr -d ' ')"
args=(dir . --config "$config" --no-banner --redact --exit-code 1 --log-level warn -v)
[[ -n "${SECRET_SCAN_REPORT:-}" ]] && args+=(--report-format json --report-path "$SECRET_SCAN_REPORT")

cd "$work"
set +e
"$gitleaks" "${args[@]}"
rc=$?
set -e
if [[ $rc -eq 0 ]]; then
  echo "secret-scan: no leak in $count files (gitleaks $GITLEAKS_VERSION, $config)"
elif [[ $rc -eq 1 ]]; then
  echo "secret-scan: LEAK(S) FOUND in $target — remove the secret, rotate it (docs/secrets.md), or add a targeted allowlist to .gitleaks.toml" >&2
else
  echo "secret-scan: gitleaks failed (exit $rc)" >&2
fi
exit "$rc"
