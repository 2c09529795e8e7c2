import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCriteria } from '@isoproof/core';
import { composeOverlay, listOverlays, readManifests } from '@isoproof/kube';
import { predictOutcomes, snapshotFromManifests } from '@isoproof/probe-network';
import { scenario } from '../src/index';

// Offline proof: the NetworkPolicy simulator stands in for the cluster. The baseline must PASS every
// criterion and each overlay must flip exactly the criteria it names (the e2e proves it on a cluster).
const facts = { externalTarget: '192.0.2.10:8443' }; // TEST-NET-1: simulated only, never contacted

async function predict(overlay?: string) {
  const criteria = await loadCriteria(join(scenario.dir, 'criteria.yaml'));
  let objects = await readManifests(join(scenario.dir, 'manifests'));
  if (overlay) objects = (await composeOverlay(objects, join(scenario.dir, 'overlays', overlay))).objects;
  const outcomes = predictOutcomes(criteria, snapshotFromManifests(objects), facts);
  return Object.fromEntries(outcomes.map((o) => [o.criterion.id, o.verdict]));
}

describe(`${scenario.name}: simulated verdicts`, () => {
  it('baseline: every criterion PASS', async () => {
    const v = await predict();
    expect(Object.keys(v).length).toBeGreaterThan(0);
    expect(Object.entries(v).filter(([, x]) => x !== 'PASS')).toEqual([]);
  });

  it('every overlay flips exactly its criteria', async () => {
    const overlays = await listOverlays(scenario.dir);
    expect(overlays.length).toBeGreaterThan(0);
    for (const o of overlays) {
      const v = await predict(o.name);
      const failing = Object.entries(v).filter(([, x]) => x === 'FAIL').map(([id]) => id).sort();
      const other = Object.entries(v).filter(([, x]) => x === 'INCONCLUSIVE').map(([id]) => id);
      expect({ overlay: o.name, failing, inconclusive: other }).toEqual({ overlay: o.name, failing: [...o.flips].sort(), inconclusive: [] });
    }
  });
});
