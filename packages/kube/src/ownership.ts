import pLimit from 'p-limit';
import type { KubernetesObject } from '@kubernetes/client-node';
import { codedError, RUN_LABEL } from '@isoproof/core';
import type { ResourceRef } from '@isoproof/core';
import { BoundedObjectApi, boundedObjectApi } from './bounded-api';
import { KubeApiError } from './errors';
import { describeTarget } from './kubeconfig';
import type { KubeHandle } from './kubeconfig';
import { objectKey, refString, toRef } from './manifests';
import type { KubeObject } from './manifests';
import { rawRequest } from './raw';

/** What the API server holds under an object's name: who made it (labels) and which instance (uid). */
export interface LiveState {
  uid: string;
  labels: Record<string, string>;
}

/** An object of the cluster as isoproof may act on it: its ref plus, when known, the uid seen when listed. */
export type LiveRef = ResourceRef & { uid?: string };

/**
 * Objects the plan would apply that already exist and were not created by isoproof (no
 * isoproof.dev/run label): applying them would adopt the user's object, and a later prune or sweep
 * would delete it with everything inside. isoproof refuses instead (exit 2).
 */
export class ForeignObjectsError extends codedError('ISOPROOF_FOREIGN_OBJECTS') {
  readonly objects: ResourceRef[];
  constructor(objects: ResourceRef[], target: string) {
    super(foreignObjectsMessage(objects, target));
    this.objects = objects;
  }
}

/** One line naming the foreign objects (the first eight, then a count). */
export function foreignObjectsMessage(objects: ResourceRef[], target: string): string {
  const shown = objects.slice(0, 8).map(refString).join(', ');
  const more = objects.length > 8 ? ` (+${objects.length - 8} more)` : '';
  return (
    `refusing to apply: ${objects.length} object(s) of the plan already exist on ${target} and were not created by isoproof ` +
    `(no ${RUN_LABEL} label): ${shown}${more}; isoproof never modifies or deletes them: rename or remove them, ` +
    `or give the scenario namespaces a prefix (--namespace-prefix) or use another cluster`
  );
}

/** Whether isoproof created this object (any run): it carries the run label. */
export function createdByIsoproof(labels: Record<string, string> | undefined): boolean {
  return typeof labels?.[RUN_LABEL] === 'string' && labels[RUN_LABEL] !== '';
}

function isUnknownKind(e: unknown): boolean {
  return e instanceof Error && e.message.startsWith('Unrecognized API version and kind');
}

class ReadPath extends BoundedObjectApi {
  path(o: KubernetesObject): Promise<string> {
    return this.specUriPath(o, 'read');
  }
}

/**
 * Reads one object by its identity (apiVersion, kind, namespace, name): undefined when absent (404,
 * or a kind the cluster does not serve yet, e.g. before its CRD is applied). Any other failure
 * (403, 5xx) throws: isoproof cannot tell whose the object is, so it must not apply it.
 */
export async function readLiveState(kube: KubeHandle, o: KubeObject, api?: ReadPath): Promise<LiveState | undefined> {
  const paths = api ?? boundedObjectApi(kube, { contextNamespace: false }, ReadPath);
  let path: string;
  try {
    // specUriPath fills in missing fields of what it is given: hand it a copy.
    const spec = { apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) } };
    path = await paths.path(spec);
  } catch (e) {
    if (isUnknownKind(e)) return undefined;
    throw new KubeApiError(`read ${refString(o)} on ${describeTarget(kube)} failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`, undefined, { cause: e });
  }
  const res = await rawRequest(kube, { method: 'GET', path });
  if (res.status === 404) return undefined;
  if (res.status < 200 || res.status >= 300) {
    const b = res.body as { reason?: string; message?: string } | undefined;
    const why = b && typeof b === 'object' ? `${b.reason ?? ''}: ${(b.message ?? '').split('\n')[0]}` : res.text.split('\n')[0];
    throw new KubeApiError(`cannot tell whether ${refString(o)} exists on ${describeTarget(kube)} (${res.status} ${why}); nothing was applied`, res.status);
  }
  const md = (res.body as { metadata?: { uid?: string; labels?: Record<string, string> } }).metadata ?? {};
  return { uid: md.uid ?? '', labels: md.labels ?? {} };
}

/** The plan's objects, one per identity, with the namespace a namespaced object lands in made explicit. */
function distinct(objects: KubeObject[]): KubeObject[] {
  const seen = new Map<string, KubeObject>();
  for (const o of objects) if (!seen.has(objectKey(o))) seen.set(objectKey(o), o);
  return [...seen.values()];
}

export interface OwnershipReport {
  /** Present without the run label: never to be applied, pruned or swept. */
  foreign: ResourceRef[];
  /** Present with the run label of some isoproof run (a kept or interrupted run): re-applied as ours. */
  ours: ResourceRef[];
}

/**
 * Sorts the objects of a plan that already exist into those isoproof created (any run) and those it
 * did not. Objects absent from the cluster are in neither list. Reads are bounded (4 at a time).
 */
export async function classifyExisting(kube: KubeHandle, objects: KubeObject[]): Promise<OwnershipReport> {
  const api = boundedObjectApi(kube, { contextNamespace: false }, ReadPath);
  const list = distinct(objects);
  const states = await pLimit(4).map(list, (o) => readLiveState(kube, o, api));
  const out: OwnershipReport = { foreign: [], ours: [] };
  list.forEach((o, i) => {
    const s = states[i];
    if (!s) return;
    (createdByIsoproof(s.labels) ? out.ours : out.foreign).push(toRef(o));
  });
  return out;
}

/**
 * Throws ForeignObjectsError (one line, exit 2) when any object of the plan exists without
 * isoproof's run label. Returns the objects an earlier isoproof run left (re-applied as ours).
 */
export async function assertNoForeignObjects(kube: KubeHandle, objects: KubeObject[]): Promise<ResourceRef[]> {
  const r = await classifyExisting(kube, objects);
  if (r.foreign.length > 0) throw new ForeignObjectsError(r.foreign, describeTarget(kube));
  return r.ours;
}
