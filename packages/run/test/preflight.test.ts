import { afterAll, describe, expect, it } from 'vitest';
import type { Criterion } from '@isoproof/core';
import { loadKube } from '@isoproof/kube';
import { assertRights, missingRightsError, requiredRights, resourceForKind, rightLabel } from '../src/preflight';
import type { Right } from '../src/preflight';
import { startFakeAuthz } from '../src/testing/fake-authz';
import type { FakeAuthzServer } from '../src/testing/fake-authz';

const crit = (id: string, probe: Criterion['probe'], spec: Record<string, unknown> = {}): Criterion => ({
  id,
  title: id,
  seed: '001',
  probe,
  vantage: 'v',
  expectation: 'e',
  spec,
});

describe('resourceForKind', () => {
  it.each([
    ['Namespace', 'namespaces'],
    ['Deployment', 'deployments'],
    ['NetworkPolicy', 'networkpolicies'],
    ['Ingress', 'ingresses'],
    ['IngressClass', 'ingressclasses'],
    ['Endpoints', 'endpoints'],
    ['ConfigMap', 'configmaps'],
    ['ValidatingAdmissionPolicy', 'validatingadmissionpolicies'],
    ['ClusterRoleBinding', 'clusterrolebindings'],
    ['Gateway', 'gateways'],
  ])('%s -> %s', (kind, resource) => {
    expect(resourceForKind(kind)).toBe(resource);
  });
});

describe('requiredRights (pure)', () => {
  const objects = [
    { apiVersion: 'v1', kind: 'Namespace' },
    { apiVersion: 'apps/v1', kind: 'Deployment' },
    { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' },
    { apiVersion: 'apps/v1', kind: 'Deployment' },
  ];

  it('namespaces first, then every applied kind with the apply/prune/read verbs, deduplicated', () => {
    const labels = requiredRights({ objects, criteria: [crit('T-01', 'tls')] }).map(rightLabel);
    expect(labels).toEqual([
      'create namespaces',
      'delete namespaces',
      'create deployments.apps',
      'create networkpolicies.networking.k8s.io',
      'patch namespaces',
      'patch deployments.apps',
      'patch networkpolicies.networking.k8s.io',
      'get namespaces',
      'get deployments.apps',
      'get networkpolicies.networking.k8s.io',
      'list namespaces',
      'list deployments.apps',
      'list networkpolicies.networking.k8s.io',
      'delete deployments.apps',
      'delete networkpolicies.networking.k8s.io',
    ]);
  });

  it.each([
    ['a ServiceAccount identity', [crit('R-01', 'rbac', { identity: { kind: 'ServiceAccount', namespace: 'a', name: 'b' } })], ['create serviceaccounts/token'], ['impersonate users', 'impersonate groups']],
    ['secrets probes', [crit('S-01', 'secrets')], ['create serviceaccounts/token'], ['impersonate users']],
    ['a user without groups', [crit('R-02', 'rbac', { identity: { kind: 'User', name: 'alice' } })], ['impersonate users'], ['impersonate groups', 'create serviceaccounts/token']],
    ['a user with groups', [crit('R-03', 'rbac', { identity: { kind: 'User', name: 'alice', groups: ['devs'] } })], ['impersonate users', 'impersonate groups'], []],
    ['a group', [crit('R-04', 'rbac', { identity: { kind: 'Group', name: 'devs' } })], ['impersonate users', 'impersonate groups'], []],
    ['anonymous', [crit('R-05', 'rbac', { identity: { kind: 'Anonymous' } })], ['impersonate users', 'impersonate groups'], []],
    ['network probes (exec into pods)', [crit('N-01', 'network')], ['create pods/exec'], ['impersonate users']],
    ['workload probes', [crit('W-01', 'workload')], ['create pods/exec'], []],
    ['tls probes only', [crit('T-01', 'tls')], [], ['create pods/exec', 'create serviceaccounts/token', 'impersonate users']],
  ] as Array<[string, Criterion[], string[], string[]]>)('%s', (_what, criteria, needed, notNeeded) => {
    const labels = requiredRights({ objects, criteria }).map(rightLabel);
    for (const l of needed) expect(labels).toContain(l);
    for (const l of notNeeded) expect(labels).not.toContain(l);
  });
});

describe('missingRightsError (pure)', () => {
  const r = (verb: string, resource: string, group = '', subresource?: string): Right => ({ verb, resource, group, ...(subresource ? { subresource } : {}) });

  it('is undefined when nothing is missing', () => {
    expect(missingRightsError('x', [])).toBeUndefined();
  });
  it('names the first missing rights in one line, with how many more', () => {
    const err = missingRightsError('x', [r('create', 'namespaces'), r('patch', 'deployments', 'apps'), r('create', 'serviceaccounts', '', 'token'), r('impersonate', 'users'), r('delete', 'roles', 'rbac.authorization.k8s.io')]);
    expect(err).toMatchObject({ code: 'ISOPROOF_MISSING_RIGHTS' });
    expect(err?.message).toBe(
      `the kubeconfig's user "x" cannot create namespaces, patch deployments.apps, create serviceaccounts/token (and 2 more); use a cluster-admin kubeconfig or grant them`,
    );
    expect(err?.missing).toHaveLength(5);
  });
  it('one missing right, no count', () => {
    expect(missingRightsError('x', [r('create', 'namespaces')])?.message).toBe(
      `the kubeconfig's user "x" cannot create namespaces; use a cluster-admin kubeconfig or grant them`,
    );
  });
});

describe('assertRights against a stand-in API server (SelfSubjectAccessReviews)', () => {
  let api: FakeAuthzServer | undefined;
  afterAll(async () => api?.close());

  it('passes when every right is granted, throws one ISOPROOF_MISSING_RIGHTS naming the user otherwise', async () => {
    api = await startFakeAuthz('dev-x', ['create namespaces', 'impersonate groups']);
    const kube = loadKube(api.kubeconfigPath);
    const rights = requiredRights({
      objects: [{ apiVersion: 'v1', kind: 'Namespace' }, { apiVersion: 'apps/v1', kind: 'Deployment' }],
      criteria: [crit('R-01', 'rbac', { identity: { kind: 'User', name: 'alice', groups: ['devs'] } })],
    });
    const err = await assertRights(kube, rights).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ISOPROOF_MISSING_RIGHTS' });
    expect((err as Error).message).toBe(
      `the kubeconfig's user "dev-x" cannot create namespaces, impersonate groups; use a cluster-admin kubeconfig or grant them`,
    );
    expect([...api.reviews].sort()).toEqual(rights.map(rightLabel).sort());

    await expect(assertRights(kube, rights.filter((x) => x.resource === 'deployments'))).resolves.toBeUndefined();
  });
});
