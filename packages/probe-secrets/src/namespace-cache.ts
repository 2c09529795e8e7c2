import type { KubeHandle } from '@isoproof/kube';
import { rawRequest } from '@isoproof/kube';
import { KIND_OF, LIST_PATHS, statusReason } from './api';
import type { ScanUnit } from './checks';
import { SecretsProbeError } from './errors';
import { readPodLogs } from './pod-logs';
import { registerSecretValues } from './register-secret-values';
import type { K8sObject } from './sources';

/** Objects of one namespace, read once per run with the admin handle. */
export class NamespaceCache {
  private readonly lists = new Map<string, Promise<K8sObject[]>>();
  private readonly logs = new Map<string, Promise<ScanUnit[]>>();
  constructor(private readonly admin: KubeHandle) {}

  list(ns: string, resource: keyof typeof LIST_PATHS): Promise<K8sObject[]> {
    const key = `${ns}/${resource}`;
    let p = this.lists.get(key);
    if (!p) {
      p = this.fetchList(ns, resource);
      this.lists.set(key, p);
    }
    return p;
  }

  private async fetchList(ns: string, resource: keyof typeof LIST_PATHS): Promise<K8sObject[]> {
    const path = LIST_PATHS[resource]!(ns);
    const res = await rawRequest(this.admin, { method: 'GET', path, timeoutMs: 30_000 });
    if (res.status !== 200) throw new SecretsProbeError(`GET ${path} answered HTTP ${res.status} ${statusReason(res.body) ?? ''} — check the admin kubeconfig and that namespace ${ns} exists`);
    if (resource === 'secrets') registerSecretValues(res.body);
    // Terminating objects (an old pod of a previous rollout) are not part of the state under test.
    const items = ((res.body as { items?: K8sObject[] }).items ?? []).filter((it) => !(it.metadata as { deletionTimestamp?: string } | undefined)?.deletionTimestamp).slice(0, 5_000);
    for (const it of items) {
      it.kind ??= KIND_OF[resource];
      it.metadata ??= {};
      it.metadata.namespace ??= ns;
    }
    return items;
  }

  /** Bounded tail of every container log (init containers included) of every pod of `ns`. */
  podLogs(ns: string, tailLines: number, signal?: AbortSignal): Promise<ScanUnit[]> {
    const key = `${ns}/${tailLines}`;
    let p = this.logs.get(key);
    if (!p) {
      p = this.list(ns, 'pods').then((pods) => readPodLogs(this.admin, ns, pods, tailLines, signal));
      this.logs.set(key, p);
    }
    return p;
  }
}
