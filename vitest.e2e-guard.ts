/**
 * Global setup of every e2e run (vitest.shared.ts e2eConfig): under CI (CI=true, as `.ci/run` and
 * GitHub Actions set it) the cluster e2e must run, so a missing ISOPROOF_KUBECONFIG fails the run
 * instead of letting every test skip and the job pass.
 */
export function ciWithoutCluster(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const ci = (env.CI ?? '').toLowerCase();
  if (ci === '' || ci === 'false' || ci === '0') return undefined;
  if (env.ISOPROOF_KUBECONFIG) return undefined;
  return 'CI is set but ISOPROOF_KUBECONFIG is empty: the cluster e2e cannot run, and under CI a skipped e2e is a failure (bring a cluster up and point ISOPROOF_KUBECONFIG at its kubeconfig)';
}

export default function setup(): void {
  const why = ciWithoutCluster();
  if (why) throw new Error(`isoproof e2e: ${why}`);
}
