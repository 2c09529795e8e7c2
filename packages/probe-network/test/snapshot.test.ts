import { describe, expect, it } from 'vitest';
import type { V1NetworkPolicy, V1Pod, V1Service } from '@kubernetes/client-node';
import type { ManifestObject } from '../src/offline';
import { predictOutcomes, snapshotFromManifests } from '../src/offline';
import { simulateCell } from '../src/simulator';
import { podFromApi, policyChangeTime, policyFromApi, serviceFromApi } from '../src/snapshot';
import { criterion } from './fixtures';

describe('snapshot conversion', () => {
  it('pods: labels, IP, containers and named ports; pods without an IP are skipped', () => {
    const pod = {
      metadata: { name: 'web-1', namespace: 'shop', labels: { app: 'web' } },
      spec: { hostNetwork: false, containers: [{ name: 'a', ports: [{ name: 'http', containerPort: 8080 }] }, { name: 'b', ports: [{ containerPort: 53, protocol: 'UDP' }] }] },
      status: { podIP: '10.244.0.9', phase: 'Running' },
    } as V1Pod;
    expect(podFromApi(pod)).toEqual({
      namespace: 'shop',
      name: 'web-1',
      labels: { app: 'web' },
      ip: '10.244.0.9',
      containers: ['a', 'b'],
      ports: [
        { name: 'http', containerPort: 8080, protocol: 'TCP' },
        { name: undefined, containerPort: 53, protocol: 'UDP' },
      ],
      hostNetwork: false,
    });
    expect(podFromApi({ ...pod, status: { phase: 'Pending' } })).toBeUndefined();
  });

  it('services and policies', () => {
    const svc = { metadata: { name: 'web', namespace: 'shop' }, spec: { clusterIP: '10.96.0.7', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } } as unknown as V1Service;
    expect(serviceFromApi(svc)).toEqual({ namespace: 'shop', name: 'web', clusterIP: '10.96.0.7', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] });
    const np = { metadata: { name: 'p', namespace: 'shop' }, spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 'http', protocol: 'TCP' }] }] } } as V1NetworkPolicy;
    expect(policyFromApi(np)).toEqual({ metadata: { name: 'p', namespace: 'shop' }, spec: np.spec });
  });

  it('policies as client-node deserializes them: ingress peers under _from become from', () => {
    const peer = { podSelector: {} };
    const np = {
      metadata: { name: 'p', namespace: 'shop' },
      spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ _from: [peer], ports: [{ port: 8080, protocol: 'TCP' }] }, { ports: [{ port: 9090 }] }] },
    } as unknown as V1NetworkPolicy;
    const out = policyFromApi(np);
    expect(out.spec.ingress).toEqual([{ from: [peer], ports: [{ port: 8080, protocol: 'TCP' }] }, { ports: [{ port: 9090 }] }]);
    // the simulator then restricts the rule to the policy's namespace instead of opening it to every peer
    const nsMap = new Map([['shop', { name: 'shop', labels: {} }], ['other', { name: 'other', labels: {} }]]);
    const dst = { namespace: 'shop', name: 'd', labels: {}, ip: '10.0.0.2' };
    const src = { namespace: 'other', name: 's', labels: {}, ip: '10.0.0.3' };
    expect(simulateCell([out], nsMap, { id: 'x', source: src, target: { pod: dst }, port: 8080, protocol: 'TCP' }).verdict).toBe('deny');
  });

  it('policy change time: the latest of creationTimestamp and managedFields times', () => {
    const np = {
      metadata: {
        name: 'p',
        namespace: 'shop',
        creationTimestamp: new Date('2026-01-01T00:00:00Z'),
        managedFields: [{ time: new Date('2026-01-01T00:05:00Z') }, { time: new Date('2026-01-01T00:02:00Z') }],
      },
      spec: { podSelector: {} },
    } as unknown as V1NetworkPolicy;
    expect(policyChangeTime(np)).toBe(Date.parse('2026-01-01T00:05:00Z'));
    expect(policyChangeTime({ metadata: { name: 'q' } } as V1NetworkPolicy)).toBeUndefined();
  });

  it('offline snapshot from manifests drives a prediction', () => {
    const objects: ManifestObject[] = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { team: 'x' } } },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'shop' },
        spec: { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }] } } },
      },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'cli', namespace: 'shop', labels: { app: 'cli' } }, spec: { containers: [{ name: 'c' }] } },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'web-from-nobody', namespace: 'shop' },
        spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'] },
      },
    ];
    const snap = snapshotFromManifests(objects);
    expect(snap.pods.map((p) => `${p.namespace}/${p.name}`)).toEqual(['shop/web-0', 'shop/cli', 'kube-system/coredns-0']);
    expect(new Set(snap.pods.map((p) => p.ip)).size).toBe(3);
    const cli = { namespace: 'shop', selector: { app: 'cli' } };
    const web = { namespace: 'shop', selector: { app: 'web' } };
    const out = predictOutcomes(
      [criterion('NET-X-01', [{ from: cli, to: web, port: 'http', expect: 'deny' }]), criterion('NET-X-02', [{ from: cli, to: web, port: 'http', expect: 'allow' }])],
      snap,
    );
    // nothing may reach web: only a loopback inside it, which is never a control -> INCONCLUSIVE
    expect(out.map((o) => `${o.criterion.id}=${o.verdict}`)).toEqual(['NET-X-01=INCONCLUSIVE', 'NET-X-02=FAIL']);
  });
});
