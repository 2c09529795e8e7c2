import type { ResourceRef } from '@isoproof/core';
import type { KubeHandle } from '@isoproof/kube';
import { rawRequest, SCENARIO_LABEL } from '@isoproof/kube';
import type { Address } from './address';

/** Marks a LoadBalancer/NodePort Service as a public endpoint that must speak TLS. */
export const PUBLIC_ANNOTATION = 'isoproof.dev/public';
/** Optional on such a Service: the server name to present in SNI (default <name>.<namespace>.svc). */
export const TLS_HOST_ANNOTATION = 'isoproof.dev/tls-host';
/** Optional on such a Service: which service port speaks TLS (name or number; default every port). */
export const TLS_PORT_ANNOTATION = 'isoproof.dev/tls-port';

/** One public endpoint to verify. */
export interface TlsTarget {
  /** endpoint: named in the config file (tls.endpoints), not discovered from the cluster. */
  kind: 'ingress' | 'service' | 'endpoint';
  /** Name presented in SNI and Host. */
  host: string;
  /** Public port: 443 for an Ingress host, the node port for a Service. */
  port: number;
  namespace: string;
  source: ResourceRef;
  /** Every object publishing this host:port (an HTTP-only companion Ingress, ...). */
  sources?: ResourceRef[];
  /** Ingress: the host is listed in spec.tls (Services marked public always must speak TLS). */
  tlsDeclared: boolean;
  secretName?: string;
  annotations: Record<string, string>;
  /** endpoint: where to connect for TLS (and for the plain-HTTP redirect check). */
  address?: Address;
  httpAddress?: Address;
  /** endpoint: what its chain must lead to: a CA file, or the system trust store. */
  trust?: 'system' | { caFile: string };
}

interface Meta {
  name?: string;
  namespace?: string;
  annotations?: Record<string, string>;
}

interface IngressLike {
  metadata?: Meta;
  spec?: {
    tls?: { hosts?: string[]; secretName?: string }[];
    rules?: { host?: string }[];
  };
}

interface ServiceLike {
  metadata?: Meta;
  spec?: {
    type?: string;
    ports?: { name?: string; port?: number; nodePort?: number }[];
  };
}

export interface EnumerationNote {
  source: ResourceRef;
  note: string;
}

/** Targets of Ingress objects: every distinct rule/tls host. Pure. */
export function ingressTargets(ingresses: IngressLike[], notes: EnumerationNote[] = []): TlsTarget[] {
  const out: TlsTarget[] = [];
  for (const ing of ingresses) {
    const name = ing.metadata?.name ?? '';
    const namespace = ing.metadata?.namespace ?? 'default';
    const source: ResourceRef = { kind: 'Ingress', name, namespace, apiVersion: 'networking.k8s.io/v1' };
    const tls = ing.spec?.tls ?? [];
    const hosts = new Set<string>();
    for (const r of ing.spec?.rules ?? []) {
      if (r.host) hosts.add(r.host);
      else notes.push({ source, note: 'a rule without host (catch-all) cannot be probed by name' });
    }
    for (const t of tls) for (const h of t.hosts ?? []) hosts.add(h);
    for (const host of [...hosts].sort()) {
      // a tls entry without hosts covers every host of the Ingress
      const entry = tls.find((t) => (t.hosts ?? []).includes(host)) ?? tls.find((t) => !t.hosts || t.hosts.length === 0);
      const target: TlsTarget = {
        kind: 'ingress',
        host,
        port: 443,
        namespace,
        source,
        tlsDeclared: entry !== undefined,
        annotations: { ...(ing.metadata?.annotations ?? {}) },
      };
      if (entry?.secretName) target.secretName = entry.secretName;
      out.push(target);
    }
  }
  return out;
}

