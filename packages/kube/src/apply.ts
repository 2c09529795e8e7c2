import pWaitFor from 'p-wait-for';
import { ApiException } from '@kubernetes/client-node';
import type { KubernetesObjectApi } from '@kubernetes/client-node';
import { BoundedObjectApi, boundedObjectApi } from './bounded-api';
import type { KubernetesObject } from '@kubernetes/client-node';
import { RUN_LABEL } from '@isoproof/core';
import type { ResourceRef } from '@isoproof/core';
import { KubeApiError, WaitTimeoutError, describeError } from './errors';
import { rawRequest } from './raw';
import { describeTarget } from './kubeconfig';
import type { KubeHandle } from './kubeconfig';
import { SCENARIO_LABEL, withRunLabels } from './labels';
import { refString, toRef } from './manifests';
import type { KubeObject } from './manifests';
import { SWEEP_KINDS, refKey, sortForApply, sortForDelete } from './order';
import { ForeignObjectsError, createdByIsoproof, readLiveState } from './ownership';
import type { LiveRef } from './ownership';

export const DEFAULT_FIELD_MANAGER = 'isoproof';

export interface ApplyOptions {
  /** Labels every object isoproof.dev/run=<runId>; omit it only for cluster infrastructure that a
   * sweep must keep (e.g. the kind ingress controller). */
  runId?: string;
  scenario?: string;
  fieldManager?: string;
  dryRun?: boolean;
  /** Stops before the next object once aborted (a signal): throws the signal's reason. */
  signal?: AbortSignal;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** HTTP status of a client-node error, if any. */
export function apiStatus(e: unknown): number | undefined {
  return e instanceof ApiException ? e.code : undefined;
}

/** One line: "422 Invalid: Deployment.apps "web" is invalid: ..." from a client-node error. */
export function apiErrorLine(e: unknown): string {
  if (e instanceof ApiException) {
    let body: unknown = e.body;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        /* keep text */
      }
    }
    return statusLine(e.code, body, String(body ?? ''));
  }
  return describeError(e);
}

/** One line from an HTTP status and its (parsed) Status body: "403 Forbidden: first line of message". */
function statusLine(status: number, body: unknown, text: string): string {
  if (body && typeof body === 'object') {
    const b = body as { reason?: string; message?: string };
    return `${status}${b.reason ? ` ${b.reason}` : ''}: ${(b.message ?? '').split('\n')[0]}`;
  }
  return `${status}: ${text.split('\n')[0]}`;
}

function objectApi(kube: KubeHandle): KubernetesObjectApi {
  return boundedObjectApi(kube);
}

/**
 * client-node's discovery, used only to find an object's REST path. Applies do not go through
 * client-node's typed serializer: it renames fields after its models (a NetworkPolicy rule's `from`
 * is `_from` there) and silently drops the plain ones, which once turned every ingress rule into
 * "from anyone". The manifest's own JSON is sent as is.
 */
class PathResolver extends BoundedObjectApi {
  path(o: KubernetesObject): Promise<string> {
    return this.specUriPath(o, 'patch');
  }
}

function isUnknownKind(e: unknown): boolean {
  return e instanceof Error && e.message.startsWith('Unrecognized API version and kind');
}

/**
 * Server-side apply of `objects` in dependency order, each labelled isoproof.dev/run=<runId> (and
 * isoproof.dev/scenario). Custom resources applied right after their CRD are retried (discovery lag)
 * for up to 30 s. Returns the refs of the applied objects (namespace filled in).
 *
 * With a runId, an object that already exists without isoproof's run label is never applied (a forced
 * apply would adopt it, and the prune would later delete it): ForeignObjectsError, nothing of it changed.
 * Callers check the whole plan first (assertNoForeignObjects); this per-object read is the last guard.
 */
