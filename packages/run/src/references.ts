import type { Criterion } from '@isoproof/core';
import type { KubeObject } from '@isoproof/kube';

/** Namespaces every cluster has: criteria may name them without a manifest creating them. */
export const CLUSTER_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

export interface Reference {
  kind: 'Namespace' | 'ServiceAccount';
  namespace: string;
  name: string;
  /** Criterion id and field, for the message. */
  where: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/**
 * The namespaces and ServiceAccounts the criteria of the rbac, audit, admission, workload, secrets and
 * tls families name (network cells are checked by the simulation). Pure.
 */
export function criteriaReferences(criteria: Criterion[]): Reference[] {
  const out: Reference[] = [];
  const ns = (v: unknown, where: string) => {
    if (str(v)) out.push({ kind: 'Namespace', namespace: v, name: v, where });
  };
  const identity = (v: unknown, where: string) => {
    if (!isObj(v) || v.kind !== 'ServiceAccount' || !str(v.namespace) || !str(v.name)) return;
    out.push({ kind: 'ServiceAccount', namespace: v.namespace, name: v.name, where });
  };
  for (const c of criteria) {
    const s = c.spec;
    const at = (f: string) => `${c.id}.spec.${f}`;
    switch (c.probe) {
      case 'rbac': {
        identity(s.identity, at('identity'));
        const attempts = Array.isArray(s.attempts) ? s.attempts : [];
        attempts.forEach((a, i) => isObj(a) && ns(a.namespace, at(`attempts[${i}].namespace`)));
        if (isObj(s.control)) ns(s.control.namespace, at('control.namespace'));
        break;
      }
      case 'audit':
      case 'admission':
        identity(s.identity, at('identity'));
        ns(s.namespace, at('namespace'));
        if (Array.isArray(s.namespaces)) s.namespaces.forEach((n, i) => ns(n, at(`namespaces[${i}]`)));
        break;
      case 'workload':
        ns(s.namespace, at('namespace'));
        break;
      case 'secrets': {
        ns(s.namespace, at('namespace'));
        if (Array.isArray(s.namespaces)) s.namespaces.forEach((n, i) => ns(n, at(`namespaces[${i}]`)));
        if (s.check === 'secret-readers' && str(s.namespace)) {
          const sas = new Set<string>();
          if (isObj(s.readers)) for (const list of Object.values(s.readers)) if (Array.isArray(list)) for (const x of list) if (str(x)) sas.add(x);
          if (Array.isArray(s.listers)) for (const x of s.listers) if (str(x)) sas.add(x);
          for (const sa of sas) out.push({ kind: 'ServiceAccount', namespace: s.namespace, name: sa, where: at('readers') });
        }
        break;
      }
      case 'tls':
        if (Array.isArray(s.namespaces)) s.namespaces.forEach((n, i) => ns(n, at(`namespaces[${i}]`)));
        break;
      default:
        break;
    }
  }
  return out;
}

/**
 * The references no manifest satisfies: a namespace neither created by the objects nor one every
 * cluster has; a ServiceAccount neither in the objects nor the `default` one of a namespace. Pure.
 */
export function danglingReferences(refs: Reference[], objects: KubeObject[]): Reference[] {
  const namespaces = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
  const sas = new Set(objects.filter((o) => o.kind === 'ServiceAccount').map((o) => `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`));
  const nsOk = (n: string) => namespaces.has(n) || CLUSTER_NAMESPACES.has(n);
  return refs.filter((r) => (r.kind === 'Namespace' ? !nsOk(r.namespace) : !(nsOk(r.namespace) && (r.name === 'default' || sas.has(`${r.namespace}/${r.name}`)))));
}