/** Targets of Services of type LoadBalancer/NodePort annotated isoproof.dev/public: "true". Pure. */
export function serviceTargets(services: ServiceLike[], notes: EnumerationNote[] = []): TlsTarget[] {
  const out: TlsTarget[] = [];
  for (const svc of services) {
    const ann = svc.metadata?.annotations ?? {};
    if (ann[PUBLIC_ANNOTATION] !== 'true') continue;
    const name = svc.metadata?.name ?? '';
    const namespace = svc.metadata?.namespace ?? 'default';
    const source: ResourceRef = { kind: 'Service', name, namespace, apiVersion: 'v1' };
    const type = svc.spec?.type ?? 'ClusterIP';
    if (type !== 'LoadBalancer' && type !== 'NodePort') {
      notes.push({ source, note: `marked public but of type ${type}: not exposed outside the cluster` });
      continue;
    }
    const only = ann[TLS_PORT_ANNOTATION];
    for (const p of svc.spec?.ports ?? []) {
      if (only && only !== p.name && only !== String(p.port)) continue;
      if (!p.nodePort) {
        notes.push({ source, note: `port ${p.name ?? p.port} has no nodePort` });
        continue;
      }
      out.push({
        kind: 'service',
        host: ann[TLS_HOST_ANNOTATION] ?? `${name}.${namespace}.svc`,
        port: p.nodePort,
        namespace,
        source,
        tlsDeclared: true,
        annotations: { ...ann },
      });
    }
  }
  return out;
}

/**
 * One target per host:port. A host is TLS-declared when any Ingress lists it in spec.tls: controllers
 * merge the Ingresses of one host into one server (e.g. an HTTP-only companion Ingress carrying a
 * redirect). The declaring object is the target's source; all of them are in `sources`.
 */
export function mergeTargets(targets: TlsTarget[]): TlsTarget[] {
  const byKey = new Map<string, TlsTarget>();
  for (const t of targets) {
    const key = targetKey(t);
    const prev = byKey.get(key);
    if (!prev) {
      byKey.set(key, { ...t, sources: [t.source] });
      continue;
    }
    const sources = [...(prev.sources ?? [prev.source]), t.source];
    const winner = !prev.tlsDeclared && t.tlsDeclared ? { ...t } : prev;
    winner.sources = sources;
    byKey.set(key, winner);
  }
  return [...byKey.values()].sort((a, b) => a.host.localeCompare(b.host) || a.port - b.port);
}

/** Stable key of a target: "host:port". */
export function targetKey(t: Pick<TlsTarget, 'host' | 'port'>): string {
  return `${t.host}:${t.port}`;
}

async function listItems<T>(kube: KubeHandle, path: string, query?: Record<string, string>): Promise<T[]> {
  const req: Parameters<typeof rawRequest>[1] = { method: 'GET', path, timeoutMs: 10_000 };
  if (query) req.query = query;
  const res = await rawRequest(kube, req);
  if (res.status !== 200) throw new Error(`GET ${path}: HTTP ${res.status} ${res.text.slice(0, 200)}`);
  return ((res.body as { items?: T[] }).items ?? []) as T[];
}

/**
 * The scenario's namespaces: those labelled isoproof.dev/scenario=<scenario>, plus `extra`.
 */
export async function scenarioNamespaces(kube: KubeHandle, scenario: string, extra: string[] = []): Promise<string[]> {
  const items = await listItems<{ metadata?: Meta }>(kube, '/api/v1/namespaces', { labelSelector: `${SCENARIO_LABEL}=${scenario}` });
  const names = new Set<string>(extra);
  for (const n of items) if (n.metadata?.name) names.add(n.metadata.name);
  return [...names].sort();
}

/** Every Ingress host and public Service port in the namespaces. */
export async function discoverTargets(
  kube: KubeHandle,
  namespaces: string[],
): Promise<{ targets: TlsTarget[]; notes: EnumerationNote[] }> {
  const notes: EnumerationNote[] = [];
  const perNs = await Promise.all(
    namespaces.map(async (ns) => {
      const [ings, svcs] = await Promise.all([
        listItems<IngressLike>(kube, `/apis/networking.k8s.io/v1/namespaces/${encodeURIComponent(ns)}/ingresses`),
        listItems<ServiceLike>(kube, `/api/v1/namespaces/${encodeURIComponent(ns)}/services`),
      ]);
      return [...ingressTargets(ings, notes), ...serviceTargets(svcs, notes)];
    }),
  );
  return { targets: mergeTargets(perNs.flat()), notes };
}
