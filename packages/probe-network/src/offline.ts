import type { Criterion, Outcome } from '@isoproof/core';
import { evaluate } from '@isoproof/core';
import type { CellResult } from './classify';
import { assessEnforcement, buildChecks } from './classify';
import type { CompileOptions, ProbePlan } from './plan';
import { compilePlan } from './compile';
import type { NetworkPolicy, Protocol, SimNamespace, SimPod, SimService, Snapshot } from './types';

/** The subset of a Kubernetes object the offline snapshot reads. */
export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [k: string]: unknown;
}

interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec?: {
    hostNetwork?: boolean;
    containers?: Array<{ name: string; ports?: Array<{ name?: string; containerPort: number; protocol?: Protocol }> }>;
  };
}

export interface OfflineSnapshotOptions {
  /** Extra namespaces that exist in the cluster (kube-system is always there). */
  namespaces?: SimNamespace[];
  /** Add a cluster DNS pod (kube-system, k8s-app=kube-dns, 53/UDP+TCP). Default true. */
  dnsPod?: boolean;
}

/**
 * A snapshot built from manifests instead of a cluster: one pod per workload (Deployment,
 * StatefulSet, DaemonSet, ReplicaSet, Job template or bare Pod) with a synthetic IP. Lets the
 * simulator predict a scenario's verdicts, baseline and overlays, with no cluster.
 */
export function snapshotFromManifests(objects: ManifestObject[], opts: OfflineSnapshotOptions = {}): Snapshot {
  const namespaces = new Map<string, SimNamespace>([['kube-system', { name: 'kube-system', labels: {} }]]);
  for (const n of opts.namespaces ?? []) namespaces.set(n.name, n);
  const pods: SimPod[] = [];
  const services: SimService[] = [];
  const policies: NetworkPolicy[] = [];
  let ip = 10;
  const nextIp = () => {
    ip++;
    return `10.244.${Math.floor(ip / 250)}.${ip % 250}`;
  };
  const addPod = (namespace: string, name: string, t: PodTemplate) => {
    const containers = t.spec?.containers ?? [];
    pods.push({
      namespace,
      name,
      labels: t.metadata?.labels ?? {},
      ip: nextIp(),
      containers: containers.map((c) => c.name),
      ports: containers.flatMap((c) => (c.ports ?? []).map((p) => ({ name: p.name, containerPort: p.containerPort, protocol: p.protocol ?? 'TCP' }))),
      hostNetwork: t.spec?.hostNetwork === true,
    });
  };
  for (const o of objects) {
    const ns = o.metadata.namespace ?? 'default';
    const spec = o.spec as Record<string, unknown> | undefined;
    switch (o.kind) {
      case 'Namespace':
        namespaces.set(o.metadata.name, { name: o.metadata.name, labels: o.metadata.labels ?? {} });
        break;
      case 'Pod':
        addPod(ns, o.metadata.name, { metadata: o.metadata, spec: spec as PodTemplate['spec'] });
        break;
      case 'Deployment':
      case 'StatefulSet':
      case 'DaemonSet':
      case 'ReplicaSet':
        addPod(ns, `${o.metadata.name}-0`, (spec?.template ?? {}) as PodTemplate);
        break;
      case 'Service': {
        const s = (spec ?? {}) as { selector?: Record<string, string>; ports?: SimService['ports'] };
        services.push({ namespace: ns, name: o.metadata.name, clusterIP: `10.96.0.${services.length + 20}`, selector: s.selector, ports: s.ports ?? [] });
        break;
      }
      case 'NetworkPolicy':
        policies.push({ metadata: { name: o.metadata.name, namespace: ns }, spec: spec as NetworkPolicy['spec'] });
        break;
      default:
        break;
    }
  }
  if (opts.dnsPod !== false) {
    pods.push({
      namespace: 'kube-system',
      name: 'coredns-0',
      labels: { 'k8s-app': 'kube-dns' },
      ip: nextIp(),
      containers: ['coredns'],
      ports: [
        { name: 'dns', containerPort: 53, protocol: 'UDP' },
        { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
      ],
    });
  }
  return { namespaces: [...namespaces.values()], pods, services, policies };
}

/** Results a cluster that enforces exactly the simulation would give (host cells connect). */
export function simulatedResults(plan: ProbePlan): Map<string, CellResult> {
  const out = new Map<string, CellResult>();
  for (const c of plan.cells.values()) {
    const result = c.sim?.verdict === 'deny' ? 'timeout' : 'connected';
    out.set(c.key, { key: c.key, result, latencyMs: 0, detail: 'simulated' });
  }
  return out;
}

/** Predicts each criterion's Outcome by running the whole pipeline with the simulator as the cluster. */
export function predictOutcomes(criteria: Criterion[], snapshot: Snapshot, opts: CompileOptions = {}): Outcome[] {
  const plan = compilePlan(criteria, snapshot, opts);
  const results = simulatedResults(plan);
  const enforcement = assessEnforcement(plan, results);
  const checks = buildChecks(plan, { timeoutMs: 0, results, readiness: plan.readiness, enforcement }, criteria.map((c) => c.id));
  return criteria.map((c) => evaluate(c, checks.get(c.id) ?? []));
}
