import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Criterion, ScenarioDefinition } from '@isoproof/core';
import type { KubeObject } from '@isoproof/kube';
import { composeOverlay, readManifests } from '@isoproof/kube';
import { criteriaNamespaces, predictOutcomes, snapshotFromManifests } from '@isoproof/probe-network';
import { assertObserveOnly, loadScenarioDir } from './data-scenario';
import { criteriaReferences, danglingReferences } from './references';
import { overlayNames } from './load';
import { loadScenarioCriteria } from './scenario';

/** What `isoproof validate DIR` found: problems make it exit 2; notes are information. */
export interface ValidationResult {
  scenario?: string;
  dir: string;
  problems: string[];
  notes: string[];
  criteria: number;
  overlays: number;
}

/** An external target for the simulation only (TEST-NET-3, never contacted). */
const SIMULATED_EXTERNAL = '203.0.113.10:8080';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';

/** Namespaces the objects create. */
function namespacesOf(objects: KubeObject[]): Set<string> {
  return new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
}

/**
 * Checks a scenario directory offline, without a cluster: criteria against the schema and their probe
 * families; manifests and overlays parse and compose; overlays flip existing criteria; namespaces the
 * criteria use are created by the manifests, and the ServiceAccounts they act as; every network cell
 * simulated against the manifests'
 * NetworkPolicies (the baseline must predict PASS, each overlay exactly its flips FAIL).
 */
export async function validateScenarioDir(dir: string, def?: ScenarioDefinition): Promise<ValidationResult> {
  const out: ValidationResult = { dir, problems: [], notes: [], criteria: 0, overlays: 0 };
  let scenario: ScenarioDefinition;
  try {
    scenario = def ?? loadScenarioDir(dir);
  } catch (e) {
    out.problems.push(message(e));
    return out;
  }
  out.scenario = scenario.name;
  out.dir = scenario.dir;
  let criteria: Criterion[] = [];
  try {
    criteria = await loadScenarioCriteria(scenario);
    out.criteria = criteria.length;
  } catch (e) {
    const problems = (e as { problems?: string[] }).problems;
    out.problems.push(...(problems && problems.length ? problems : [message(e)]));
  }
  const ids = new Set(criteria.map((c) => c.id));

  let base: KubeObject[] = [];
  const manifestsDir = join(scenario.dir, 'manifests');
  if (!existsSync(manifestsDir)) {
    out.notes.push(`${manifestsDir}: absent: an observe-only scenario (nothing applied)`);
  } else {
    try {
      base = await readManifests(manifestsDir);
      if (base.length === 0) out.notes.push(`${manifestsDir}: no objects (nothing to apply)`);
    } catch (e) {
      out.problems.push(message(e));
    }
  }

  const overlays: Array<{ name: string; flips: string[]; objects: KubeObject[] }> = [];
  for (const name of overlayNames(scenario.dir)) {
    try {
      const { overlay, objects } = await composeOverlay(base, join(scenario.dir, 'overlays', name));
      for (const f of overlay.flips) {
        if (criteria.length && !ids.has(f)) out.problems.push(`${join(scenario.dir, 'overlays', name, 'overlay.yaml')}: flips: ${f} is not a criterion of this scenario`);
      }
      overlays.push({ name, flips: overlay.flips, objects });
    } catch (e) {
      out.problems.push(message(e));
    }
  }
  out.overlays = overlays.length;
  if (criteria.length === 0 || out.problems.length > 0) return out;
  try {
    assertObserveOnly(scenario, criteria, base);
  } catch (e) {
    out.problems.push(message(e));
    return out;
  }

  // Namespaces the network criteria use must be created by the manifests (or be the cluster's own).
  const network = criteria.filter((c) => c.probe === 'network');
  const created = namespacesOf(base);
  for (const ns of criteriaNamespaces(network)) {
    if (ns && !created.has(ns) && ns !== 'kube-system' && ns !== 'default') {
      out.problems.push(`${join(scenario.dir, 'criteria.yaml')}: namespace ${ns} is used by a network cell but no manifest creates it`);
    }
  }
  // What the other families' criteria name (namespaces, ServiceAccounts) must exist in the manifests.
  for (const r of danglingReferences(criteriaReferences(criteria), base)) {
    const what = r.kind === 'Namespace' ? `namespace ${r.namespace}` : `ServiceAccount ${r.namespace}/${r.name}`;
    out.problems.push(`${join(scenario.dir, 'criteria.yaml')}: ${r.where}: ${what} is not created by any manifest`);
  }
  if (out.problems.length > 0 || network.length === 0) return out;

  // The network cells, simulated against the manifests' policies.
  const predict = (objects: KubeObject[]) => predictOutcomes(network, snapshotFromManifests(objects), { externalTarget: SIMULATED_EXTERNAL });
  const undecided: string[] = [];
  for (const o of predict(base)) {
    if (o.verdict === 'FAIL') out.problems.push(`baseline: ${o.criterion.id} is predicted FAIL against the manifests' NetworkPolicies: ${o.reason}`);
    if (o.verdict === 'INCONCLUSIVE') undecided.push(o.criterion.id);
  }
  if (undecided.length) out.notes.push(`baseline: the simulation cannot decide ${undecided.join(', ')} (decided on the cluster)`);
  for (const ov of overlays) {
    const predicted = predict(ov.objects);
    const failing = predicted.filter((o) => o.verdict === 'FAIL').map((o) => o.criterion.id);
    const expected = ov.flips.filter((f) => network.some((c) => c.id === f));
    const missing = expected.filter((f) => !failing.includes(f) && predicted.find((o) => o.criterion.id === f)?.verdict !== 'INCONCLUSIVE');
    const extra = failing.filter((f) => !ov.flips.includes(f));
    if (missing.length) out.problems.push(`overlay ${ov.name}: the simulation predicts ${missing.join(', ')} PASS, but the overlay says it flips them`);
    if (extra.length) out.problems.push(`overlay ${ov.name}: the simulation predicts ${extra.join(', ')} FAIL too; add them to flips or narrow the overlay`);
  }
  return out;
}