export async function applyObjects(kube: KubeHandle, objects: KubeObject[], opts: ApplyOptions): Promise<ResourceRef[]> {
  let paths = boundedObjectApi(kube, { contextNamespace: false }, PathResolver);
  const refs: ResourceRef[] = [];
  for (const o of sortForApply(objects)) {
    if (opts.signal?.aborted) {
      throw opts.signal.reason instanceof Error ? opts.signal.reason : new KubeApiError(`apply stopped before ${refString(o)}: aborted`);
    }
    const body = (opts.runId ? withRunLabels(o, opts.runId, opts.scenario) : o) as unknown as KubernetesObject;
    const deadline = Date.now() + 30_000;
    if (opts.runId) {
      const live = await readLiveState(kube, o);
      if (live && !createdByIsoproof(live.labels)) throw new ForeignObjectsError([toRef(o)], describeTarget(kube));
    }
    for (;;) {
      let path: string;
      try {
        path = await paths.path(body);
      } catch (e) {
        if (isUnknownKind(e) && Date.now() < deadline) {
          await sleep(1000);
          paths = boundedObjectApi(kube, { contextNamespace: false }, PathResolver); // fresh discovery cache
          continue;
        }
        throw new KubeApiError(`apply ${refString(o)} on ${describeTarget(kube)} failed: ${apiErrorLine(e)}`, apiStatus(e), { cause: e });
      }
      const res = await rawRequest(kube, {
        method: 'PATCH',
        path,
        query: {
          fieldManager: opts.fieldManager ?? DEFAULT_FIELD_MANAGER,
          force: 'true',
          ...(opts.dryRun ? { dryRun: 'All' } : {}),
        },
        contentType: 'application/apply-patch+yaml',
        body: JSON.stringify(body),
      });
      if (res.status < 200 || res.status >= 300) {
        throw new KubeApiError(`apply ${refString(o)} on ${describeTarget(kube)} failed: ${statusLine(res.status, res.body, res.text)}`, res.status);
      }
      const ref = toRef(o);
      const ns = (res.body as { metadata?: { namespace?: string } } | undefined)?.metadata?.namespace;
      if (ns) ref.namespace = ns;
      refs.push(ref);
      break;
    }
  }
  return refs;
}

/** List every object of SWEEP_KINDS (plus `extra` kinds) carrying `labelSelector`. */
function listLabelled(kube: KubeHandle, labelSelector: string, extra: ResourceRef[] = []): Promise<LiveRef[]> {
  return listLabelledObjects(kube, labelSelector, { extra });
}

/**
 * Every object of SWEEP_KINDS (plus `extra` kinds) matching `labelSelector` (any selector syntax,
 * e.g. `isoproof.dev/scenario in (a,b)`) AND carrying isoproof's run label (checked again on what came
 * back: nothing else is ever listed for deletion), each with its uid. Objects already being deleted are
 * left out unless `includeTerminating` (then they carry `terminating: true`). Kinds the cluster does not
 * serve are skipped.
 */
export async function listLabelledObjects(
  kube: KubeHandle,
  labelSelector: string,
  opts: { extra?: ResourceRef[]; includeTerminating?: boolean; signal?: AbortSignal } = {},
): Promise<Array<LiveRef & { terminating?: boolean }>> {
  const extra = opts.extra ?? [];
  const api = boundedObjectApi(kube, opts.signal ? { signal: opts.signal } : {});
  const kinds = new Map(SWEEP_KINDS.map((k) => [`${k.apiVersion}/${k.kind}`, k] as const));
  for (const r of extra) if (r.apiVersion) kinds.set(`${r.apiVersion}/${r.kind}`, { apiVersion: r.apiVersion, kind: r.kind });
  // One list per kind, all at once (a cleanup re-lists every second while it waits).
  const lists = await Promise.all(
    [...kinds.values()].map(async ({ apiVersion, kind }) => {
      let items: KubernetesObject[];
      try {
        const list = await api.list(apiVersion, kind, undefined, undefined, undefined, undefined, undefined, labelSelector);
        items = list.items;
      } catch (e) {
        if (isUnknownKind(e) || apiStatus(e) === 404) return []; // API not served by this cluster
        throw new KubeApiError(`list ${kind} on ${describeTarget(kube)} failed: ${apiErrorLine(e)}`, apiStatus(e), { cause: e });
      }
      const out: Array<LiveRef & { terminating?: boolean }> = [];
      for (const it of items) {
        if (!it.metadata?.name) continue;
        if (it.metadata.deletionTimestamp && !opts.includeTerminating) continue;
        // The selector asked for isoproof's labels; the label is checked again on what came back.
        if (!createdByIsoproof(it.metadata.labels)) continue;
        const ref: LiveRef & { terminating?: boolean } = { apiVersion, kind, name: it.metadata.name };
        if (it.metadata.namespace) ref.namespace = it.metadata.namespace;
        if (it.metadata.uid) ref.uid = it.metadata.uid;
        if (it.metadata.deletionTimestamp) ref.terminating = true;
        out.push(ref);
      }
      return out;
    }),
  );
  return lists.flat();
}

/**
 * Delete the objects labelled with `scenario` (and a run label: isoproof created them) that are not in
 * `keep` (objects left from a previous apply). Each delete names the uid seen when listed, so an object
 * recreated under the same name by someone else in between is left alone.
 */
