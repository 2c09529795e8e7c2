import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findScenarioDirs, loadScenarios, planRun, validateScenarioDir, withScenarioDirs } from '../src/index';
import { loadScenarioDir } from '../src/data-scenario';

const EXAMPLE = fileURLToPath(new URL('../../../docs/examples/team-isolation', import.meta.url));

/** A copy of the example scenario in a fresh temp dir (outside the repository), under `name`. */
function copy(name = 'team-isolation'): string {
  const root = mkdtempSync(join(tmpdir(), 'isoproof-data-scenario-'));
  const dir = join(root, name);
  cpSync(EXAMPLE, dir, { recursive: true });
  return dir;
}

describe('data scenarios', () => {
  it('a directory with criteria.yaml is a scenario named after the directory, families from its probe kinds', () => {
    const s = loadScenarioDir(copy('my-team-rules'));
    expect(s.name).toBe('my-team-rules');
    expect(s.families.map((f) => f.kind)).toEqual(['network']);
    expect(s.description).toMatch(/^Two teams, red and blue/);
  });

  it("criteria.yaml's top-level description wins over the README's first line", () => {
    const dir = copy();
    const file = join(dir, 'criteria.yaml');
    writeFileSync(file, `description: "  Red and blue never talk.  "\n${readFileSync(file, 'utf8')}`);
    expect(loadScenarioDir(dir).description).toBe('Red and blue never talk.');
  });

  it('the bundled scenarios are data, each with its own description and the families of its probe kinds', async () => {
    const bundled = await loadScenarios();
    const byName = new Map(bundled.map((s) => [s.name, s]));
    expect(byName.get('tenant-isolation')?.description).toMatch(/^Tenants tenant-a and tenant-b/);
    expect(byName.get('rbac-least-privilege')?.families.map((f) => f.kind)).toEqual(['rbac', 'audit']);
    expect(byName.get('pod-security')?.families.map((f) => f.kind).sort()).toEqual(['admission', 'workload']);
    expect(byName.get('secret-hygiene')?.families.map((f) => f.kind)).toEqual(['secrets']);
  });

  it('a directory of scenario directories lists each; a directory with none is an error', () => {
    const dir = copy();
    const root = join(dir, '..');
    expect(findScenarioDirs(root)).toEqual([dir]);
    expect(findScenarioDirs(dir)).toEqual([dir]);
    const empty = mkdtempSync(join(tmpdir(), 'isoproof-empty-'));
    expect(() => findScenarioDirs(empty)).toThrow(/no criteria\.yaml in it nor in any of its subdirectories/);
    expect(() => findScenarioDirs(join(empty, 'nope'))).toThrow(/scenario directory not found/);
  });

  it('a directory name that is not a DNS label is refused', () => {
    expect(() => loadScenarioDir(copy('Team_Rules'))).toThrow(/must be lower-case letters, digits and '-'/);
  });

  it('a data scenario under <repo>/scenarios (no src/index.ts) loads like a bundled one', async () => {
    const root = mkdtempSync(join(tmpdir(), 'isoproof-repo-'));
    cpSync(EXAMPLE, join(root, 'scenarios', 'team-isolation'), { recursive: true });
    writeFileSync(join(root, 'package.json'), '{}');
    expect((await loadScenarios(root)).map((s) => [s.name, s.families.length])).toEqual([['team-isolation', 1]]);
  });

  it('two scenarios with one name are an error naming both directories', () => {
    const a = copy();
    const b = copy();
    expect(() => withScenarioDirs([], [a, b])).toThrow(/two scenarios are named 'team-isolation'/);
    expect(withScenarioDirs([], [a, a]).map((s) => s.name)).toEqual(['team-isolation']);
  });
});

