import type { Criterion, ProbeContext } from '@isoproof/core';
import { defaultRedactor } from '@isoproof/core';
import { describe, expect, it } from 'vitest';
import { KubeconfigError } from '../src/errors';
import { defineProbeFamily } from '../src/probe-family';

const criterion = (id: string): Criterion => ({ id, title: id, seed: 'baseline', probe: 'rbac', vantage: { kind: 'Anonymous' }, expectation: 'denied', spec: {} }) as unknown as Criterion;
const ctx = (log: string[] = []): ProbeContext => ({
  run: { id: 'r1' } as ProbeContext['run'],
  kubeconfigPath: '/nonexistent/isoproof-test.kubeconfig',
  scenario: 's',
  provider: 'local',
  facts: {},
  log: (l) => log.push(l),
});

describe('defineProbeFamily', () => {
  it('returns the checks per criterion and the sections of the last run only', async () => {
    let n = 0;
    const family = defineProbeFamily({
      kind: 'rbac',
      validateSpec: (c) => (c.id === 'BAD-01' ? ['bad'] : []),
      async run(criteria, _ctx, out) {
        n++;
        for (const c of criteria) out.checks(c.id).push({ id: `${c.id} #${n}`, expect: 'denied', observation: { outcome: 'denied', result: '403', evidence: {} } });
        out.checks(criteria[0]!.id);
        out.section({ type: 'text', title: `run ${n}`, body: '' });
      },
    });
    expect(family.kind).toBe('rbac');
    expect(family.validateSpec(criterion('BAD-01'))).toEqual(['bad']);
    expect(family.sections()).toEqual([]);
    const first = await family.run([criterion('A-01'), criterion('B-01')], ctx());
    expect([...first.keys()]).toEqual(['A-01', 'B-01']);
    expect(first.get('A-01')?.map((c) => c.id)).toEqual(['A-01 #1']);
    await family.run([criterion('A-01')], ctx());
    expect(family.sections().map((s) => s.title)).toEqual(['run 2']);
  });

  it('loads the kube handle only when the run asks for it', async () => {
    const lazy = defineProbeFamily({ kind: 'tls', validateSpec: () => [], run: async () => {} });
    await expect(lazy.run([criterion('A-01')], ctx())).resolves.toEqual(new Map());
    const eager = defineProbeFamily({ kind: 'tls', validateSpec: () => [], run: async (_c, _x, out) => void out.kube });
    await expect(eager.run([criterion('A-01')], ctx())).rejects.toBeInstanceOf(KubeconfigError);
  });

  it('keeps the sections a run added before it threw', async () => {
    const family = defineProbeFamily({
      kind: 'audit',
      validateSpec: () => [],
      async run(_c, _x, out) {
        out.section({ type: 'text', title: 'partial', body: '' });
        throw new Error('boom');
      },
    });
    await expect(family.run([criterion('A-01')], ctx())).rejects.toThrow('boom');
    expect(family.sections().map((s) => s.title)).toEqual(['partial']);
  });

  it('scrubs the sections when the family asks for it', async () => {
    const secret = `isoproof-family-test-${Date.now()}-value`;
    defaultRedactor.register(secret);
    const make = (redactSections: boolean) =>
      defineProbeFamily({ kind: 'secrets', validateSpec: () => [], redactSections, run: async (_c, _x, out) => out.section({ type: 'text', title: 't', body: `found ${secret}` }) });
    const scrubbed = make(true);
    const plain = make(false);
    await scrubbed.run([criterion('A-01')], ctx());
    await plain.run([criterion('A-01')], ctx());
    expect(JSON.stringify(scrubbed.sections())).not.toContain(secret);
    expect(JSON.stringify(plain.sections())).toContain(secret);
  });
});
