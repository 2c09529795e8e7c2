import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createRedactor } from '@isoproof/core';
import type { Outcome, Verdict } from '@isoproof/core';
import { diffExitCode, diffReports, renderDiffJson, renderDiffMarkdown } from '../src/diff';
import type { ReportDiff } from '../src/diff';
import { buildReport } from '../src/model';
import type { Report } from '../src/model';
import { readReport } from '../src/render-json';

const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), 'golden', 'report.json');
const redactor = createRedactor(Buffer.from('diff-test-key-0123456789'));

/** The golden report.json (as written by renderJson) read back through the file reader. */
const golden = () => readReport(GOLDEN);

function setVerdict(r: Report, id: string, verdict: Verdict, reason: string): void {
  for (const sc of r.scenarios) for (const o of sc.outcomes) if (o.criterion.id === id) Object.assign(o, { verdict, reason });
}

function rebuild(r: Report): Report {
  return buildReport({ run: { id: 'r9999999999', startedAt: r.run.startedAt }, tool: r.tool, provider: r.provider, cluster: r.cluster, scenarios: r.scenarios, finishedAt: r.finishedAt, ...(r.proofs ? { proofs: r.proofs } : {}) });
}

const byStatus = (d: ReportDiff, s: string) => d.entries.filter((e) => e.status === s).map((e) => e.id);

