import { RUN_LABEL } from '@isoproof/core';
import type { ActorIdentity } from '@isoproof/kube';
import { restrictedContainer } from '@isoproof/kube';
import type { ResourceInfo } from './resources';
import { apiVersionOf } from './resources';

/** Name of the objects probes create in dry-run (never persisted). */
export function probeName(runId: string, suffix = 'probe'): string {
  return `isoproof-${suffix}-${runId}`.toLowerCase().slice(0, 63);
}

function meta(name: string, runId: string, namespace?: string): Record<string, unknown> {
  const m: Record<string, unknown> = { name, labels: { [RUN_LABEL]: runId } };
  if (namespace) m.namespace = namespace;
  return m;
}

export function restrictedPodSpec(): Record<string, unknown> {
  return {
    securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 3000, seccompProfile: { type: 'RuntimeDefault' } },
    automountServiceAccountToken: false,
    containers: [restrictedContainer()],
  };
}

export function subjectOf(id: ActorIdentity): Record<string, string> {
  switch (id.kind) {
    case 'ServiceAccount':
      return { kind: 'ServiceAccount', name: id.name, namespace: id.namespace };
    case 'User':
      return { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: id.name };
    case 'Group':
      return { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: id.name };
    case 'Anonymous':
      return { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'system:anonymous' };
  }
}

/** A minimal valid object of `info`'s kind, for dry-run create/update. */
export function probeBody(info: ResourceInfo, name: string, runId: string, namespace?: string): Record<string, unknown> {
  const base = { apiVersion: apiVersionOf(info), kind: info.kind, metadata: meta(name, runId, info.namespaced ? namespace : undefined) };
  switch (info.resource) {
    case 'configmaps':
      return { ...base, data: { probe: 'isoproof' } };
    case 'secrets':
      return { ...base, type: 'Opaque', data: {} };
    case 'services':
      return { ...base, spec: { selector: { [RUN_LABEL]: runId }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] } };
    case 'pods':
      return { ...base, spec: restrictedPodSpec() };
    case 'deployments':
    case 'statefulsets':
    case 'daemonsets': {
      const labels = { [RUN_LABEL]: runId };
      const spec: Record<string, unknown> = {
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: restrictedPodSpec() },
      };
      if (info.resource !== 'daemonsets') spec.replicas = 0;
      if (info.resource === 'statefulsets') spec.serviceName = name;
      return { ...base, spec };
    }
    case 'jobs':
      return { ...base, spec: { template: { spec: { ...restrictedPodSpec(), restartPolicy: 'Never' } } } };
    case 'networkpolicies':
      return { ...base, spec: { podSelector: { matchLabels: { [RUN_LABEL]: runId } }, policyTypes: ['Ingress'] } };
    case 'roles':
    case 'clusterroles':
      return { ...base, rules: [] };
    case 'rolebindings':
    case 'clusterrolebindings':
      // Binds the empty ClusterRole-less "view"? No: a Role of ours that does not exist grants nothing.
      return {
        ...base,
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: info.resource === 'rolebindings' ? 'Role' : 'ClusterRole', name },
        subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'isoproof:nobody' }],
      };
    case 'persistentvolumeclaims':
      return { ...base, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } } } };
    case 'ingresses':
      return { ...base, spec: { rules: [{ host: 'probe.isoproof.local' }] } };
    case 'events':
      return { ...base, involvedObject: { kind: 'Namespace', name: namespace ?? 'default' }, reason: 'IsoproofProbe', message: 'probe' };
    default:
      return base;
  }
}
