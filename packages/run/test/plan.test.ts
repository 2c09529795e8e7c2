import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Check, Criterion, ProbeFamily, ScenarioDefinition } from '@isoproof/core';
import { loadScenarios, overlayNames, selectScenarios } from '../src/load';
import { buildReport } from '@isoproof/report';
import { runExitCode } from '../src/exit-code';
import { planRun } from '../src/plan';
import type { ScenarioResult } from '../src/scenario';

const network: ProbeFamily = {
  kind: 'network',
  validateSpec: (c: Criterion) => (c.spec.port === undefined ? ['port is required'] : []),
  run: async () => new Map<string, Check[]>(),
};

function write(file: string, text: string) {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
}

const CRITERIA = `criteria:
  - id: NET-DEMO-01
    title: tenant a cannot reach tenant b
    seed: "001 US-INFRA-04"
    probe: network
    vantage: pod app=client in demo-a
    expectation: connect times out
    spec: { port: 8080 }
  - id: NET-DEMO-02
    title: tenant a reaches its own server
    seed: "001 US-INFRA-04"
    probe: network
    vantage: pod app=client in demo-a
    expectation: connects
    spec: { port: 8080 }
`;

const NS = `apiVersion: v1
kind: Namespace
metadata:
  name: demo-a
  labels: { isoproof.dev/managed: "true" }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: demo, namespace: demo-a }
data: { a: "1" }
`;

let root: string;
let def: ScenarioDefinition;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'isoproof-plan-'));
  const dir = join(root, 'scenarios', 'demo');
  write(join(dir, 'criteria.yaml'), CRITERIA);
  write(join(dir, 'manifests', '00-ns.yaml'), NS);
  write(join(dir, 'overlays', 'open-door', 'overlay.yaml'), 'description: lets tenant b in\nflips: [NET-DEMO-01]\n');
  write(
    join(dir, 'overlays', 'open-door', 'cm.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: demo, namespace: demo-a }\ndata: { a: "2" }\n',
  );
  write(join(dir, 'overlays', 'no-cm', 'overlay.yaml'), 'description: drops the configmap\nflips: [NET-DEMO-02]\nremove:\n  - { kind: ConfigMap, name: demo, namespace: demo-a }\n');
  write(
    join(dir, 'src', 'index.ts'),
    `export const scenario = { name: 'demo', description: 'demo scenario', dir: ${JSON.stringify(dir)}, families: [] };\n`,
  );
  def = { name: 'demo', description: 'demo scenario', dir, families: [network] };
});