describe('diffReports', () => {
  it('a report against itself: no regression, failing criteria listed as still failing, exit 0', async () => {
    const r = await golden();
    const d = diffReports(r, r, { redactor });
    expect(d.regression).toBe(false);
    expect(diffExitCode(d)).toBe(0);
    expect(d.counts).toEqual({ regressed: 0, new: 0, 'still-failing': 3, fixed: 0, removed: 0, unchanged: 2 });
    expect(byStatus(d, 'still-failing')).toEqual(['NET-TENANT-02', 'NET-EGRESS-03', 'RBAC-LEAST-03']);
  });

  it('regressed, fixed, worse, new and removed, matched by scenario, overlay and id', async () => {
    const old = await golden();
    const next = structuredClone(old);
    setVerdict(next, 'NET-TENANT-01', 'FAIL', '1 of 2 check(s) failed: tenant-a/client -> tenant-b/server:8080/TCP: expected denied, observed allowed (connected)');
    setVerdict(next, 'NET-TENANT-02', 'PASS', 'all 2 check(s) passed');
    setVerdict(next, 'NET-EGRESS-03', 'FAIL', 'now connects');
    const rbac = next.scenarios[1]!;
    rbac.outcomes = rbac.outcomes.filter((o) => o.criterion.id !== 'RBAC-LEAST-03');
    const fresh = (id: string, verdict: Verdict): Outcome => ({
      criterion: { id, title: `${id} title`, seed: 'seed', probe: 'rbac', vantage: 'v', expectation: 'e' },
      verdict,
      reason: verdict === 'PASS' ? 'all 1 check(s) passed' : 'something is allowed',
      checks: [],
    });
    rbac.outcomes.push(fresh('RBAC-LEAST-09', 'PASS'), fresh('RBAC-LEAST-10', 'FAIL'));
    // the same id in another scenario run is another criterion
    next.scenarios.push({ scenario: 'tenant-isolation', overlay: 'allow-all', outcomes: [structuredClone(old.scenarios[0]!.outcomes[0]!)], sections: [], durationMs: 1 });
    const d = diffReports(old, rebuild(next), { redactor });
    expect(byStatus(d, 'regressed')).toEqual(['NET-TENANT-01', 'NET-EGRESS-03']);
    expect(byStatus(d, 'fixed')).toEqual(['NET-TENANT-02']);
    expect(byStatus(d, 'removed')).toEqual(['RBAC-LEAST-03']);
    expect(d.entries.filter((e) => e.status === 'new').map((e) => [e.id, e.overlay ?? '', e.regression])).toEqual([
      ['RBAC-LEAST-10', 'wildcard-role', true],
      ['RBAC-LEAST-09', 'wildcard-role', false],
      ['NET-TENANT-01', 'allow-all', false],
    ]);
    expect(d.regression).toBe(true);
    expect(diffExitCode(d)).toBe(1);
    const worse = d.entries.find((e) => e.id === 'NET-EGRESS-03')!;
    expect([worse.old?.verdict, worse.new?.verdict]).toEqual(['INCONCLUSIVE', 'FAIL']);
    expect(d.entries.find((e) => e.id === 'RBAC-LEAST-02')?.new?.waived).toBe(true);
  });

  it('a fix alone is no regression', async () => {
    const old = await golden();
    const next = structuredClone(old);
    setVerdict(next, 'NET-TENANT-02', 'PASS', 'all 2 check(s) passed');
    const d = diffReports(old, next, { redactor });
    expect(d.counts.fixed).toBe(1);
    expect(diffExitCode(d)).toBe(0);
  });

  it("an overlay-proof report: a seeded violation's flipped criteria are expected to FAIL", async () => {
    const old = await golden();
    old.proofs = [{ scenario: 'rbac-least-privilege', overlay: 'wildcard-role', flips: ['RBAC-LEAST-03'], ok: false, problems: [] }];
    setVerdict(old, 'RBAC-LEAST-03', 'FAIL', 'seeded: allowed');
    const next = structuredClone(old);
    expect(diffReports(old, next, { redactor }).entries.find((e) => e.id === 'RBAC-LEAST-03')?.status).toBe('unchanged');
    setVerdict(next, 'RBAC-LEAST-03', 'PASS', 'the seeded violation no longer shows');
    const d = diffReports(old, next, { redactor });
    const e = d.entries.find((x) => x.id === 'RBAC-LEAST-03')!;
    expect([e.status, e.expected]).toEqual(['regressed', 'FAIL']);
    expect(renderDiffMarkdown(d, { redactor })).toContain('PASS (seeded: FAIL expected)');
  });

  it('Markdown: counts headline, one table per status, reasons side by side; JSON round-trips', async () => {
    const old = await golden();
    const next = structuredClone(old);
    setVerdict(next, 'NET-TENANT-01', 'FAIL', 'now | allowed <b>');
    const d = diffReports(old, next, { redactor });
    const md = renderDiffMarkdown(d, { redactor });
    expect(md.split('\n').slice(0, 3)).toEqual(['## isoproof diff: ❌ regression', '', '**1 regressed** · 0 fixed · 3 still failing · 0 new · 0 removed · 1 unchanged']);
    expect(md).toContain('### Regressed (1)');
    expect(md).toContain('| NET-TENANT-01 tenant A cannot reach tenant B | tenant-isolation | ✅ PASS | ❌ FAIL | all 2 check(s) passed | now \\| allowed &lt;b&gt; |');
    expect(md).toContain('### Still failing (3)');
    expect(md).not.toContain('### Fixed');
    const json = JSON.parse(renderDiffJson(d, { redactor })) as ReportDiff;
    expect(json.diffVersion).toBe('1.0');
    expect(json.regression).toBe(true);
    expect(json.entries[0]).toMatchObject({ id: 'NET-TENANT-01', status: 'regressed', old: { verdict: 'PASS' }, new: { verdict: 'FAIL', reason: 'now | allowed <b>' } });
    const same = renderDiffMarkdown(diffReports(old, old, { redactor }), { redactor });
    expect(same.split('\n')[0]).toBe('## isoproof diff: ✅ no regression');
  });

  it('redacts: a registered secret in a reason never reaches the diff', async () => {
    const r = createRedactor(Buffer.from('diff-test-key-0123456789'));
    r.register('s3cr3t-Pa55word');
    const old = await golden();
    const next = structuredClone(old);
    setVerdict(next, 'NET-TENANT-01', 'FAIL', 'read the value s3cr3t-Pa55word from the secret');
    const d = diffReports(old, next, { redactor: r });
    for (const text of [renderDiffMarkdown(d, { redactor: r }), renderDiffJson(d, { redactor: r })]) {
      expect(text).not.toContain('s3cr3t-Pa55word');
      expect(text).toContain(r.hash('s3cr3t-Pa55word'));
    }
  });
});

describe('reading reports', () => {
  it('another schemaVersion is named as such', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'isoproof-diff-'));
    const f = join(dir, 'report.json');
    const r = JSON.parse(JSON.stringify(await golden())) as Record<string, unknown>;
    r.schemaVersion = '2.0';
    await writeFile(f, JSON.stringify(r));
    await expect(readReport(f)).rejects.toThrow(`${f}: report schemaVersion "2.0" is not supported (this isoproof`);
  });
});