describe('validateScenarioDir', () => {
  it('the example is valid: network cells simulated, the overlay flips exactly what it names', async () => {
    const r = await validateScenarioDir(copy());
    expect(r.problems).toEqual([]);
    expect(r).toMatchObject({ scenario: 'team-isolation', criteria: 3, overlays: 1 });
  });

  it('an overlay whose flips the simulation contradicts', async () => {
    const dir = copy();
    writeFileSync(join(dir, 'overlays/red-open-to-all/overlay.yaml'), 'description: wrong\nflips: [TEAM-ISO-01]\n');
    const r = await validateScenarioDir(dir);
    expect(r.problems).toEqual([
      'overlay red-open-to-all: the simulation predicts TEAM-ISO-01 PASS, but the overlay says it flips them',
      'overlay red-open-to-all: the simulation predicts TEAM-ISO-02 FAIL too; add them to flips or narrow the overlay',
    ]);
  });

  it('a baseline whose policies contradict its criteria', async () => {
    const dir = copy();
    rmSync(join(dir, 'manifests/20-network-policies.yaml'));
    const r = await validateScenarioDir(dir);
    expect(r.problems.some((p) => p.startsWith('baseline: TEAM-ISO-01 is predicted FAIL'))).toBe(true);
  });

  it('schema, family spec, manifest, overlay and reference problems are each reported', async () => {
    const dir = copy();
    const crit = join(dir, 'criteria.yaml');
    writeFileSync(crit, readFileSync(crit, 'utf8').replace('port: http, expect: deny }', 'port: http, expect: maybe }').replace('severity: high', 'severity: urgent'));
    let r = await validateScenarioDir(dir);
    expect(r.problems.join('\n')).toMatch(/criteria\[2\]\.severity: must be one of/);

    const dir2 = copy();
    writeFileSync(join(dir2, 'criteria.yaml'), readFileSync(join(dir2, 'criteria.yaml'), 'utf8').replace('expect: deny', 'expect: maybe'));
    r = await validateScenarioDir(dir2);
    expect(r.problems.join('\n')).toMatch(/TEAM-ISO-01\.spec: .*expect: must be deny or allow/);

    const dir3 = copy();
    writeFileSync(join(dir3, 'manifests/30-broken.yaml'), 'apiVersion: v1\nkind: ConfigMap\n');
    writeFileSync(join(dir3, 'overlays/red-open-to-all/overlay.yaml'), 'description: x\nflips: [TEAM-ISO-77]\n');
    r = await validateScenarioDir(dir3);
    expect(r.problems.join('\n')).toMatch(/30-broken\.yaml: document 1: metadata: missing/);

    const dir4 = copy();
    writeFileSync(join(dir4, 'overlays/red-open-to-all/overlay.yaml'), 'description: x\nflips: [TEAM-ISO-77]\n');
    r = await validateScenarioDir(dir4);
    expect(r.problems).toEqual([`${join(dir4, 'overlays/red-open-to-all/overlay.yaml')}: flips: TEAM-ISO-77 is not a criterion of this scenario`]);

    const dir5 = copy();
    writeFileSync(join(dir5, 'criteria.yaml'), readFileSync(join(dir5, 'criteria.yaml'), 'utf8').replace('to: { namespace: team-blue', 'to: { namespace: team-green'));
    r = await validateScenarioDir(dir5);
    expect(r.problems).toEqual([`${join(dir5, 'criteria.yaml')}: namespace team-green is used by a network cell but no manifest creates it`]);

    const dir6 = copy();
    rmSync(join(dir6, 'manifests'), { recursive: true });
    mkdirSync(join(dir6, 'other'));
    r = await validateScenarioDir(dir6);
    expect(r.problems[0]).toMatch(/scenario team-isolation applies no objects, so only tls criteria can run .*TEAM-ISO-01 \(network\)/);
  });

  it('an observe-only scenario (no manifests/) of TLS criteria is valid and plans no objects', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'isoproof-observe-')), 'public-tls');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'criteria.yaml'),
      'criteria:\n  - { id: PUB-TLS-01, title: chain, seed: s, probe: tls, vantage: v, expectation: e, spec: { check: chain } }\n',
    );
    const r = await validateScenarioDir(dir);
    expect(r.problems).toEqual([]);
    expect(r.notes[0]).toMatch(/manifests: absent: an observe-only scenario/);
    const plan = await planRun({ scenarios: [loadScenarioDir(dir)] });
    expect(plan.objects).toEqual([]);
    expect(plan.steps).toHaveLength(1);
  });
});
