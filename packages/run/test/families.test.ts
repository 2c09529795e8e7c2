import { describe, expect, it } from 'vitest';
import type { Check, Criterion, ProbeContext, ProbeFamily, ProbeKind } from '@isoproof/core';
import { evaluate } from '@isoproof/core';
import {
  collectSections,
  groupByFamily,
  outcomesFrom,
  runFamilies,
  validateFamilySpecs,
} from '../src/families';

const crit = (id: string, probe: ProbeKind, spec: Record<string, unknown> = {}): Criterion => ({
  id,
  title: `title of ${id}`,
  seed: '001 US-INFRA-04',
  probe,
  vantage: 'pod app=client in tenant-a',
  expectation: 'connect times out',
  spec,
});

const allowed = (id: string): Check => ({
  id,
  expect: 'allowed',
  observation: { outcome: 'allowed', result: 'connected', evidence: { sent: 'connect 10.0.0.1:8080' } },
});
const deniedWithControl = (id: string): Check => ({
  id,
  expect: 'denied',
  observation: { outcome: 'denied', result: 'timeout', evidence: {} },
  control: { outcome: 'allowed', result: 'connected', evidence: {} },
});

/** A tiny real ProbeFamily: behaviour chosen per instance. */
class MemoryFamily implements ProbeFamily {
  readonly seen: string[][] = [];
  constructor(
    readonly kind: ProbeKind | ProbeKind[],
    private readonly behaviour: 'ok' | 'throw' | 'hang' | 'partial',
  ) {}
  validateSpec(c: Criterion): string[] {
    return typeof c.spec.port === 'string' ? [`port must be a number, got '${c.spec.port}'`] : [];
  }
  async run(criteria: Criterion[], ctx: ProbeContext): Promise<Map<string, Check[]>> {
    this.seen.push(criteria.map((c) => c.id));
    if (this.behaviour === 'throw') throw new Error('exec into tenant-a/client failed: pod not found\n    at stack');
    if (this.behaviour === 'hang') {
      await new Promise<void>((resolve) => ctx.signal?.addEventListener('abort', () => resolve(), { once: true }));
      return new Map();
    }
    const m = new Map<string, Check[]>();
    const list = this.behaviour === 'partial' ? criteria.slice(0, 1) : criteria;
    for (const c of list) m.set(c.id, [c.id.endsWith('1') ? deniedWithControl(`${c.id}/cell`) : allowed(`${c.id}/cell`)]);
    return m;
  }
  sections() {
    return [{ type: 'text' as const, title: `${String(this.kind)} notes`, body: 'ok' }];
  }
}

const ctx = (): ProbeContext => ({
  run: { id: 'rabcdefghij', startedAt: new Date().toISOString() },
  kubeconfigPath: '/nonexistent',
  scenario: 'unit',
  provider: 'existing',
  facts: {},
  log: () => undefined,
});

describe('groupByFamily', () => {
  it('groups by probe kind, keeping criteria order and family order', () => {
    const net = new MemoryFamily('network', 'ok');
    const rbac = new MemoryFamily(['rbac', 'admission'], 'ok');
    const groups = groupByFamily(
      [crit('A-01', 'rbac'), crit('B-01', 'network'), crit('C-01', 'admission'), crit('D-02', 'network')],
      [net, rbac],
    );
    expect(groups.map((g) => [g.family.kind, g.criteria.map((c) => c.id)])).toEqual([
      ['network', ['B-01', 'D-02']],
      [['rbac', 'admission'], ['A-01', 'C-01']],
    ]);
  });
  it('omits families without criteria', () => {
    expect(groupByFamily([crit('A-01', 'tls')], [new MemoryFamily('network', 'ok'), new MemoryFamily('tls', 'ok')])).toHaveLength(1);
  });
  it('rejects a criterion whose probe kind has no family, naming it', () => {
    expect(() => groupByFamily([crit('A-01', 'tls')], [new MemoryFamily('network', 'ok')], 'x/criteria.yaml')).toThrow(
      /x\/criteria.yaml: A-01 uses probe 'tls' but the scenario has no such family \(has: network\)/,
    );
  });
  it('rejects two families claiming one kind', () => {
    expect(() => groupByFamily([], [new MemoryFamily('network', 'ok'), new MemoryFamily('network', 'ok')])).toThrow(/claimed by two families/);
  });
});

describe('validateFamilySpecs', () => {
  it('passes valid specs and reports invalid ones in one line', () => {
    const fam = new MemoryFamily('network', 'ok');
    expect(() => validateFamilySpecs([crit('A-01', 'network', { port: 80 })], [fam])).not.toThrow();
    expect(() => validateFamilySpecs([crit('A-01', 'network', { port: 'http' })], [fam], 's/criteria.yaml')).toThrow(
      "s/criteria.yaml: A-01.spec: port must be a number, got 'http'",
    );
  });
});

