import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createRedactor } from '@isoproof/core';
import { diffExitCode, diffReports, renderDiffMarkdown } from '../src/diff';
import { buildReport } from '../src/model';
import type { Report } from '../src/model';
import { readReport } from '../src/render-json';

/**
 * Real reports from the local cluster (test/real/): the baselines of tenant-isolation and
 * rbac-least-privilege (all PASS), and one run of a seeded violation of each. "Tonight" is the seeded
 * runs read as baselines (as if the policy had been loosened for real): the diff must name exactly
 * the criteria the overlays flip, with the real reasons.
 */
const REAL = join(dirname(fileURLToPath(import.meta.url)), 'real');
const redactor = createRedactor(Buffer.from('diff-real-key-0123456789'));

async function tonight(): Promise<Report> {
  const runs = await Promise.all(
    ['local-tenant-isolation-namespace-selector-too-broad', 'local-rbac-tenant-b-exec-into-a'].map((n) => readReport(join(REAL, `${n}.report.json`))),
  );
  const scenarios = runs.flatMap((r) => r.scenarios).map(({ overlay: _seeded, ...sc }) => sc);
  return buildReport({ run: { id: 'rtonight0001', startedAt: runs[0]!.run.startedAt }, provider: 'local', cluster: runs[0]!.cluster, scenarios, finishedAt: runs[1]!.finishedAt });
}

describe('diff on real reports', () => {
  it('last night all PASS, tonight two criteria regressed: exactly those, with the real reasons; exit 1', async () => {
    const last = await readReport(join(REAL, 'local-baseline.report.json'));
    expect(last.verdict).toBe('PASS');
    const d = diffReports(last, await tonight(), { redactor });
    expect(d.entries.filter((e) => e.status === 'regressed').map((e) => `${e.scenario} ${e.id}`)).toEqual([
      'tenant-isolation NET-TENANT-01',
      'rbac-least-privilege RBAC-TENANT-05',
    ]);
    expect(d.counts).toEqual({ regressed: 2, new: 0, 'still-failing': 0, fixed: 0, removed: 0, unchanged: last.summary.total - 2 });
    expect(diffExitCode(d)).toBe(1);
    const md = renderDiffMarkdown(d, { redactor });
    expect(md).toMatch(/\| NET-TENANT-01 [^|]+ \| tenant-isolation \| ✅ PASS \| ❌ FAIL \| all \d+ check\(s\) passed \| \d of \d check\(s\) failed: tenant-a\/client-[a-z0-9-]+ -&gt; tenant-b\/server-[a-z0-9-]+:8080\/TCP: expected denied, observed allowed \(connected\)/);
    expect(md).toContain('observed allowed (200 OK)');
  });

  it('the other way round the same two are fixed: exit 0', async () => {
    const d = diffReports(await tonight(), await readReport(join(REAL, 'local-baseline.report.json')), { redactor });
    expect(d.entries.filter((e) => e.status === 'fixed').map((e) => e.id)).toEqual(['NET-TENANT-01', 'RBAC-TENANT-05']);
    expect(diffExitCode(d)).toBe(0);
  });

  it('a seeded run against the baseline: its criteria are new (another overlay), the baseline ones removed', async () => {
    const base = await readReport(join(REAL, 'local-baseline.report.json'));
    const seeded = await readReport(join(REAL, 'local-tenant-isolation-namespace-selector-too-broad.report.json'));
    const d = diffReports(base, seeded, { redactor });
    expect(d.counts.new).toBe(seeded.summary.total);
    expect(d.counts.removed).toBe(base.summary.total);
    // a single-overlay run carries no proof, so its FAIL counts against it
    expect(d.entries.filter((e) => e.regression).map((e) => e.id)).toEqual(['NET-TENANT-01']);
  });
});
