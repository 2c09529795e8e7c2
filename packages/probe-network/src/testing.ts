// Vitest helpers for network scenario packages: `@isoproof/probe-network/testing`. Kept out of the
// main entry point so the CLI never loads vitest.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ScenarioDefinition } from '@isoproof/core';
import { loadCriteria } from '@isoproof/core';
import { composeOverlay, listOverlays, readManifests } from '@isoproof/kube';
import { predictOutcomes, snapshotFromManifests } from './offline';
import { compileOptionsFromFacts } from './plan';

/**
 * Offline proof of a network scenario: the NetworkPolicy simulator stands in for the cluster. The
 * baseline must PASS every criterion and each overlay must flip exactly the criteria it names (the
 * e2e proves the same on a cluster). `facts` are simulated only, never contacted.
 */
export function simulatedVerdictTests(
  def: ScenarioDefinition,
  facts: Record<string, string>,
  opts: {
    /**
     * Criteria no traffic can prove (e.g. a pod isolated from everything: no control can show the probe
     * could have succeeded), id -> why. Asserted INCONCLUSIVE on the baseline and on every overlay that
     * does not flip them (an overlay that names them must make them FAIL). Not a waiver: the exact
     * verdict is pinned.
     */
    unprovable?: Record<string, string>;
    /** Appended to the describe title (e.g. which facts are simulated). */
    label?: string;
  } = {},
): void {
  const unprovable = Object.keys(opts.unprovable ?? {}).sort();
  async function predict(overlay?: string) {
    const criteria = await loadCriteria(join(def.dir, 'criteria.yaml'));
    let objects = await readManifests(join(def.dir, 'manifests'));
    if (overlay) objects = (await composeOverlay(objects, join(def.dir, 'overlays', overlay))).objects;
    const outcomes = predictOutcomes(criteria, snapshotFromManifests(objects), compileOptionsFromFacts(facts));
    return Object.fromEntries(outcomes.map((o) => [o.criterion.id, o.verdict]));
  }

  describe(`${def.name}: simulated verdicts${opts.label ? ` (${opts.label})` : ''}`, () => {
    it('baseline: every criterion PASS', async () => {
      const v = await predict();
      expect(Object.keys(v).length).toBeGreaterThan(0);
      expect(Object.entries(v).filter(([id, x]) => x !== (unprovable.includes(id) ? 'INCONCLUSIVE' : 'PASS'))).toEqual([]);
    });

    it('every overlay flips exactly its criteria', async () => {
      const overlays = await listOverlays(def.dir);
      expect(overlays.length).toBeGreaterThan(0);
      for (const o of overlays) {
        const v = await predict(o.name);
        const failing = Object.entries(v).filter(([, x]) => x === 'FAIL').map(([id]) => id).sort();
        const other = Object.entries(v).filter(([, x]) => x === 'INCONCLUSIVE').map(([id]) => id).sort();
        expect({ overlay: o.name, failing, inconclusive: other }).toEqual({
          overlay: o.name,
          failing: [...o.flips].sort(),
          inconclusive: unprovable.filter((id) => !o.flips.includes(id)),
        });
      }
    });
  });
}