describe('runFamilies + outcomesFrom', () => {
  const evalNoWaivers = (c: Criterion, checks: Check[]) => evaluate(c, checks);

  it('a family that throws makes all its criteria INCONCLUSIVE, never PASS, and others still run', async () => {
    const bad = new MemoryFamily('rbac', 'throw');
    const good = new MemoryFamily('network', 'ok');
    const criteria = [crit('R-01', 'rbac'), crit('N-01', 'network'), crit('R-02', 'rbac'), crit('N-02', 'network')];
    const results = await runFamilies(groupByFamily(criteria, [bad, good]), ctx(), 5_000);
    expect(good.seen).toEqual([['N-01', 'N-02']]);
    const outcomes = outcomesFrom(criteria, results, evalNoWaivers);
    expect(outcomes.map((o) => [o.criterion.id, o.verdict])).toEqual([
      ['R-01', 'INCONCLUSIVE'],
      ['N-01', 'PASS'],
      ['R-02', 'INCONCLUSIVE'],
      ['N-02', 'PASS'],
    ]);
    expect(outcomes[0]?.reason).toBe('probe family rbac failed: exec into tenant-a/client failed: pod not found');
    expect(outcomes[0]?.checks).toEqual([]);
  });

  it('a failed family still honours an expired waiver: FAIL, not INCONCLUSIVE', async () => {
    const bad = new MemoryFamily('rbac', 'throw');
    const criteria = [crit('R-01', 'rbac'), crit('R-02', 'rbac')];
    const results = await runFamilies(groupByFamily(criteria, [bad]), ctx(), 5_000);
    const waivers = [{ criterion: 'R-01', selector: '*', reason: 'known gap', owner: 'sec', expires: '2020-01-01' }];
    const outcomes = outcomesFrom(criteria, results, (c, checks) => evaluate(c, checks, { waivers, now: new Date('2026-01-01') }));
    expect(outcomes.map((o) => [o.criterion.id, o.verdict])).toEqual([
      ['R-01', 'FAIL'],
      ['R-02', 'INCONCLUSIVE'],
    ]);
    expect(outcomes[0]?.reason).toMatch(/expired/);
  });

  it('a family that exceeds its time budget is INCONCLUSIVE and is told to stop', async () => {
    const slow = new MemoryFamily('tls', 'hang');
    const criteria = [crit('T-01', 'tls')];
    const t0 = Date.now();
    const results = await runFamilies(groupByFamily(criteria, [slow]), ctx(), 200);
    expect(Date.now() - t0).toBeLessThan(2_000);
    const [o] = outcomesFrom(criteria, results, evalNoWaivers);
    expect(o?.verdict).toBe('INCONCLUSIVE');
    expect(o?.reason).toMatch(/probe family tls failed: probe family tls did not finish within 200ms/);
  });

  it('a criterion the family returned no checks for is INCONCLUSIVE', async () => {
    const fam = new MemoryFamily('network', 'partial');
    const criteria = [crit('N-01', 'network'), crit('N-02', 'network')];
    const outcomes = outcomesFrom(criteria, await runFamilies(groupByFamily(criteria, [fam]), ctx(), 5_000), evalNoWaivers);
    expect(outcomes.map((o) => o.verdict)).toEqual(['PASS', 'INCONCLUSIVE']);
  });

  it('an evaluation that throws is INCONCLUSIVE', async () => {
    const fam = new MemoryFamily('network', 'ok');
    const criteria = [crit('N-01', 'network')];
    const outcomes = outcomesFrom(criteria, await runFamilies(groupByFamily(criteria, [fam]), ctx(), 5_000), () => {
      throw new Error('boom');
    });
    expect(outcomes[0]).toMatchObject({ verdict: 'INCONCLUSIVE', reason: 'evaluation failed: boom' });
  });

  it('a family that returns something other than a Map is INCONCLUSIVE', async () => {
    const odd: ProbeFamily = { kind: 'secrets', run: async () => ({}) as unknown as Map<string, Check[]> };
    const criteria = [crit('S-01', 'secrets')];
    const [o] = outcomesFrom(criteria, await runFamilies(groupByFamily(criteria, [odd]), ctx(), 5_000), evalNoWaivers);
    expect(o?.verdict).toBe('INCONCLUSIVE');
    expect(o?.reason).toMatch(/not a Map/);
  });
});

describe('collectSections', () => {
  it('collects sections and turns a throwing sections() into a note', () => {
    const broken: ProbeFamily = {
      kind: 'rbac',
      run: async () => new Map(),
      sections: () => {
        throw new Error('no data');
      },
    };
    expect(collectSections([new MemoryFamily('network', 'ok'), broken])).toEqual([
      { type: 'text', title: 'network notes', body: 'ok' },
      { type: 'text', title: 'rbac sections', body: 'could not render: no data' },
    ]);
  });
});
