// Dev aid: prints the simulated (offline) verdict and reasons of a network scenario, baseline or overlay.
// npx tsx packages/probe-network/bench/why.ts scenarios/<name> [overlay]
import { join, resolve } from 'node:path';
import { loadCriteria } from '@isoproof/core';
import { composeOverlay, readManifests } from '@isoproof/kube';
import { predictOutcomes, snapshotFromManifests } from '../src/offline';

const dir = resolve(process.argv[2] ?? '.');
const overlay = process.argv[3];
const criteria = await loadCriteria(join(dir, 'criteria.yaml'));
let objects = await readManifests(join(dir, 'manifests'));
if (overlay) objects = (await composeOverlay(objects, join(dir, 'overlays', overlay))).objects;
for (const o of predictOutcomes(criteria, snapshotFromManifests(objects), { externalTarget: '10.246.0.2:8080' })) {
  console.log(`${o.criterion.id} ${o.verdict}: ${o.reason}`);
}
