import { describe, expect, it } from 'vitest';
import { describeRefs, violationRefs } from '../src/cleanup';

const obj = (kind: string, name: string, namespace?: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: kind.startsWith('Cluster') || kind === 'Role' || kind === 'RoleBinding' ? 'rbac.authorization.k8s.io/v1' : kind === 'NetworkPolicy' ? 'networking.k8s.io/v1' : 'v1',
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
  ...extra,
});

describe('violationRefs: what an overlay adds to its baseline', () => {
  const base = [
    obj('Namespace', 'tenant-a'),
    obj('Namespace', 'tenant-b'),
    obj('NetworkPolicy', 'default-deny-all', 'tenant-a'),
    obj('NetworkPolicy', 'default-deny-all', 'tenant-b'),
    obj('Role', 'reader', 'tenant-a', { rules: [{ verbs: ['get'] }] }),
  ];
  it('an added cluster-scoped binding', () => {
    const crb = obj('ClusterRoleBinding', 'isoproof-rbac-tenant-a-edit');
    expect(violationRefs(base, [...base, crb])).toEqual({
      objects: [{ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name: 'isoproof-rbac-tenant-a-edit' }],
      namespaces: [],
    });
  });
  it('a changed role', () => {
    const wider = obj('Role', 'reader', 'tenant-a', { rules: [{ verbs: ['*'] }] });
    const composed = base.map((o) => (o.kind === 'Role' ? wider : o));
    expect(violationRefs(base, composed).objects).toEqual([{ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', name: 'reader', namespace: 'tenant-a' }]);
  });
  it('a removed policy: its namespace goes first', () => {
    const composed = base.filter((o) => !(o.kind === 'NetworkPolicy' && o.metadata.namespace === 'tenant-b'));
    expect(violationRefs(base, composed)).toEqual({ objects: [], namespaces: ['tenant-b'] });
  });
  it('the baseline itself: nothing', () => {
    expect(violationRefs(base, base)).toEqual({ objects: [], namespaces: [] });
  });
});

it('describeRefs names the first objects and counts the rest', () => {
  const refs = ['a', 'b', 'c'].map((n) => ({ kind: 'Namespace', name: n }));
  expect(describeRefs(refs, 2)).toBe('Namespace a, Namespace b (+1 more)');
  expect(describeRefs([{ kind: 'Pod', name: 'p', namespace: 'x' }])).toBe('Pod x/p');
});
