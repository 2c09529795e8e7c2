import type { ResourceRef } from '@isoproof/core';
import { RUN_LABEL } from '@isoproof/core';
import type { KubeHandle } from '@isoproof/kube';
import { SCENARIO_LABEL, deleteObjects, listLabelledObjects, rawRequest, refString } from '@isoproof/kube';
import { errorMessage } from './families';

/** What a seeded violation put on the cluster, to be removed before anything else. */
export interface ViolationRefs {
  /** Objects an overlay adds or changes (a ClusterRoleBinding, a wider Role, an open policy). */
  objects: ResourceRef[];
  /** Namespaces an overlay removed a policy from: their workloads run unprotected until they go. */
  namespaces: string[];
}

export interface CleanupOptions {
  runId: string;
  /** Scenarios whose objects go (every run of them, as a scenario prune does). */
  scenarios: string[];
  /** Seeded violations of the overlays applied so far: deleted first. */
  violations?: ViolationRefs;
  /** The whole cleanup's budget: deletes and the wait until every object is gone. */
  timeoutMs: number;
  /** A later limit that may move closer while the cleanup runs (a signal's exit deadline), epoch ms. */
  deadline?: () => number;
  log: (line: string) => void;
  /** Interval between progress lines while waiting (default 5 s). */
  progressMs?: number;
}

