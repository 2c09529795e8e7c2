import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ScenarioDefinition } from '@isoproof/core';
import { loadCriteria } from '@isoproof/core';
import { composeOverlay, listOverlays, readManifests } from '@isoproof/kube';
import type { KubeObject } from '@isoproof/kube';
import { familyKinds } from './families';

export interface DefinitionTestOptions {
  /** The scenario must keep at least this many criteria (guards against silently lost criteria). */
  minCriteria?: number;
  /** ... and at least this many overlays. */
  minOverlays?: number;
  /**
   * The standard: every criterion ships with a seeded violation, so each one must be in the `flips` of
   * at least one overlay. Set false to opt the whole scenario out (say why where you call it).
   */
  everyCriterionFlipped?: boolean;
  /**
   * Criteria no overlay can flip (e.g. they depend on cluster configuration a manifest cannot change):
   * criterion id -> why, and where its FAIL is proven instead (a test file). An entry must name a
   * criterion of the scenario that no overlay flips, with a non-empty reason.
   */
  unflippable?: Record<string, string>;
}

function namespacesOf(objects: KubeObject[]): Set<string> {
  return new Set(
    objects.flatMap((o) => (o.kind === 'Namespace' ? [o.metadata.name] : o.metadata.namespace ? [o.metadata.namespace] : [])),
  );
}

/**
 * Offline checks every scenario package should pass (a vitest helper, like scenarioE2E): criteria specs
 * valid for their families, overlays compose and flip only known criteria, manifests use only the
 * cluster's own images and mark their namespaces as managed, and no namespace is shared with another
 * scenario (destroying one must never delete another's objects). The cluster e2e proves the verdicts.
 */
export function scenarioDefinitionTests(def: ScenarioDefinition, o: DefinitionTestOptions = {}): void {
  const criteriaFile = join(def.dir, 'criteria.yaml');
  const manifestsDir = join(def.dir, 'manifests');

  describe(`${def.name}: definition`, () => {
    it('every criterion spec is valid for its family', async () => {
      const criteria = await loadCriteria(criteriaFile);
      expect(criteria.length).toBeGreaterThanOrEqual(o.minCriteria ?? 1);
      for (const c of criteria) {
        const family = def.families.find((f) => familyKinds(f).includes(c.probe));
        expect(family, c.id).toBeDefined();
        expect(family!.validateSpec?.(c) ?? [], c.id).toEqual([]);
      }
    });

    it('every overlay composes and flips only known criteria', async () => {
      const ids = new Set((await loadCriteria(criteriaFile)).map((c) => c.id));
      const base = await readManifests(manifestsDir);
      const overlays = await listOverlays(def.dir);
      expect(overlays.length).toBeGreaterThanOrEqual(o.minOverlays ?? 1);
      for (const overlay of overlays) {
        expect(overlay.flips.length, overlay.name).toBeGreaterThan(0);
        for (const f of overlay.flips) expect(ids.has(f), `${overlay.name} flips ${f}`).toBe(true);
        const { objects } = await composeOverlay(base, join(def.dir, 'overlays', overlay.name));
        expect(objects.length, overlay.name).toBeGreaterThanOrEqual(base.length - (overlay.remove?.length ?? 0));
      }
    });

    if (o.everyCriterionFlipped !== false) {
      it('every criterion is flipped by at least one overlay (its seeded violation)', async () => {
        const ids = (await loadCriteria(criteriaFile)).map((c) => c.id);
        const flipped = new Set((await listOverlays(def.dir)).flatMap((x) => x.flips));
        const exempt = o.unflippable ?? {};
        for (const [id, why] of Object.entries(exempt)) {
          expect(ids.includes(id), `unflippable ${id}: not a criterion of ${def.name}`).toBe(true);
          expect(flipped.has(id), `unflippable ${id}: an overlay flips it, remove the exemption`).toBe(false);
          expect(why.trim().length, `unflippable ${id}: give the reason and where its FAIL is proven`).toBeGreaterThan(0);
        }
        expect(
          ids.filter((id) => !flipped.has(id) && !(id in exempt)),
          'criteria no overlay flips (add a seeded-violation overlay, or list them in unflippable with the reason)',
        ).toEqual([]);
      });
    }

    it('manifests use only the cluster images and label every namespace as managed', async () => {
      const objects = await readManifests(manifestsDir);
      for (const m of JSON.stringify(objects).matchAll(/"image":"([^"]+)"/g)) expect(m[1]).toMatch(/^isoproof\.local\//);
      for (const ns of objects.filter((x) => x.kind === 'Namespace')) expect(ns.metadata.labels?.['isoproof.dev/managed']).toBe('true');
    });

    it('shares no namespace with another scenario (destroying one must never delete the other)', async () => {
      const mine = namespacesOf(await readManifests(manifestsDir));
      const root = join(def.dir, '..');
      for (const other of await readdir(root)) {
        const dir = join(root, other, 'manifests');
        if (other === def.name || !existsSync(dir)) continue;
        const theirs = namespacesOf(await readManifests(dir));
        expect([...mine].filter((n) => theirs.has(n)), `namespaces shared with ${other}`).toEqual([]);
      }
    });
  });
}
