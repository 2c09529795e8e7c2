import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Outcome } from '@isoproof/core';
import { buildReport } from '../src/model';
import type { ScenarioReport } from '../src/model';
import { readReport, renderJson } from '../src/render-json';
import { renderGrid } from '../src/render-markdown';
import { renderJUnit, xmlEscape } from '../src/render-junit';
import { renderSarif } from '../src/render-sarif';
import { createConsoleReporter } from '../src/console';
import { reportProblems } from '../src/schema';
import { resourceUri } from '../src/util';
import { fixtureReport } from './fixture';

const outcome = (id: string, verdict: Outcome['verdict'], waived = false): Outcome => ({
  criterion: { id, title: id, seed: 's', probe: 'network', vantage: 'v', expectation: 'e' },
  verdict,
  reason: verdict.toLowerCase(),
  checks: [],
  ...(waived ? { waiver: { criterion: id, selector: '*', reason: 'r', owner: 'o', expires: '2099-01-01', state: 'active' as const } } : {}),
});
const sc = (outcomes: Outcome[], overlay?: string): ScenarioReport => ({
  scenario: 's',
  ...(overlay ? { overlay } : {}),
  outcomes,
  sections: [],
  durationMs: 1,
});
const build = (scenarios: ScenarioReport[], extra: Record<string, unknown> = {}) =>
  buildReport({
    run: { id: 'r0000000000', startedAt: '2026-01-01T00:00:00.000Z' },
    tool: { name: 'isoproof', version: '0.1.0' },
    provider: 'kind',
    cluster: { serverVersion: 'v1.34.0' },
    scenarios,
    finishedAt: '2026-01-01T00:00:05.000Z',
    ...extra,
  });

describe('buildReport: verdict and exit code', () => {
  it.each<[string, ScenarioReport[], string, number]>([
    ['all pass', [sc([outcome('A-01', 'PASS'), outcome('A-02', 'PASS')])], 'PASS', 0],
    ['pass with a waiver', [sc([outcome('A-01', 'PASS', true)])], 'PASS', 0],
    ['a FAIL', [sc([outcome('A-01', 'PASS'), outcome('A-02', 'FAIL')])], 'FAIL', 1],
    ['FAIL beats INCONCLUSIVE', [sc([outcome('A-01', 'INCONCLUSIVE')]), sc([outcome('A-02', 'FAIL')])], 'FAIL', 1],
    ['INCONCLUSIVE', [sc([outcome('A-01', 'PASS'), outcome('A-02', 'INCONCLUSIVE')])], 'INCONCLUSIVE', 2],
    ['nothing evaluated', [sc([])], 'INCONCLUSIVE', 2],
    ['no scenario', [], 'INCONCLUSIVE', 2],
  ])('%s', (_n, scenarios, verdict, exit) => {
    const r = build(scenarios);
    expect(r.verdict).toBe(verdict);
    expect(r.exitCode).toBe(exit);
    expect(reportProblems(JSON.parse(renderJson(r)))).toEqual([]);
  });

  it('overlay proofs: expected overlay FAILs do not fail the run; a broken proof does', () => {
    const baseline = sc([outcome('A-01', 'PASS')]);
    const flipped = sc([outcome('A-01', 'FAIL')], 'open');
    const ok = build([baseline, flipped], { proofs: [{ scenario: 's', overlay: 'open', flips: ['A-01'], ok: true, problems: [] }] });
    expect([ok.verdict, ok.exitCode]).toEqual(['PASS', 0]);
    const broken = build([baseline, sc([outcome('A-01', 'PASS')], 'open')], {
      proofs: [{ scenario: 's', overlay: 'open', flips: ['A-01'], ok: false, problems: ['A-01: expected FAIL, got PASS'] }],
    });
    expect([broken.verdict, broken.exitCode]).toEqual(['FAIL', 1]);
    expect(renderJUnit(broken)).toContain('<failure message="A-01: expected FAIL, got PASS" type="OVERLAY_PROOF">');
    expect(reportProblems(JSON.parse(renderJson(broken)))).toEqual([]);
    // without proofs, the same overlay FAIL is a FAIL
    expect(build([baseline, flipped]).exitCode).toBe(1);
  });

  it('accepts serverVersion shorthand and a default tool', () => {
    const r = buildReport({ run: { id: 'r0000000000', startedAt: '2026-01-01T00:00:00.000Z' }, provider: 'local', serverVersion: 'v1.34.1', scenarios: [] });
    expect(r.cluster.serverVersion).toBe('v1.34.1');
    expect(r.tool.name).toBe('isoproof');
  });
});

