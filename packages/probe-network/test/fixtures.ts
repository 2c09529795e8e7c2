import type { Criterion } from '@isoproof/core';
import type { CellSpec } from '../src/spec';
import type { NetworkPolicy, SimPod, Snapshot } from '../src/types';

export const pod = (namespace: string, name: string, labels: Record<string, string>, ip: string, ports: SimPod['ports'] = []): SimPod => ({
  namespace,
  name,
  labels,
  ip,
  containers: ['main'],
  ports,
});

const serverPorts: SimPod['ports'] = [
  { name: 'http', containerPort: 8080, protocol: 'TCP' },
  { name: 'udp', containerPort: 8081, protocol: 'UDP' },
  { name: 'admin', containerPort: 9090, protocol: 'TCP' },
];

/** The tenant-isolation baseline in miniature. */
export function tenantSnapshot(): Snapshot {
  const policies: NetworkPolicy[] = [];
  for (const t of ['tenant-a', 'tenant-b']) {
    policies.push(
      { metadata: { namespace: t, name: 'default-deny-all' }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } },
      {
        metadata: { namespace: t, name: 'allow-server-ingress' },
        spec: {
          podSelector: { matchLabels: { app: 'server' } },
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 8080 }, { protocol: 'UDP', port: 8081 }] }],
        },
      },
      {
        metadata: { namespace: t, name: 'allow-client-egress' },
        spec: {
          podSelector: { matchLabels: { app: 'client' } },
          policyTypes: ['Egress'],
          egress: [
            { to: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 8080 }, { protocol: 'UDP', port: 8081 }] },
            { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
          ],
        },
      },
    );
  }
  return {
    namespaces: [
      { name: 'tenant-a', labels: { tenant: 'a' } },
      { name: 'tenant-b', labels: { tenant: 'b' } },
      { name: 'kube-system', labels: {} },
    ],
    pods: [
      pod('tenant-a', 'client-1', { app: 'client' }, '10.244.0.11', [{ name: 'http', containerPort: 8080 }]),
      pod('tenant-a', 'server-1', { app: 'server' }, '10.244.0.12', serverPorts),
      pod('tenant-b', 'client-1', { app: 'client' }, '10.244.0.21', [{ name: 'http', containerPort: 8080 }]),
      pod('tenant-b', 'server-1', { app: 'server' }, '10.244.0.22', serverPorts),
      pod('kube-system', 'coredns-1', { 'k8s-app': 'kube-dns' }, '10.244.0.2', [{ name: 'dns', containerPort: 53, protocol: 'UDP' }]),
    ],
    services: [
      { namespace: 'tenant-b', name: 'server', clusterIP: '10.96.0.50', selector: { app: 'server' }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
    ],
    policies,
  };
}

export function criterion(id: string, cells: CellSpec[]): Criterion {
  return { id, title: id, seed: 'test', probe: 'network', vantage: 'test', expectation: 'test', spec: { cells } as unknown as Record<string, unknown> };
}

export const A_CLIENT = { namespace: 'tenant-a', selector: { app: 'client' } };
export const A_SERVER = { namespace: 'tenant-a', selector: { app: 'server' } };
export const B_CLIENT = { namespace: 'tenant-b', selector: { app: 'client' } };
export const B_SERVER = { namespace: 'tenant-b', selector: { app: 'server' } };
