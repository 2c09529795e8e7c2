import type { ResourceRef } from '@isoproof/core';
import { LIST_PATHS } from './api';
import type { ScanUnit } from './checks';
import type { Dismissals } from './dismissals';
import type { FoundSecret, SecretSource } from './findings';
import type { NamespaceCache } from './namespace-cache';
import { scanAnnotations } from './scan-annotations';
import { scanConfigMap } from './scan-configmap';
import { podSpecPath, scanEnvLiterals } from './scan-env';
import { isHelmRelease, scanHelmRelease } from './scan-helm';
import type { ScanOptions } from './sources';
import { refOf } from './sources';

/** Scan units of one source in one namespace. */
export async function scanNamespace(cache: NamespaceCache, ns: string, source: SecretSource, o: { tailLines: number; signal?: AbortSignal; opts?: ScanOptions }): Promise<ScanUnit[]> {
  const base = o.opts ?? {};
  // one scanned object = one unit, with its own tally of dismissed candidates
  const unit = (resource: ResourceRef, sent: string, scan: (opts: ScanOptions) => FoundSecret[]): ScanUnit => {
    const dismissed: Dismissals = {};
    const u: ScanUnit = { source, resource, sent, found: [] };
    try {
      u.found = scan({ ...base, dismissed });
    } catch (e) {
      u.error = e instanceof Error ? e.message : String(e);
    }
    if (Object.keys(dismissed).length) u.dismissed = dismissed;
    return u;
  };
  switch (source) {
    case 'configmap': {
      const cms = (await cache.list(ns, 'configmaps')).filter((c) => !isHelmRelease(c) && c.metadata?.name !== 'kube-root-ca.crt');
      return cms.map((cm) => unit(refOf(cm), `GET ${LIST_PATHS.configmaps!(ns)} (${Object.keys((cm['data'] as object) ?? {}).length} keys)`, (opts) => scanConfigMap(cm, opts)));
    }
    case 'env': {
      const out: ScanUnit[] = [];
      for (const r of ['deployments', 'statefulsets', 'daemonsets', 'jobs', 'cronjobs', 'pods'] as const) {
        for (const obj of await cache.list(ns, r)) {
          if (r === 'pods' && (obj.metadata?.ownerReferences?.length ?? 0) > 0) continue; // its template is scanned
          if (!podSpecPath(obj.kind)) continue;
          out.push(unit(refOf(obj), `GET ${LIST_PATHS[r]!(ns)}`, (opts) => scanEnvLiterals(obj, opts)));
        }
      }
      return out;
    }
    case 'annotation': {
      const out: ScanUnit[] = [];
      for (const r of ['configmaps', 'secrets', 'pods', 'deployments', 'statefulsets', 'daemonsets', 'services', 'serviceaccounts', 'jobs', 'cronjobs'] as const) {
        for (const obj of await cache.list(ns, r)) {
          if (Object.keys(obj.metadata?.annotations ?? {}).length === 0) continue;
          out.push(unit(refOf(obj), `GET ${LIST_PATHS[r]!(ns)} (metadata.annotations)`, (opts) => scanAnnotations(obj, opts)));
        }
      }
      return out;
    }
    case 'log':
      return (await cache.podLogs(ns, o.tailLines, o.signal)).filter((u) => !u.skipped);
    case 'helm': {
      const out: ScanUnit[] = [];
      for (const r of ['secrets', 'configmaps'] as const) {
        for (const obj of (await cache.list(ns, r)).filter(isHelmRelease)) {
          out.push(unit(refOf(obj), `GET ${LIST_PATHS[r]!(ns)}/${obj.metadata?.name ?? ''} (release decoded: base64, gzip, JSON)`, (opts) => scanHelmRelease(obj, opts)));
        }
      }
      return out;
    }
  }
}