describe('schema', () => {
  it('rejects a malformed report with a path', () => {
    const r = JSON.parse(renderJson(fixtureReport())) as Record<string, unknown>;
    (r.scenarios as Array<{ outcomes: Array<{ verdict: string }> }>)[0]!.outcomes[0]!.verdict = 'MAYBE';
    expect(reportProblems(r)[0]).toBe('report.scenarios[0].outcomes[0].verdict: must be equal to one of the allowed values');
    expect(() => renderJson(r as never)).toThrow(/^invalid report: /);
  });

  it('readReport round-trips and names the file on errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'isoproof-rr-'));
    const f = join(dir, 'report.json');
    await writeFile(f, renderJson(fixtureReport()));
    expect((await readReport(f)).summary.total).toBe(5);
    await writeFile(f, '{"schemaVersion":"2.0"}');
    await expect(readReport(f)).rejects.toThrow(`${f}: report schemaVersion "2.0" is not supported (this isoproof `);
  });
});

describe('renderer details', () => {
  it('k8s URIs', () => {
    expect(resourceUri({ kind: 'Pod', namespace: 'tenant-a', name: 'web-1' })).toBe('k8s://tenant-a/Pod/web-1');
    expect(resourceUri({ kind: 'ClusterRole', name: 'system:admin' })).toBe('k8s://_cluster/ClusterRole/system%3Aadmin');
  });

  it('SARIF: one rule per criterion id, results for FAIL (error) and INCONCLUSIVE (warning) only', () => {
    const s = JSON.parse(renderSarif(fixtureReport())) as {
      version: string;
      runs: Array<{ tool: { driver: { rules: Array<{ id: string }> } }; results: Array<{ ruleId: string; ruleIndex: number; level: string; locations: unknown[] }> }>;
    };
    expect(s.version).toBe('2.1.0');
    const run = s.runs[0]!;
    const ids = run.tool.driver.rules.map((r) => r.id);
    expect(ids).toEqual(['NET-TENANT-01', 'NET-TENANT-02', 'NET-EGRESS-03', 'RBAC-LEAST-02', 'RBAC-LEAST-03']);
    expect(run.results.map((r) => [r.ruleId, r.level])).toEqual([
      ['NET-TENANT-02', 'error'],
      ['NET-EGRESS-03', 'warning'],
      ['RBAC-LEAST-03', 'warning'],
    ]);
    for (const r of run.results) {
      expect(ids[r.ruleIndex]).toBe(r.ruleId);
      expect(r.locations.length).toBeGreaterThan(0);
    }
  });

  it('JUnit escapes XML and drops control characters', () => {
    expect(xmlEscape('a<b>&"c\'\u0001')).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
  });

  it('grid: fixed width, wrong cells in brackets', () => {
    const g = renderGrid({
      type: 'grid',
      title: 't',
      rowLabels: ['a', 'bb'],
      colLabels: ['x', 'y'],
      cells: [['.', 'X!'], ['.!', '.']],
      legend: '. denied, X allowed',
    });
    expect(g.split('\n').slice(0, 4)).toEqual(['     | 1   2', '-----+--------', 'a    | .  [X]', 'bb   |[.]  .']);
    expect(g).toContain('contradicts the criteria: 2 cells');
    // families' own conventions: `!` anywhere (network `.!~`, rbac `✓!`), or WRONG (secrets)
    const h = renderGrid({ type: 'grid', title: 't', rowLabels: ['r'], colLabels: ['a', 'b', 'c', 'd'], cells: [['.!~', '✓!', 'WRONG: read', 'ok: denied']], legend: 'l' });
    expect(h.split('\n')[2]).toBe('r    |    [.~]           [✓]      [WRONG: read]  ok: denied');
    expect(h).toContain('contradicts the criteria: 3 cells');
  });

  it('console on a TTY draws a spinner and erases it before lines', async () => {
    let out = '';
    const stream = new Writable({
      write(c: Buffer, _e, cb) {
        out += c.toString();
        cb();
      },
    });
    const rep = createConsoleReporter({ stream, isTTY: true, intervalMs: 5 });
    rep.scenarioStarted('tenant-isolation');
    await new Promise((r) => setTimeout(r, 40));
    rep.log('waiting for pods');
    rep.scenarioDone(sc([outcome('A-01', 'PASS')]));
    rep.close();
    expect(out).toMatch(/\r\x1b\[2K[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] tenant-isolation \d+\.\ds/);
    expect(out).toContain('tenant-isolation — waiting for pods');
    expect(out).toContain('■ s: 1 pass, 0 fail, 0 inconclusive');
    expect(out.endsWith('\r\x1b[2K')).toBe(true);
  });
});