describe('planRun (no cluster)', () => {
  it('baseline only by default', async () => {
    const { steps, criteria } = await planRun({ scenarios: [def] });
    expect(steps.map((s) => [s.def.name, s.overlay])).toEqual([['demo', undefined]]);
    expect(criteria.get('demo')?.map((c) => c.id)).toEqual(['NET-DEMO-01', 'NET-DEMO-02']);
  });
  it('baseline then every overlay with flips', async () => {
    const { steps } = await planRun({ scenarios: [def], overlays: true });
    expect(steps.map((s) => [s.overlay, s.flips])).toEqual([
      [undefined, undefined],
      ['no-cm', ['NET-DEMO-02']],
      ['open-door', ['NET-DEMO-01']],
    ]);
  });
  it('one overlay', async () => {
    const { steps } = await planRun({ scenarios: [def], overlay: 'open-door' });
    expect(steps.map((s) => s.overlay)).toEqual(['open-door']);
  });
  it('unknown overlay names the known ones', async () => {
    await expect(planRun({ scenarios: [def], overlay: 'nope' })).rejects.toThrow(
      "scenario demo has no overlay 'nope' (known: no-cm, open-door); see 'isoproof list'",
    );
  });
  it('no scenario is an error', async () => {
    await expect(planRun({ scenarios: [] })).rejects.toMatchObject({ code: 'ISOPROOF_NO_SCENARIO' });
  });
  it('invalid criteria: one line naming the file', async () => {
    write(join(def.dir, 'criteria.yaml'), CRITERIA.replace('NET-DEMO-01', 'net1'));
    const err = (await planRun({ scenarios: [def] }).then(
      () => undefined,
      (e: unknown) => e,
    )) as Error;
    expect(err).toMatchObject({ code: 'ISOPROOF_INVALID_CRITERIA' });
    expect(err.message).toContain(join(def.dir, 'criteria.yaml'));
    expect(err.message).not.toContain('\n');
  });
  it('a spec its family rejects', async () => {
    write(join(def.dir, 'criteria.yaml'), CRITERIA.replace('spec: { port: 8080 }', 'spec: {}'));
    await expect(planRun({ scenarios: [def] })).rejects.toThrow(/NET-DEMO-01.*port is required/);
  });
  it('a probe kind without a family', async () => {
    await expect(planRun({ scenarios: [{ ...def, families: [] }] })).rejects.toThrow(/NET-DEMO-01 uses probe 'network' but the scenario has no such family/);
  });
  it('an invalid manifest', async () => {
    write(join(def.dir, 'manifests', '10-bad.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: [oops\n');
    await expect(planRun({ scenarios: [def] })).rejects.toMatchObject({ code: 'ISOPROOF_INVALID_MANIFEST' });
  });
  it('a scenario namespace that is an infrastructure namespace (kind Traefik, kube-system...) is refused before any cluster', async () => {
    write(join(def.dir, 'manifests', '05-infra.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: { name: isoproof-system }\n');
    const err = (await planRun({ scenarios: [def] }).catch((e: unknown) => e)) as Error;
    expect(err).toMatchObject({ code: 'ISOPROOF_INFRASTRUCTURE_NAMESPACE' });
    expect(err.message).toBe('scenario demo (manifests) uses an infrastructure namespace: Namespace/isoproof-system; rename its namespace');
  });
  it('an overlay that applies into an infrastructure namespace is refused too', async () => {
    write(join(def.dir, 'overlays', 'open-door', 'sys.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x, namespace: kube-system }\ndata: {}\n');
    await expect(planRun({ scenarios: [def], overlays: true })).rejects.toThrow(
      'scenario demo (overlay open-door) uses an infrastructure namespace: ConfigMap kube-system/x; rename its namespace',
    );
  });
  it('a missing criteria.yaml', async () => {
    await expect(planRun({ scenarios: [{ ...def, dir: join(root, 'nowhere') }] })).rejects.toThrow(/criteria.yaml: missing/);
  });
});

describe('loadScenarios / selectScenarios / overlayNames', () => {
  it('imports scenarios/*/src/index.ts', async () => {
    const all = await loadScenarios(root);
    expect(all.map((s) => s.name)).toEqual(['demo']);
    expect(selectScenarios(all, ['demo'])).toHaveLength(1);
    expect(() => selectScenarios(all, ['nope'])).toThrow("unknown scenario 'nope' (known: demo); see 'isoproof list'");
    expect(overlayNames(def.dir)).toEqual(['no-cm', 'open-door']);
  });
  it('rejects a package without a scenario export', async () => {
    write(join(root, 'scenarios', 'broken', 'src', 'index.ts'), 'export const other = 1;\n');
    await expect(loadScenarios(root)).rejects.toThrow(/broken\/src\/index.ts: must export 'scenario'/);
  });
  it('no scenarios directory: empty', async () => {
    expect(await loadScenarios(join(root, 'nothing'))).toEqual([]);
  });
});

describe('runExitCode and proof sections', () => {
  const r = (overlay: string | undefined, verdicts: Array<'PASS' | 'FAIL' | 'INCONCLUSIVE'>): ScenarioResult => ({
    scenario: 'demo',
    ...(overlay ? { overlay } : {}),
    outcomes: verdicts.map((verdict, i) => ({
      criterion: { id: `NET-DEMO-0${i + 1}`, title: 't', seed: 's', probe: 'network', vantage: 'v', expectation: 'e' },
      verdict,
      reason: '',
      checks: [],
    })),
    sections: [],
    durationMs: 1,
  });
  const proof = (ok: boolean) => ({ scenario: 'demo', overlay: 'open-door', flips: ['NET-DEMO-01'], ok, problems: ok ? [] : ['x'] });

  it('plain runs use the verdicts', () => {
    expect(runExitCode([r(undefined, ['PASS', 'PASS'])], [], false)).toBe(0);
    expect(runExitCode([r('open-door', ['FAIL', 'PASS'])], [], false)).toBe(1);
  });
  it('proof mode: baseline PASS + overlays flipping as declared is 0', () => {
    expect(runExitCode([r(undefined, ['PASS', 'PASS']), r('open-door', ['FAIL', 'PASS'])], [proof(true)], true)).toBe(0);
  });
  it('proof mode: a broken proof is 1, an inconclusive overlay is 2, a failing baseline is 1', () => {
    expect(runExitCode([r(undefined, ['PASS', 'PASS']), r('open-door', ['PASS', 'PASS'])], [proof(false)], true)).toBe(1);
    expect(runExitCode([r(undefined, ['PASS', 'PASS']), r('open-door', ['FAIL', 'INCONCLUSIVE'])], [proof(false)], true)).toBe(1);
    expect(runExitCode([r(undefined, ['PASS', 'PASS']), r('open-door', ['INCONCLUSIVE', 'PASS'])], [], true)).toBe(2);
    expect(runExitCode([r(undefined, ['FAIL', 'PASS'])], [], true)).toBe(1);
  });
  it('agrees with the report verdict of @isoproof/report on every case', () => {
    const cases: Array<[ScenarioResult[], ReturnType<typeof proof>[], boolean]> = [
      [[r(undefined, ['PASS', 'PASS'])], [], false],
      [[r(undefined, ['PASS', 'INCONCLUSIVE'])], [], false],
      [[r(undefined, ['FAIL', 'INCONCLUSIVE'])], [], false],
      [[r(undefined, ['PASS', 'PASS']), r('open-door', ['FAIL', 'PASS'])], [proof(true)], true],
      [[r(undefined, ['PASS', 'PASS']), r('open-door', ['PASS', 'PASS'])], [proof(false)], true],
      [[r(undefined, ['PASS', 'PASS']), r('open-door', ['INCONCLUSIVE', 'PASS'])], [proof(false)], true],
      [[r(undefined, ['PASS', 'INCONCLUSIVE']), r('open-door', ['FAIL', 'PASS'])], [proof(true)], true],
    ];
    for (const [results, proofs, mode] of cases) {
      const report = buildReport({
        run: { id: 'r0123456789', startedAt: new Date().toISOString() },
        provider: 'existing',
        serverVersion: 'v1.34.0',
        scenarios: results,
        ...(mode ? { proofs } : {}),
      });
      expect(runExitCode(results, proofs, mode), JSON.stringify({ results: results.map((x) => x.outcomes.map((o) => o.verdict)), proofs })).toBe(
        report.exitCode,
      );
    }
  });
});
