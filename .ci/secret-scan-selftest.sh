#!/usr/bin/env bash
# Proves the repository secret scan fails on a real-looking leak: in a temporary copy of the repo,
#  1. the clean copy passes;
#  2. a generated AWS key pair + GitHub token in an ordinary source file fails;
#  3. a canary value outside the secret-hygiene overlay fixtures fails;
#  4. a real-looking token INSIDE the overlay fixtures fails (the allowlist needs the canary shape);
#  5. a canary inside the overlay fixtures passes (the targeted allowlist).
# Every planted value is random, generated here, and never printed (the scan runs with --redact).
# Usage: .ci/secret-scan-selftest.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
scan="$root/.ci/secret-scan.sh"
copy="$(mktemp -d "${TMPDIR:-/tmp}/isoproof-secret-selftest.XXXXXX")"
trap 'rm -rf "$copy"' EXIT

(
  cd "$root"
  git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
    if [[ -f "$f" && ! -L "$f" ]]; then printf '%s\0' "$f"; fi
  done | xargs -0 -r cp -p --parents -t "$copy"
)

rnd() { # rnd ALPHABET N
  local out=''
  while [[ ${#out} -lt $2 ]]; do out+="$(head -c 256 /dev/urandom | LC_ALL=C tr -dc "$1")"; done
  printf '%s' "${out:0:$2}"
}

pass=0 fail=0
expect() { # expect RC DESCRIPTION
  local want="$1" what="$2" rc=0
  "$scan" "$copy" >"$copy.log" 2>&1 || rc=$?
  if [[ $rc -eq $want ]]; then
    echo "ok   - $what (exit $rc)"; pass=$((pass + 1))
  else
    echo "FAIL - $what: expected exit $want, got $rc"; sed 's/^/       /' "$copy.log" | tail -20; fail=$((fail + 1))
  fi
  rm -f "$copy.log"
}

expect 0 "clean copy of the repository passes"

leak="$copy/packages/core/src/leaked-config.ts"
{
  printf 'export const config = {\n'
  printf '  awsAccessKeyId: "%s%s",\n' "AK""IA" "$(rnd 'A-Z2-7' 16)"
  printf '  awsSecretAccessKey: "%s",\n' "$(rnd 'A-Za-z0-9' 40)"
  printf '  githubToken: "%s%s",\n' "gh""p_" "$(rnd 'A-Za-z0-9' 36)"
  printf '};\n'
} >"$leak"
expect 1 "real-looking AWS/GitHub credentials in packages/core/src fail the scan"
rm -f "$leak"

canary="isoproof-canary-selftest-$(rnd 'A-Za-z0-9' 20)"
printf '# notes\n\nthe overlay used %s\n' "$canary" >"$copy/docs-leak.md"
expect 1 "a canary outside scenarios/secret-hygiene/overlays fails the scan"
rm -f "$copy/docs-leak.md"

fixture_dir="$copy/scenarios/secret-hygiene/overlays/selftest"
mkdir -p "$fixture_dir"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  GITHUB_TOKEN: %s%s\n' "gh""p_" "$(rnd 'A-Za-z0-9' 36)" >"$fixture_dir/leak.yaml"
expect 1 "a real-looking token inside the overlay fixtures still fails (allowlist is path AND canary shape)"

printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  DB_PASSWORD: %s\n' "$canary" >"$fixture_dir/leak.yaml"
expect 0 "a canary inside the overlay fixtures is allowed"
rm -rf "$fixture_dir"

echo "secret-scan selftest: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
