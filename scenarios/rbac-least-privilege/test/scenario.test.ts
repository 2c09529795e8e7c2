import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCriteria } from '@isoproof/core';
import { composeOverlay, listOverlays, readManifests } from '@isoproof/kube';
import { scenario } from '../src/index';

// Offline checks; the cluster e2e (test/*.e2e.test.ts) proves the verdicts.
describe(`${scenario.name}: definition`, () => {
  it('every criterion spec is valid for its family', async () => {
    const criteria = await loadCriteria(join(scenario.dir, 'criteria.yaml'));
    expect(criteria.length).toBeGreaterThan(10);
    for (const c of criteria) {
      const family = scenario.families.find((f) => (Array.isArray(f.kind) ? f.kind : [f.kind]).includes(c.probe));
      expect(family, c.id).toBeDefined();
      expect(family!.validateSpec?.(c) ?? [], c.id).toEqual([]);
    }
  });

  it('every overlay composes and flips only known criteria', async () => {
    const ids = new Set((await loadCriteria(join(scenario.dir, 'criteria.yaml'))).map((c) => c.id));
    const base = await readManifests(join(scenario.dir, 'manifests'));
    const overlays = await listOverlays(scenario.dir);
    expect(overlays.length).toBeGreaterThanOrEqual(5);
    for (const o of overlays) {
      expect(o.flips.length, o.name).toBeGreaterThan(0);
      for (const f of o.flips) expect(ids.has(f), `${o.name} flips ${f}`).toBe(true);
      const { objects } = await composeOverlay(base, join(scenario.dir, 'overlays', o.name));
      expect(objects.length, o.name).toBeGreaterThanOrEqual(base.length);
    }
  });

  it('manifests use only the cluster images and label every namespace as managed', async () => {
    const objects = await readManifests(join(scenario.dir, 'manifests'));
    const text = JSON.stringify(objects);
    for (const m of text.matchAll(/"image":"([^"]+)"/g)) expect(m[1]).toMatch(/^isoproof\.local\//);
    for (const ns of objects.filter((o) => o.kind === 'Namespace')) expect(ns.metadata.labels?.['isoproof.dev/managed']).toBe('true');
  });

  it('every deny criterion has a control (no control, no PASS)', async () => {
    for (const c of await loadCriteria(join(scenario.dir, 'criteria.yaml'))) {
      if (c.probe === 'rbac' && c.spec.expect === 'denied') expect(c.spec.control, c.id).toBeDefined();
    }
  });
});

describe(`${scenario.name}: namespaces`, () => {
  it('shares no namespace with another scenario (destroying one must never delete the other)', async () => {
    const { readdir } = await import('node:fs/promises');
    const { existsSync } = await import('node:fs');
    const nsOf = (objs: Array<{ kind: string; metadata: { name: string; namespace?: string } }>) =>
      new Set(objs.flatMap((o) => (o.kind === 'Namespace' ? [o.metadata.name] : o.metadata.namespace ? [o.metadata.namespace] : [])));
    const mine = nsOf(await readManifests(join(scenario.dir, 'manifests')));
    const root = join(scenario.dir, '..');
    for (const other of await readdir(root)) {
      const dir = join(root, other, 'manifests');
      if (other === scenario.name || !existsSync(dir)) continue;
      const theirs = nsOf(await readManifests(dir));
      expect([...mine].filter((n) => theirs.has(n)), `namespaces shared with ${other}`).toEqual([]);
    }
  });
});
