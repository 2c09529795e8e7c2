import { join } from 'node:path';
import type { Criterion, ResourceRef, ScenarioDefinition } from '@isoproof/core';
import { IsoproofError } from '@isoproof/core';
import type { KubeObject } from '@isoproof/kube';
import { composeOverlay } from '@isoproof/kube';
import { infrastructureNamespaceObjects } from '@isoproof/cluster';
import { type ViolationRefs, violationRefs } from './cleanup';
import { assertObserveOnly, readScenarioManifests } from './data-scenario';
import { overlayNames } from './load';
import { namespaceMap, renameNamespaces } from './namespace-prefix';
import type { RunAllOptions } from './run-types';
import { loadScenarioCriteria } from './scenario';

/** A scenario run: which scenario, which overlay (none = baseline). */
export interface Step {
  def: ScenarioDefinition;
  overlay?: string;
  flips?: string[];
  /** The objects the step applies. */
  refs: ResourceRef[];
  /** An overlay's seeded violation (removed first by the cleanup). */
  violations?: ViolationRefs;
}

const refOf = (o: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }): ResourceRef => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  name: o.metadata.name,
  ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
});

/**
 * Everything that can be checked without a cluster: criteria valid against the families, manifests
 * parse, overlays exist and compose. Bad input fails here, before any cluster is created.
 */
export async function planRun(o: Pick<RunAllOptions, 'scenarios' | 'overlay' | 'overlays' | 'criteriaParams' | 'namespacePrefix'>): Promise<{
  steps: Step[];
  criteria: Map<string, Criterion[]>;
  /** Kinds the steps apply (base manifests and composed overlays), one entry per apiVersion+kind. */
  kinds: Array<{ apiVersion: string; kind: string }>;
  /** Every object the steps apply (base manifests and composed overlays). */
  objects: KubeObject[];
}> {
  if (o.scenarios.length === 0) {
    throw new IsoproofError('ISOPROOF_NO_SCENARIO', 'no scenario selected; name one with --scenario NAME or use --all');
  }
  const steps: Step[] = [];
  const criteria = new Map<string, Criterion[]>();
  const kinds = new Map<string, { apiVersion: string; kind: string }>();
  const all: KubeObject[] = [];
  let scenarioName = '';
  const note = (objects: KubeObject[], where = 'manifests') => {
    // Never into a namespace of the cluster's own: the forced apply would adopt it and the scenario's
    // prune or cleanup delete what lives there (e.g. the kind provider's Traefik).
    const infra = infrastructureNamespaceObjects(objects);
    if (infra.length) {
      throw new IsoproofError(
        'ISOPROOF_INFRASTRUCTURE_NAMESPACE',
        `scenario ${scenarioName} (${where}) uses an infrastructure namespace: ${infra[0]}${infra.length > 1 ? ` (and ${infra.length - 1} more)` : ''}; rename its namespace`,
      );
    }
    all.push(...(o.namespacePrefix ? renameNamespaces(objects, namespaceMap(objects, o.namespacePrefix)) : objects));
    for (const x of objects) kinds.set(`${x.apiVersion} ${x.kind}`, { apiVersion: x.apiVersion, kind: x.kind });
  };
  for (const def of o.scenarios) {
    scenarioName = def.name;
    criteria.set(def.name, await loadScenarioCriteria(def, o.criteriaParams));
    const base = await readScenarioManifests(def.dir);
    assertObserveOnly(def, criteria.get(def.name) ?? [], base);
    const names = overlayNames(def.dir);
    if (o.overlay) {
      if (!names.includes(o.overlay)) {
        if (o.scenarios.length === 1) {
          throw new IsoproofError(
            'ISOPROOF_UNKNOWN_OVERLAY',
            `scenario ${def.name} has no overlay '${o.overlay}' (known: ${names.join(', ') || 'none'}); see 'isoproof list'`,
          );
        }
        continue;
      }
      const { overlay, objects } = await composeOverlay(base, join(def.dir, 'overlays', o.overlay));
      note(objects, `overlay ${o.overlay}`);
      steps.push({ def, overlay: o.overlay, flips: overlay.flips, refs: objects.map(refOf), violations: violationRefs(base, objects) });
      continue;
    }
    note(base);
    steps.push({ def, refs: base.map(refOf) });
    if (o.overlays) {
      for (const name of names) {
        const { overlay, objects } = await composeOverlay(base, join(def.dir, 'overlays', name));
        note(objects, `overlay ${name}`);
        steps.push({ def, overlay: name, flips: overlay.flips, refs: objects.map(refOf), violations: violationRefs(base, objects) });
      }
    }
  }
  if (steps.length === 0) {
    throw new IsoproofError('ISOPROOF_UNKNOWN_OVERLAY', `no selected scenario has an overlay '${o.overlay}'; see 'isoproof list'`);
  }
  return { steps, criteria, kinds: [...kinds.values()], objects: all };
}
