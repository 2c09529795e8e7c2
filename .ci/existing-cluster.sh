#!/usr/bin/env bash
# The running local cluster seen as a user's existing cluster (--provider existing --kubeconfig):
#  1. a user's namespace named like a scenario namespace (tenant-a) with a ConfigMap, and a user
#     ClusterRoleBinding named like an overlay's, survive a refused run, an interrupted run and a sweep
#     unchanged (packages/cli/test/user-data.e2e.test.ts);
#     and while docs/examples/team-isolation, copied to a temp dir outside the repository, runs as a
#     data-only scenario with the right verdicts (baseline and overlay proof);
#     an observe-only data scenario (no manifests) judges a TLS endpoint named in its config file;
#  2. `isoproof validate` accepts that copy and refuses a broken one (exit 0 / 2);
#  3. `isoproof run --all --kubeconfig K --config FILE` with the provider's facts in a config file
#     exits 0 with no INCONCLUSIVE criterion.
# Env: ISOPROOF_KUBECONFIG (default /var/lib/isoproof-local/kubeconfig), ISOPROOF_LOCAL_RUN (facts.env dir).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
kubeconfig=${ISOPROOF_KUBECONFIG:-/var/lib/isoproof-local/kubeconfig}
facts_env=${ISOPROOF_LOCAL_RUN:-/run/isoproof-local}/facts.env
out=${ISOPROOF_ARTIFACTS:-$PWD/artifacts}/existing-cluster
mkdir -p "$out"
t0=$SECONDS

# What a user of an existing cluster writes once: the cluster's facts in a config file.
npx tsx .ci/local-facts-config.ts "$facts_env" > "$out/isoproof.yaml"

echo "existing cluster: user data survives a refused run, a run and an interrupted run beside it, a data scenario run and a sweep"
(cd packages/cli && ISOPROOF_KUBECONFIG=$kubeconfig ISOPROOF_CONFIG=$out/isoproof.yaml npx vitest run --config vitest.e2e.config.ts test/user-data.e2e.test.ts test/observe-only.e2e.test.ts)

echo "existing cluster: isoproof validate on a scenario outside the repository"
scen=$(mktemp -d)
cp -r docs/examples/team-isolation "$scen/"
node packages/cli/bin/isoproof.js validate "$scen/team-isolation"
printf 'description: wrong on purpose\nflips: [TEAM-ISO-01]\n' > "$scen/team-isolation/overlays/red-open-to-all/overlay.yaml"
vrc=0
node packages/cli/bin/isoproof.js validate "$scen/team-isolation" || vrc=$?
[[ $vrc -eq 2 ]] || { echo "validate of a broken scenario exited $vrc, want 2"; exit 1; }
rm -rf "$scen"

echo "existing cluster: run --all with a config file of facts"
rc=0
node packages/cli/bin/isoproof.js run --all --kubeconfig "$kubeconfig" --config "$out/isoproof.yaml" --artifacts "$out/run-all" || rc=$?
summary=$(node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const s = r.summary;
  console.log(`${s.total} criteria: ${s.pass} PASS, ${s.fail} FAIL, ${s.inconclusive} INCONCLUSIVE`);
  process.exit(s.inconclusive === 0 && s.fail === 0 ? 0 : 1);
' "$out/run-all/report.json") || { [[ $rc -ne 0 ]] || rc=1; }
echo "existing cluster: run --all exit $rc; $summary; $((SECONDS - t0)) s"
exit "$rc"
