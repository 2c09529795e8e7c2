import pWaitFor from 'p-wait-for';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ResourceRef } from '@isoproof/core';
import { KubeApiError, WaitTimeoutError } from './errors';
import { describeTarget } from './kubeconfig';
import type { KubeHandle } from './kubeconfig';
import { apiErrorLine, apiStatus } from './apply';
import { boundedObjectApi } from './bounded-api';
import { refString } from './manifests';

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
}

/** The fields of an object's spec/status that readiness looks at (everything else is ignored). */
export interface ReadinessView {
  metadata?: { generation?: number };
  spec?: { replicas?: number; selector?: Record<string, string>; type?: string };
  status?: {
    phase?: string;
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    readyReplicas?: number;
    desiredNumberScheduled?: number;
    numberReady?: number;
    updatedNumberScheduled?: number;
    succeeded?: number;
    conditions?: Condition[];
    containerStatuses?: Array<{ state?: { waiting?: { reason?: string } } }>;
  };
}

/** The part of an EndpointSlice that says whether a Service has a ready endpoint. */
export interface EndpointSliceView {
  endpoints?: Array<{ conditions?: { ready?: boolean } }>;
}

/** Readiness of one object: null when ready, else a short reason. Pure (table-tested). */
export function notReadyReason(kind: string, obj: ReadinessView, endpointSlices?: EndpointSliceView[]): string | null {
  const status = obj.status ?? {};
  const spec = obj.spec ?? {};
  const gen = obj.metadata?.generation;
  const observedOk = gen === undefined || (status.observedGeneration ?? 0) >= gen;
  switch (kind) {
    case 'Namespace':
      return status.phase === 'Active' ? null : `phase ${status.phase ?? 'unknown'}`;
    case 'Deployment': {
      const want = spec.replicas ?? 1;
      if (!observedOk) return 'rollout not observed yet';
      const upd = status.updatedReplicas ?? 0;
      const avail = status.availableReplicas ?? 0;
      const total = status.replicas ?? 0;
      if (upd < want || avail < want || total > want) return `${avail}/${want} available, ${upd} updated`;
      return null;
    }
    case 'StatefulSet': {
      const want = spec.replicas ?? 1;
      if (!observedOk) return 'rollout not observed yet';
      const ready = status.readyReplicas ?? 0;
      const upd = status.updatedReplicas ?? 0;
      if (ready < want || upd < want) return `${ready}/${want} ready, ${upd} updated`;
      return null;
    }
    case 'DaemonSet': {
      if (!observedOk) return 'rollout not observed yet';
      const want = status.desiredNumberScheduled ?? 0;
      const ready = status.numberReady ?? 0;
      const upd = status.updatedNumberScheduled ?? 0;
      if (want === 0) return 'no node scheduled';
      if (ready < want || upd < want) return `${ready}/${want} ready, ${upd} updated`;
      return null;
    }
    case 'Pod': {
      if (status.phase === 'Succeeded') return null;
      const ready = (status.conditions ?? []).find((c) => c.type === 'Ready');
      if (ready?.status === 'True') return null;
      const waiting = (status.containerStatuses ?? []).map((c) => c.state?.waiting?.reason).find(Boolean);
      return waiting ?? ready?.reason ?? `phase ${status.phase ?? 'Pending'}`;
    }
    case 'Job': {
      if ((status.succeeded ?? 0) > 0) return null;
      const failed = (status.conditions ?? []).find((c) => c.type === 'Failed' && c.status === 'True');
      return failed ? `failed: ${failed.reason ?? ''}` : 'not complete';
    }
    case 'Node': {
      const ready = (status.conditions ?? []).find((c) => c.type === 'Ready');
      return ready?.status === 'True' ? null : `not Ready${ready?.reason ? ` (${ready.reason})` : ''}`;
    }
    case 'CustomResourceDefinition': {
      const est = (status.conditions ?? []).find((c) => c.type === 'Established');
      return est?.status === 'True' ? null : 'not established';
    }
    case 'Service': {
      if (!spec.selector || Object.keys(spec.selector).length === 0 || spec.type === 'ExternalName') return null;
      const ready = (endpointSlices ?? []).some((s) => (s.endpoints ?? []).some((e) => e.conditions?.ready !== false));
      return ready ? null : 'no ready endpoints';
    }
    default:
      return null; // exists
  }
}