export async function pruneObjects(
  kube: KubeHandle,
  scenario: string,
  keep: ResourceRef[],
  opts: { waitMs?: number } = {},
): Promise<ResourceRef[]> {
  const kept = new Set(keep.map(refKey));
  const found = await listLabelled(kube, `${SCENARIO_LABEL}=${scenario},${RUN_LABEL}`, keep);
  const stale = found.filter((r) => !kept.has(refKey(r)));
  // A kept object inside a stale namespace would be lost with it: never prune a namespace we keep objects in.
  const keptNs = new Set(keep.map((r) => r.namespace).filter(Boolean));
  const prune = stale.filter((r) => !(r.kind === 'Namespace' && keptNs.has(r.name)));
  await deleteObjects(kube, prune, opts);
  return prune;
}

/**
 * The refs whose object exists and carries isoproof's run label, each with the uid it has now
 * (refs that already name a uid are kept as they are).
 */
async function ownedRefs(kube: KubeHandle, refs: LiveRef[]): Promise<LiveRef[]> {
  const out: LiveRef[] = [];
  for (const r of refs) {
    if (r.uid) {
      out.push(r);
      continue;
    }
    const live = await readLiveState(kube, {
      apiVersion: r.apiVersion ?? 'v1',
      kind: r.kind,
      metadata: { name: r.name, ...(r.namespace ? { namespace: r.namespace } : {}) },
    });
    if (live && createdByIsoproof(live.labels)) out.push({ ...r, uid: live.uid });
  }
  return out;
}

/**
 * Delete objects in reverse dependency order (404 is fine). A ref with a uid is deleted only if the
 * object under that name is still that one (a uid precondition; 409 means someone replaced it, and
 * it is left alone). With `ownedOnly`, refs without a uid are read first and only objects carrying the
 * run label are deleted (by their uid). With `waitMs`, wait until they are gone (WaitTimeoutError otherwise).
 */
export async function deleteObjects(kube: KubeHandle, refs: LiveRef[], opts: { waitMs?: number; ownedOnly?: boolean } = {}): Promise<void> {
  const api = objectApi(kube);
  let ordered = sortForDelete(refs);
  if (opts.ownedOnly) ordered = await ownedRefs(kube, ordered);
  const replaced = new Set<LiveRef>();
  for (const r of ordered) {
    const spec = { apiVersion: r.apiVersion ?? 'v1', kind: r.kind, metadata: { name: r.name, ...(r.namespace ? { namespace: r.namespace } : {}) } };
    try {
      await api.delete(spec, undefined, undefined, undefined, undefined, 'Background', r.uid ? { preconditions: { uid: r.uid } } : undefined);
    } catch (e) {
      if (apiStatus(e) === 404 || isUnknownKind(e)) continue;
      if (r.uid && apiStatus(e) === 409) {
        replaced.add(r);
        continue;
      }
      throw new KubeApiError(`delete ${refString(r)} on ${describeTarget(kube)} failed: ${apiErrorLine(e)}`, apiStatus(e), { cause: e });
    }
  }
  if (!opts.waitMs) return;
  const waitMs = opts.waitMs;
  let left = ordered.filter((r) => !replaced.has(r));
  const allGone = async (): Promise<boolean> => {
    const still: LiveRef[] = [];
    for (const r of left) {
      try {
        const live = await api.read({ apiVersion: r.apiVersion ?? 'v1', kind: r.kind, metadata: { name: r.name, ...(r.namespace ? { namespace: r.namespace } : {}) } });
        // Another object under the same name (created by someone else since) is not ours to wait for.
        if (r.uid && live.metadata?.uid && live.metadata.uid !== r.uid) continue;
        still.push(r);
      } catch (e) {
        if (apiStatus(e) === 404 || isUnknownKind(e)) continue;
        still.push(r);
      }
    }
    left = still;
    return left.length === 0;
  };
  const stillPresent = (): never => {
    throw new WaitTimeoutError(
      `still present after ${Math.round(waitMs / 1000)}s: ${left.slice(0, 5).map(refString).join(', ')}${left.length > 5 ? ` (+${left.length - 5})` : ''}`,
    );
  };
  if (left.length > 0) await pWaitFor(allGone, { interval: 1000, timeout: { milliseconds: waitMs, fallback: stillPresent } });
}

/**
 * Delete every object labelled isoproof.dev/run=<runId> (any run when omitted), cluster-scoped ones
 * included, each by its uid (see deleteObjects). Objects without the label are never touched.
 * Returns how many objects were deleted.
 */
export async function sweep(kube: KubeHandle, runId?: string): Promise<number> {
  const found = await listLabelled(kube, runId ? `${RUN_LABEL}=${runId}` : RUN_LABEL);
  await deleteObjects(kube, found);
  return found.length;
}