export interface CleanupResult {
  /** Objects deleted. */
  removed: number;
  /** Objects still present when the budget ran out (empty when the cleanup finished). */
  left: ResourceRef[];
  durationMs: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const group = (apiVersion: string | undefined): string => (apiVersion?.includes('/') ? (apiVersion.split('/')[0] ?? '') : '');
const key = (r: ResourceRef): string => `${group(r.apiVersion)}/${r.kind}/${r.namespace ?? ''}/${r.name}`;

/** "3 Namespace, 1 ClusterRoleBinding" */
export function describeRefs(refs: ReadonlyArray<ResourceRef>, max = 4): string {
  const named = refs.slice(0, max).map(refString);
  return `${named.join(', ')}${refs.length > max ? ` (+${refs.length - max} more)` : ''}`;
}

/** Workload controllers that would recreate the pods quiesce() stops, owners before what they own. */
const CONTROLLERS = [
  ['apps/v1/deployments', 'batch/v1/cronjobs'],
  ['apps/v1/replicasets', 'apps/v1/statefulsets', 'apps/v1/daemonsets', 'batch/v1/jobs'],
];

/**
 * Stops the workloads of `namespaces` (namespaces isoproof created, so everything in them is the run's):
 * deletes their controllers without cascading (nothing recreates a pod), then deletes their pods with a
 * 1 s grace. Done before the namespace is deleted, the namespace controller then never waits for a
 * pod's default 30 s termination grace. Best effort: an error only means the namespace goes slower.
 */
export async function quiesce(kube: KubeHandle, namespaces: string[], log: (line: string) => void): Promise<void> {
  const collection = async (path: string, body: Record<string, unknown>): Promise<void> => {
    try {
      const res = await rawRequest(kube, { method: 'DELETE', path, body: { apiVersion: 'v1', kind: 'DeleteOptions', ...body }, timeoutMs: 15_000 });
      // 403: no right to delete at once; 404: API not served. The namespace deletion still removes them.
      if (res.status >= 300 && res.status !== 403 && res.status !== 404) log(`cleanup: DELETE ${path}: HTTP ${res.status}`);
    } catch (err) {
      log(`cleanup: DELETE ${path} failed: ${errorMessage(err)}`);
    }
  };
  await Promise.all(
    namespaces.map(async (name) => {
      const ns = encodeURIComponent(name);
      for (const tier of CONTROLLERS) {
        await Promise.all(
          tier.map((c) => {
            const [group, version, resource] = c.split('/') as [string, string, string];
            return collection(`/apis/${group}/${version}/namespaces/${ns}/${resource}`, { propagationPolicy: 'Orphan' });
          }),
        );
      }
      await collection(`/api/v1/namespaces/${ns}/pods`, { gracePeriodSeconds: 1 });
    }),
  );
}

/** Every labelled object of the run and of its scenarios, terminating ones included, deduplicated. */
async function listOurs(kube: KubeHandle, o: Pick<CleanupOptions, 'runId' | 'scenarios'>): Promise<Array<ResourceRef & { terminating?: boolean }>> {
  const selectors = [`${RUN_LABEL}=${o.runId}`];
  if (o.scenarios.length > 0) selectors.push(`${SCENARIO_LABEL} in (${o.scenarios.join(',')})`);
  const seen = new Map<string, ResourceRef & { terminating?: boolean }>();
  const lists = await Promise.all(selectors.map((sel) => listLabelledObjects(kube, sel, { includeTerminating: true })));
  for (const r of lists.flat()) seen.set(key(r), r);
  return [...seen.values()];
}

/**
 * The one cleanup of a run on a cluster isoproof did not create, on the normal path and after a
 * signal alike: lists every object labelled with the run or one of its scenarios (only objects isoproof
 * created carry these labels), deletes the seeded violations first (an overlay's ClusterRoleBinding,
 * the namespaces an overlay removed a policy from), then the rest (a namespace takes its contents with
 * it), and waits until they are all gone, re-listing so that an object created late by an interrupted
 * step is deleted too. Bounded by `timeoutMs`; reports progress; never throws for a single object.
 */
export async function cleanupRun(kube: KubeHandle, o: CleanupOptions): Promise<CleanupResult> {
  const started = Date.now();
  const deadline = (): number => Math.min(started + o.timeoutMs, o.deadline?.() ?? Number.POSITIVE_INFINITY);
  const progressMs = o.progressMs ?? 5_000;
  let removed = 0;
  const deleted = new Set<string>();

  const remove = async (refs: ResourceRef[]): Promise<void> => {
    const todo = refs.filter((r) => !deleted.has(key(r)));
    for (const r of todo) {
      try {
        await deleteObjects(kube, [r]);
        deleted.add(key(r));
        removed++;
      } catch (err) {
        o.log(`cleanup: delete ${refString(r)} failed: ${errorMessage(err)}`);
      }
    }
  };

  let found = await listOurs(kube, o);
  const live = found.filter((r) => !r.terminating);
  const ourNs = new Set(found.filter((r) => r.kind === 'Namespace').map((r) => r.name));
  // 1. Seeded violations first: what the overlay added or changed, and the namespaces it left open
  //    (their pods stop at once, then the namespace goes).
  const v = o.violations ?? { objects: [], namespaces: [] };
  const vKeys = new Set(v.objects.map(key));
  const vNs = new Set(v.namespaces);
  const first = live.filter((r) => vKeys.has(key(r)) || (r.kind === 'Namespace' && vNs.has(r.name)));
  if (first.length > 0) {
    const firstNs = first.filter((r) => r.kind === 'Namespace');
    await remove(first.filter((r) => r.kind !== 'Namespace'));
    await quiesce(kube, firstNs.map((r) => r.name), o.log);
    await remove(firstNs);
    o.log(`cleanup: seeded violation removed first: ${describeRefs(first)}`);
  }
  // 2. The rest. An object inside one of our namespaces goes with the namespace; the pods of those
  //    namespaces are stopped first, so no namespace waits for a 30 s termination grace.
  const rest = live.filter((r) => !(r.namespace && ourNs.has(r.namespace)) && !deleted.has(key(r)));
  if (rest.length > 0) {
    const ns = rest.filter((r) => r.kind === 'Namespace');
    o.log(`cleanup: deleting ${rest.length} objects of run ${o.runId} and its scenarios (${ns.length} namespace(s) with their contents, ${rest.length - ns.length} other)`);
    await quiesce(kube, ns.map((r) => r.name), o.log);
  }
  await remove(rest);

  // 3. Wait until nothing labelled is left; delete what appeared meanwhile.
  let lastProgress = Date.now();
  for (;;) {
    try {
      found = await listOurs(kube, o);
    } catch (err) {
      o.log(`cleanup: listing failed: ${errorMessage(err)}`);
    }
    if (found.length === 0) break;
    const late = found.filter((r) => !r.terminating && !(r.namespace && ourNs.has(r.namespace)) && !deleted.has(key(r)));
    for (const r of found) if (r.kind === 'Namespace') ourNs.add(r.name);
    if (late.length > 0) await remove(late);
    if (Date.now() >= deadline()) break;
    if (Date.now() - lastProgress >= progressMs) {
      lastProgress = Date.now();
      o.log(`cleanup: waiting for ${found.length} object(s) to go: ${describeRefs(found)} [${Math.round((Date.now() - started) / 1000)}s]`);
    }
    await sleep(Math.min(1_000, Math.max(0, deadline() - Date.now())));
  }
  const durationMs = Date.now() - started;
  if (found.length === 0) o.log(`cleanup: done in ${(durationMs / 1000).toFixed(1)}s, ${removed} object(s) deleted, nothing of run ${o.runId} left`);
  return { removed, left: found.map(({ terminating: _t, ...r }) => r), durationMs };
}

/**
 * What an overlay adds to its baseline as a seeded violation: the objects it adds or changes, and the
 * namespaces of the objects it removes (a deleted default-deny leaves that namespace's pods open).
 */
export function violationRefs(
  base: ReadonlyArray<{ apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }>,
  composed: ReadonlyArray<{ apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }>,
): ViolationRefs {
  const ref = (o: (typeof base)[number]): ResourceRef => ({
    apiVersion: o.apiVersion,
    kind: o.kind,
    name: o.metadata.name,
    ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
  });
  const baseByKey = new Map(base.map((o) => [key(ref(o)), o] as const));
  const composedKeys = new Set(composed.map((o) => key(ref(o))));
  const objects = composed.filter((o) => {
    const b = baseByKey.get(key(ref(o)));
    return b === undefined || JSON.stringify(b) !== JSON.stringify(o);
  }).map(ref);
  const namespaces = new Set<string>();
  for (const o of base) {
    if (!composedKeys.has(key(ref(o))) && o.metadata.namespace) namespaces.add(o.metadata.namespace);
  }
  return { objects, namespaces: [...namespaces] };
}
