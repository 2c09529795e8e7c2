/**
 * Against a real cluster: ISOPROOF_KUBECONFIG=<file> npm run e2e -w @isoproof/kube
 * Skipped when ISOPROOF_KUBECONFIG is unset.
 */
import { describe, expect, it } from 'vitest';
import { images, newRun } from '@isoproof/core';
import {
  applyObjects,
  checkReachable,
  clientForServiceAccount,
  clientImpersonating,
  deleteObjects,
  execInPod,
  findPods,
  loadKube,
  rawRequest,
  sweep,
  waitForReady,
} from '../src/index';
import type { KubeObject } from '../src/index';

const kubeconfig = process.env.ISOPROOF_KUBECONFIG;
const suite = kubeconfig ? describe : describe.skip;
if (!kubeconfig) console.warn('kube e2e skipped: set ISOPROOF_KUBECONFIG to a cluster kubeconfig');

suite('@isoproof/kube on a real cluster', () => {
  it('applies, waits, execs, acts as a ServiceAccount and by impersonation, sweeps', async () => {
    const kube = loadKube(kubeconfig!, process.env.ISOPROOF_CONTEXT);
    const { serverVersion } = await checkReachable(kube);
    expect(serverVersion).toMatch(/^v1\./);
    const run = newRun();
    const ns = `isoproof-kube-e2e-${run.id}`;
    const objects: KubeObject[] = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'isoproof.dev/managed': 'true' } } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'probe', namespace: ns } },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'agn', namespace: ns, labels: { app: 'agn' } },
        spec: {
          serviceAccountName: 'probe',
          containers: [{ name: 'agn', image: images.probe, imagePullPolicy: 'IfNotPresent', args: ['pause'] }],
        },
      },
    ];
    const refs = await applyObjects(kube, objects, { runId: run.id, scenario: 'kube-e2e' });
    try {
      await waitForReady(kube, refs, { timeoutMs: 120_000 });
      const pods = await findPods(kube, ns, { app: 'agn' });
      expect(pods).toHaveLength(1);
      const ok = await execInPod(kube, { namespace: ns, pod: 'agn', command: ['/agnhost', 'dns-suffix'], timeoutMs: 20_000 });
      expect(ok.exitCode).toBe(0);
      const sa = await clientForServiceAccount(kube, ns, 'probe');
      const denied = await rawRequest(sa, { method: 'GET', path: `/api/v1/namespaces/${ns}/secrets` });
      expect(denied.status).toBe(403);
      const as = clientImpersonating(kube, { user: 'nobody@example.test', groups: ['system:authenticated'] });
      const denied2 = await rawRequest(as, { method: 'GET', path: `/api/v1/namespaces/${ns}/secrets` });
      expect(denied2.status).toBe(403);
    } finally {
      expect(await sweep(kube, run.id)).toBeGreaterThan(0);
      await deleteObjects(kube, refs, { waitMs: 120_000 });
    }
  });
});

suite('@isoproof/kube apply keeps the manifest as written', () => {
  it('a NetworkPolicy rule keeps its `from` peers (no model serializer in the way)', async () => {
    const kube = loadKube(kubeconfig!, process.env.ISOPROOF_CONTEXT);
    const run = newRun();
    const ns = `isoproof-kube-np-${run.id}`;
    const peers = [{ namespaceSelector: { matchLabels: { team: 'a' } }, podSelector: { matchLabels: { app: 'client' } } }];
    try {
      await applyObjects(
        kube,
        [
          { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'isoproof.dev/managed': 'true' } } },
          {
            apiVersion: 'networking.k8s.io/v1',
            kind: 'NetworkPolicy',
            metadata: { name: 'only-from-a', namespace: ns },
            spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: peers, ports: [{ port: 8080, protocol: 'TCP' }] }] },
          },
        ],
        { runId: run.id },
      );
      const got = await rawRequest(kube, { method: 'GET', path: `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies/only-from-a` });
      expect(got.status).toBe(200);
      expect((got.body as { spec: { ingress: Array<{ from?: unknown }> } }).spec.ingress[0]?.from).toEqual(peers);
    } finally {
      await deleteObjects(kube, [{ apiVersion: 'v1', kind: 'Namespace', name: ns }], { waitMs: 60_000 });
    }
  });
});
