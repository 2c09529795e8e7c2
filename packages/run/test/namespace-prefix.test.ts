import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { composeOverlay, readManifests } from '@isoproof/kube';
import type { KubeObject } from '@isoproof/kube';
import { predictOutcomes, snapshotFromManifests } from '@isoproof/probe-network';
import { checkNamespacePrefix } from '../src/index';
import { loadScenarioDir } from '../src/data-scenario';
import { namespaceMap, renameNamespaces } from '../src/namespace-prefix';
import { overlayNames } from '../src/load';
import { loadScenarioCriteria } from '../src/scenario';

const SCENARIOS = fileURLToPath(new URL('../../../scenarios', import.meta.url));

describe('renameNamespaces', () => {
  const map = new Map([
    ['tenant-a', 'u1-tenant-a'],
    ['e-commerce', 'u1-e-commerce'],
  ]);
  it.each([
    ['tenant-a', 'u1-tenant-a'],
    ['system:serviceaccount:tenant-a:web', 'system:serviceaccount:u1-tenant-a:web'],
    ['system:serviceaccounts:e-commerce', 'system:serviceaccounts:u1-e-commerce'],
    ['tenant-a/client', 'u1-tenant-a/client'],
    ['orders.e-commerce', 'orders.u1-e-commerce'],
    ['orders.e-commerce.svc', 'orders.u1-e-commerce.svc'],
    ['orders.e-commerce.svc.cluster.local', 'orders.u1-e-commerce.svc.cluster.local'],
    ['tenant-b', 'tenant-b'],
    ['tenant-ab', 'tenant-ab'],
    ['api.example.com', 'api.example.com'],
    ['kube-system', 'kube-system'],
    ['my-tenant-a', 'my-tenant-a'],
  ])('%s -> %s', (from, to) => {
    expect(renameNamespaces({ v: [from] }, map)).toEqual({ v: [to] });
  });
  it('keeps mapping keys and other values', () => {
    expect(renameNamespaces({ 'tenant-a': 3, x: { 'kubernetes.io/metadata.name': 'tenant-a' } }, map)).toEqual({ 'tenant-a': 3, x: { 'kubernetes.io/metadata.name': 'u1-tenant-a' } });
  });
  it('refuses a bad prefix and a name over 63 characters', () => {
    expect(() => checkNamespacePrefix('U1_')).toThrow(/--namespace-prefix U1_: must be lower-case/);
    const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n'.repeat(50) } };
    expect(() => namespaceMap([ns], 'abcdefghijklmnop-')).toThrow(/longer than 63/);
  });
});

describe('a prefixed network scenario predicts the same verdicts as the original', () => {
  for (const name of ['tenant-isolation', 'service-segmentation']) {
    it(name, async () => {
      const def = loadScenarioDir(join(SCENARIOS, name));
      const criteria = (await loadScenarioCriteria(def)).filter((c) => c.probe === 'network');
      const base = await readManifests(join(def.dir, 'manifests'));
      const variants: Array<[string, KubeObject[]]> = [['baseline', base]];
      for (const o of overlayNames(def.dir)) variants.push([o, (await composeOverlay(base, join(def.dir, 'overlays', o))).objects]);
      for (const [variant, objects] of variants) {
        const map = namespaceMap(objects, 'u1-');
        expect(map.size).toBeGreaterThan(0);
        const want = predictOutcomes(criteria, snapshotFromManifests(objects), { externalTarget: '203.0.113.10:8080' }).map((o) => `${o.criterion.id}=${o.verdict}`);
        const renamed = renameNamespaces(objects, map);
        expect(renamed.filter((o) => o.metadata.namespace).every((o) => o.metadata.namespace!.startsWith('u1-') || !map.has(o.metadata.namespace!.replace(/^u1-/, '')))).toBe(true);
        const got = predictOutcomes(renameNamespaces(criteria, map), snapshotFromManifests(renamed), { externalTarget: '203.0.113.10:8080' }).map((o) => `${o.criterion.id}=${o.verdict}`);
        expect(got, `${name}/${variant}`).toEqual(want);
      }
    });
  }
});
