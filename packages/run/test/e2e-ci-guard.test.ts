import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ciWithoutCluster } from '../../../vitest.e2e-guard';

// Issue 13: with CI=true and no ISOPROOF_KUBECONFIG every e2e test used to skip and the job passed.
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function e2e(env: Record<string, string>): { status: number | null; out: string } {
  const base = { ...process.env };
  delete base.CI;
  delete base.ISOPROOF_KUBECONFIG;
  delete base.GITHUB_ACTIONS;
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', 'vitest.e2e.config.ts'], {
    cwd: join(ROOT, 'scenarios', 'tls-endpoints'),
    env: { ...base, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('e2e under CI cannot pass by skipping', () => {
  it('ciWithoutCluster', () => {
    expect(ciWithoutCluster({ CI: 'true' })).toMatch(/ISOPROOF_KUBECONFIG is empty/);
    expect(ciWithoutCluster({ CI: '1', ISOPROOF_KUBECONFIG: '' })).toBeDefined();
    expect(ciWithoutCluster({ CI: 'true', ISOPROOF_KUBECONFIG: '/k' })).toBeUndefined();
    expect(ciWithoutCluster({})).toBeUndefined();
    expect(ciWithoutCluster({ CI: 'false' })).toBeUndefined();
  });
  it('CI=true without ISOPROOF_KUBECONFIG: a scenario e2e run fails', () => {
    const r = e2e({ CI: 'true' });
    expect(r.status, r.out.slice(-2000)).not.toBe(0);
    expect(r.out).toMatch(/ISOPROOF_KUBECONFIG is empty/);
  }, 130_000);
  it('without CI and without a cluster: it skips (local development)', () => {
    const r = e2e({});
    expect(r.status, r.out.slice(-2000)).toBe(0);
    expect(r.out).toMatch(/skipped/);
  }, 130_000);
});