export interface WaitOptions {
  /** Overall budget (default 180 s). */
  timeoutMs?: number;
  /** Budget of each API read (default 30 s, never more than what is left of timeoutMs). */
  requestTimeoutMs?: number;
  /** Stops the wait (and the request in flight) at once; the wait then throws WaitTimeoutError naming the reason. */
  signal?: AbortSignal;
}

/**
 * Wait until every ref is ready: Deployments/StatefulSets/DaemonSets rolled out, Pods Ready, Jobs
 * complete, Namespaces Active, CRDs established, Services with a selector have a ready endpoint,
 * anything else exists. Polls every 500 ms up to `timeoutMs` (default 180 s), then throws
 * WaitTimeoutError naming what is not ready and why. Each read is bounded by `requestTimeoutMs`;
 * `signal` stops the wait at once.
 */
export async function waitForReady(kube: KubeHandle, refs: ResourceRef[], opts: WaitOptions = {}): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 180_000;
  const requestTimeoutMs = Math.min(opts.requestTimeoutMs ?? 30_000, timeoutMs);
  const api = boundedObjectApi(kube, { requestTimeoutMs, ...(opts.signal ? { signal: opts.signal } : {}) });
  const stopped = () => {
    const why = opts.signal?.reason;
    return new WaitTimeoutError(`wait for readiness stopped: ${why instanceof Error ? why.message : String(why ?? 'aborted')}`, { cause: why });
  };
  let pending = refs.slice();
  let reasons = new Map<ResourceRef, string>();
  const allReady = async (): Promise<boolean> => {
    const next: ResourceRef[] = [];
    reasons = new Map();
    for (const r of pending) {
      if (opts.signal?.aborted) throw stopped();
      const meta = { name: r.name, ...(r.namespace ? { namespace: r.namespace } : {}) };
      let obj: KubernetesObject;
      try {
        obj = await api.read({ apiVersion: r.apiVersion ?? 'v1', kind: r.kind, metadata: meta });
      } catch (e) {
        if (opts.signal?.aborted) throw stopped();
        if (apiStatus(e) === 404) {
          next.push(r);
          reasons.set(r, 'not found');
          continue;
        }
        throw new KubeApiError(`read ${refString(r)} on ${describeTarget(kube)} failed: ${apiErrorLine(e)}`, apiStatus(e), { cause: e });
      }
      let slices: EndpointSliceView[] | undefined;
      if (r.kind === 'Service') {
        try {
          const list = await api.list('discovery.k8s.io/v1', 'EndpointSlice', r.namespace, undefined, undefined, undefined, undefined, `kubernetes.io/service-name=${r.name}`);
          slices = list.items as EndpointSliceView[];
        } catch (e) {
          if (opts.signal?.aborted) throw stopped();
          throw new KubeApiError(`list EndpointSlices of ${refString(r)} on ${describeTarget(kube)} failed: ${apiErrorLine(e)}`, apiStatus(e), { cause: e });
        }
      }
      const why = notReadyReason(r.kind, obj as ReadinessView, slices);
      if (why) {
        next.push(r);
        reasons.set(r, why);
      }
    }
    pending = next;
    return pending.length === 0;
  };
  const notReady = (): never => {
    const list = pending.slice(0, 6).map((r) => `${refString(r)} (${reasons.get(r)})`).join(', ');
    throw new WaitTimeoutError(`not ready after ${Math.round(timeoutMs / 1000)}s: ${list}${pending.length > 6 ? ` (+${pending.length - 6} more)` : ''}`);
  };
  await pWaitFor(allReady, { interval: 500, timeout: { milliseconds: timeoutMs, fallback: notReady }, ...(opts.signal ? { signal: opts.signal } : {}) }).catch((e: unknown) => {
    throw opts.signal?.aborted && e === opts.signal.reason ? stopped() : e;
  });
}
