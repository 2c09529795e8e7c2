import type { ResourceRef } from '@isoproof/core';

/**
 * Apply order by kind (lower first); kinds not listed go last, keeping their input order.
 * Deletion uses the reverse.
 */
const RANKS: ReadonlyArray<readonly string[]> = [
  ['Namespace'],
  ['CustomResourceDefinition'],
  ['PriorityClass'],
  ['ResourceQuota', 'LimitRange'],
  ['ServiceAccount'],
  ['ClusterRole'],
  ['ClusterRoleBinding'],
  ['Role'],
  ['RoleBinding'],
  ['ConfigMap'],
  ['Secret'],
  ['Service'],
  ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Pod', 'Job', 'CronJob'],
  ['NetworkPolicy'],
  ['IngressClass'],
  ['Ingress'],
];

const RANK = new Map<string, number>(RANKS.flatMap((kinds, i) => kinds.map((k) => [k, i] as const)));
const OTHERS = RANKS.length;

export function kindRank(kind: string): number {
  return RANK.get(kind) ?? OTHERS;
}

/** Stable sort into apply (dependency) order. */
export function sortForApply<T extends { kind: string }>(objects: readonly T[]): T[] {
  return objects
    .map((o, i) => ({ o, i }))
    .sort((a, b) => kindRank(a.o.kind) - kindRank(b.o.kind) || a.i - b.i)
    .map((x) => x.o);
}

/** Reverse dependency order for deletion (workloads before their Namespace, etc.). */
export function sortForDelete<T extends { kind: string }>(objects: readonly T[]): T[] {
  return sortForApply(objects).reverse();
}

/** Cluster-scoped kinds we know of (others are taken as namespaced when a namespace is given). */
export const CLUSTER_SCOPED = new Set([
  'Namespace',
  'CustomResourceDefinition',
  'PriorityClass',
  'ClusterRole',
  'ClusterRoleBinding',
  'IngressClass',
  'StorageClass',
  'PersistentVolume',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'RuntimeClass',
  'Node',
]);

/** Kinds pruneObjects and sweep look at (labelled objects of other kinds are left alone). */
export const SWEEP_KINDS: ReadonlyArray<{ apiVersion: string; kind: string }> = [
  { apiVersion: 'v1', kind: 'Namespace' },
  { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass' },
  { apiVersion: 'v1', kind: 'ResourceQuota' },
  { apiVersion: 'v1', kind: 'LimitRange' },
  { apiVersion: 'v1', kind: 'ServiceAccount' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'Secret' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'apps/v1', kind: 'StatefulSet' },
  { apiVersion: 'apps/v1', kind: 'DaemonSet' },
  { apiVersion: 'v1', kind: 'Pod' },
  { apiVersion: 'batch/v1', kind: 'Job' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
  { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy' },
  { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding' },
];

export function refKey(r: ResourceRef): string {
  const g = r.apiVersion && r.apiVersion.includes('/') ? r.apiVersion.split('/')[0] : '';
  return `${g}/${r.kind}/${r.namespace ?? ''}/${r.name}`;
}
