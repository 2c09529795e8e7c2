#!/usr/bin/env bash
# report.html in a real headless Chromium, and evidence bundles from the cluster that verify.
# Usage: bash .ci/html-report-test.sh   (.ci/run calls it after the scenario e2e, cluster still up)
#  1. Debian's chromium (installed here when missing; under CI=true a missing browser FAILS, never skips)
#     loads report.html from file:// (the fixture report and every baseline report the e2e left in
#     $ISOPROOF_ARTIFACTS): no console error, no request leaves the file, the grids are there, the
#     PASS filter hides passing rows. Screenshots: artifacts/html-report/*.png.
#  2. With $ISOPROOF_KUBECONFIG: the e2e's reports are bundled and verified, a one-scenario
#     `isoproof run --bundle` on the cluster writes a bundle that verifies, and a tampered copy of it
#     does not. Bundles: artifacts/bundle/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
isoproof() { node packages/cli/bin/isoproof.js "$@"; }
t0=$SECONDS
browser=${ISOPROOF_CHROMIUM:-/usr/bin/chromium}
if [[ ! -x $browser ]]; then
  echo "html-report-test: no browser at $browser; installing Debian's chromium"
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >/dev/null
  fi
fi
if [[ ! -x $browser ]]; then
  echo "html-report-test: FAIL: no Chromium at $browser (install Debian's chromium or set ISOPROOF_CHROMIUM)" >&2
  exit 1
fi
echo "html-report-test: $("$browser" --version 2>/dev/null || echo "$browser")"

mkdir -p artifacts/html-report artifacts/bundle
reports=()
if [[ -n ${ISOPROOF_ARTIFACTS:-} && -d $ISOPROOF_ARTIFACTS ]]; then
  while IFS= read -r f; do reports+=("$f"); done < <(find "$ISOPROOF_ARTIFACTS" -path '*/baseline/report.json' | sort)
fi
echo "html-report-test: the fixture report and ${#reports[@]} e2e report(s) in the browser"
(cd packages/report && ISOPROOF_CHROMIUM=$browser ISOPROOF_HTML_REPORTS=$(IFS=:; echo "${reports[*]}") \
  npx vitest run -c vitest.browser.config.ts)

if [[ -z ${ISOPROOF_KUBECONFIG:-} ]]; then
  if [[ ${CI:-} == true ]]; then
    echo "html-report-test: FAIL: ISOPROOF_KUBECONFIG is unset; the bundle e2e needs the cluster" >&2
    exit 1
  fi
  echo "html-report-test: ISOPROOF_KUBECONFIG unset: no cluster bundle checked (the browser part passed)"
  exit 0
fi

# The reports the e2e left: every baseline of one scenario run, bundled and verified.
if ((${#reports[@]} > 0)); then
  isoproof bundle "$(dirname "${reports[0]}")" --out artifacts/bundle/e2e-baseline.tar.gz >/dev/null
  isoproof verify artifacts/bundle/e2e-baseline.tar.gz
fi

# A one-scenario run on the cluster writes its bundle itself; it verifies, a tampered copy does not.
scenario=${ISOPROOF_BUNDLE_SCENARIO:-tenant-isolation}
rc=0
isoproof run --scenario "$scenario" --kubeconfig "$ISOPROOF_KUBECONFIG" --artifacts artifacts/bundle/run \
  --bundle artifacts/bundle/run.tar.gz || rc=$?
echo "html-report-test: run of $scenario exited $rc (the bundle is written whatever the verdict)"
isoproof verify artifacts/bundle/run.tar.gz
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar xzf artifacts/bundle/run.tar.gz -C "$tmp"
top=$(ls "$tmp")
echo '{"planted": true}' > "$tmp/$top/evidence.json"
tar czf "$tmp/tampered.tar.gz" -C "$tmp" "$top"
vrc=0
isoproof verify "$tmp/tampered.tar.gz" || vrc=$?
if [[ $vrc -ne 1 ]]; then
  echo "html-report-test: FAIL: verify of a tampered bundle exited $vrc, not 1" >&2
  exit 1
fi
echo "html-report-test: passed in $((SECONDS - t0)) s"
