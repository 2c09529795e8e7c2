/**
 * The local provider against its real cluster (issue 3 acceptance). Runs when .ci/run (or a developer)
 * brought the cluster up: ISOPROOF_PROVIDER=local and ISOPROOF_KUBECONFIG set.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyObjects,
  checkReachable,
  clientForServiceAccount,
  deleteObjects,
  execInPod,
  loadKube,
  rawRequest,
  waitForReady,
  type KubeHandle,
  type KubeObject,
} from '@isoproof/kube';
import { LOCAL_SCRIPTS_DIR } from '../src/local/index';

const kubeconfig = process.env.ISOPROOF_KUBECONFIG;
const onLocal = Boolean(kubeconfig) && process.env.ISOPROOF_PROVIDER === 'local';
const pinned = /^K8S_VERSION=(.+)$/m.exec(readFileSync(join(LOCAL_SCRIPTS_DIR, 'versions.env'), 'utf8'))![1]!;
const agnhost = /^AGNHOST_TAG=(.+)$/m.exec(readFileSync(join(LOCAL_SCRIPTS_DIR, 'versions.env'), 'utf8'))![1]!;
const runId = `e2elocal${Date.now().toString(36)}`;

const ns = (name: string, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels: { 'isoproof.dev/managed': 'true', ...labels } },
});

const netexec = (port: number) => ({
  name: `http-${port}`,
  image: agnhost,
  imagePullPolicy: 'IfNotPresent',
  args: ['netexec', `--http-port=${port}`, '--udp-port=-1'],
  readinessProbe: { tcpSocket: { port }, periodSeconds: 1 },
});

describe.skipIf(!onLocal)('local provider: a real cluster', () => {
  let kube: KubeHandle;
  const objects: KubeObject[] = [
    ns('isoproof-local-a'),
    ns('isoproof-local-b'),
    ns('isoproof-local-restricted', { 'pod-security.kubernetes.io/enforce': 'restricted' }),
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'reader', namespace: 'isoproof-local-a' } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'configmap-reader', namespace: 'isoproof-local-a' },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'reader-configmaps', namespace: 'isoproof-local-a' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'configmap-reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: 'isoproof-local-a' }],
    },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'client', namespace: 'isoproof-local-a', labels: { app: 'client' } },
      spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'client', image: agnhost, imagePullPolicy: 'IfNotPresent', args: ['pause'] }] },
    },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'server', namespace: 'isoproof-local-b', labels: { app: 'server' } },
      spec: { terminationGracePeriodSeconds: 0, containers: [netexec(8080), netexec(8081)] },
    },
  ];
  const policy: KubeObject = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'default-deny-but-8081', namespace: 'isoproof-local-b' },
    spec: {
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'isoproof-local-a' } } }],
          ports: [{ port: 8081, protocol: 'TCP' }],
        },
      ],
    },
  };
  let serverIp = '';

  const connect = async (port: number) => {
    const r = await execInPod(kube, {
      namespace: 'isoproof-local-a',
      pod: 'client',
      command: ['/agnhost', 'connect', `${serverIp}:${port}`, '--timeout=2s'],
      timeoutMs: 15_000,
    });
    const text = `${r.stdout}${r.stderr}`;
    if (r.exitCode === 0) return 'connected';
    if (/TIMEOUT/.test(text)) return 'timeout';
    if (/REFUSED/.test(text)) return 'refused';
    return `other: ${text.trim()}`;
  };

  beforeAll(async () => {
    kube = loadKube(kubeconfig!);
    const refs = await applyObjects(kube, objects, { runId });
    await waitForReady(kube, refs, { timeoutMs: 120_000 });
    const pod = await rawRequest(kube, { method: 'GET', path: '/api/v1/namespaces/isoproof-local-b/pods/server' });
    serverIp = (pod.body as { status: { podIP: string } }).status.podIP;
  }, 180_000);

  afterAll(async () => {
    if (kube) {
      await deleteObjects(
        kube,
        objects.filter((o) => o.kind === 'Namespace').map((o) => ({ kind: 'Namespace', name: o.metadata.name, apiVersion: 'v1' })),
        { waitMs: 60_000 },
      );
    }
  });

  it('serves the pinned Kubernetes version', async () => {
    const { serverVersion } = await checkReachable(kube);
    expect(serverVersion).toBe(pinned);
  });

  it('answers "can-i" for a ServiceAccount from real RBAC, and the real request agrees', async () => {
    const sa = await clientForServiceAccount(kube, 'isoproof-local-a', 'reader', { expirationSeconds: 600 });
    const canI = async (verb: string, resource: string) => {
      const r = await rawRequest(sa, {
        method: 'POST',
        path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: { resourceAttributes: { namespace: 'isoproof-local-a', verb, resource } },
        },
      });
      expect(r.status).toBe(201);
      return (r.body as { status: { allowed: boolean } }).status.allowed;
    };
    expect(await canI('list', 'configmaps')).toBe(true);
    expect(await canI('list', 'secrets')).toBe(false);
    expect((await rawRequest(sa, { method: 'GET', path: '/api/v1/namespaces/isoproof-local-a/configmaps' })).status).toBe(200);
    const denied = await rawRequest(sa, { method: 'GET', path: '/api/v1/namespaces/isoproof-local-a/secrets' });
    expect(denied.status).toBe(403);
    expect(denied.text).toContain('system:serviceaccount:isoproof-local-a:reader');
  });

  it('rejects a privileged pod in a namespace enforcing the restricted profile (real admission)', async () => {
    const r = await rawRequest(kube, {
      method: 'POST',
      path: '/api/v1/namespaces/isoproof-local-restricted/pods',
      query: { dryRun: 'All' },
      body: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'privileged' },
        spec: { containers: [{ name: 'c', image: agnhost, args: ['pause'], securityContext: { privileged: true } }] },
      },
    });
    expect(r.status).toBe(403);
    expect((r.body as { message: string }).message).toMatch(/violates PodSecurity "restricted:.*privileged/);
  });

  it('enforces NetworkPolicy: the deny times out while its control connects; removing the policy flips it', async () => {
    // Without a policy both ports connect: the probe can succeed.
    expect(await connect(8080)).toBe('connected');
    await applyObjects(kube, [policy], { runId });
    let deny = '';
    for (let i = 0; i < 20 && deny !== 'timeout'; i++) deny = await connect(8080); // bounded poll, ~10 s of policy programming at most
    expect(deny).toBe('timeout');
    expect(await connect(8081)).toBe('connected');
    await deleteObjects(kube, [{ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', name: policy.metadata.name, namespace: 'isoproof-local-b' }]);
    let after = '';
    for (let i = 0; i < 20 && after !== 'connected'; i++) after = await connect(8080);
    expect(after).toBe('connected');
  });
});
