import { describe, expect, it } from 'vitest';
import type { Binding, RbacSnapshot, RoleObject } from '../src/explain';
import { explainGrant, formatGrants, ruleAllows } from '../src/explain';
import { userInfoOf } from '@isoproof/kube';

describe('ruleAllows (RBAC matching)', () => {
  const a = { verb: 'get', group: '', resource: 'secrets', name: 'orders-db-secret', namespace: 'shop' };
  it.each([
    [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }, true],
    [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, true],
    [{ apiGroups: ['apps'], resources: ['secrets'], verbs: ['get'] }, false],
    [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }, false],
    [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['orders-db-secret'] }, true],
    [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['jwt-secret'] }, false],
    [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }, false],
  ])('%j -> %s', (rule, ok) => expect(ruleAllows(rule, a)).toBe(ok));

  it('resourceNames never match a request without a name (list)', () => {
    expect(ruleAllows({ apiGroups: [''], resources: ['secrets'], verbs: ['list'], resourceNames: ['x'] }, { verb: 'list', group: '', resource: 'secrets' })).toBe(false);
  });
  it('subresources need their own rule or */sub', () => {
    const exec = { verb: 'create', group: '', resource: 'pods', subresource: 'exec', name: 'p' };
    expect(ruleAllows({ apiGroups: [''], resources: ['pods'], verbs: ['*'] }, exec)).toBe(false);
    expect(ruleAllows({ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }, exec)).toBe(true);
    expect(ruleAllows({ apiGroups: [''], resources: ['*/exec'], verbs: ['create'] }, exec)).toBe(true);
  });
});

describe('explainGrant', () => {
  const roles: RoleObject[] = [
    { kind: 'Role', metadata: { name: 'orders-service-role', namespace: 'shop' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['orders-db-secret'] }] },
    { kind: 'ClusterRole', metadata: { name: 'edit' }, rules: [{ apiGroups: [''], resources: ['secrets', 'configmaps'], verbs: ['get', 'list'] }] },
    { kind: 'Role', metadata: { name: 'orders-service-role', namespace: 'other' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] },
  ];
  const bindings: Binding[] = [
    { kind: 'RoleBinding', metadata: { name: 'orders-binding', namespace: 'shop' }, roleRef: { kind: 'Role', name: 'orders-service-role' }, subjects: [{ kind: 'ServiceAccount', name: 'orders-sa', namespace: 'shop' }] },
    { kind: 'ClusterRoleBinding', metadata: { name: 'tenant-a-edit' }, roleRef: { kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'Group', name: 'tenant-a-developers' }] },
    { kind: 'RoleBinding', metadata: { name: 'elsewhere', namespace: 'other' }, roleRef: { kind: 'Role', name: 'orders-service-role' }, subjects: [{ kind: 'ServiceAccount', name: 'orders-sa', namespace: 'shop' }] },
  ];
  const snap: RbacSnapshot = { bindings, roles };
  const sa = userInfoOf({ kind: 'ServiceAccount', namespace: 'shop', name: 'orders-sa' });
  const alice = userInfoOf({ kind: 'User', name: 'alice', groups: ['tenant-a-developers'] });

  it('finds the RoleBinding and rule that grant a named secret', () => {
    const g = explainGrant(sa, { verb: 'get', group: '', resource: 'secrets', name: 'orders-db-secret', namespace: 'shop' }, snap);
    expect(g).toEqual([{ binding: 'RoleBinding shop/orders-binding', role: 'Role shop/orders-service-role', rule: 'get secrets [core] names=orders-db-secret' }]);
  });
  it('ignores RoleBindings of other namespaces', () => {
    expect(explainGrant(sa, { verb: 'get', group: '', resource: 'secrets', name: 'payments', namespace: 'shop' }, snap)).toEqual([]);
  });
  it('matches group subjects of ClusterRoleBindings in any namespace', () => {
    const g = explainGrant(alice, { verb: 'list', group: '', resource: 'secrets', namespace: 'tenant-b' }, snap);
    expect(formatGrants(g)).toBe('ClusterRoleBinding tenant-a-edit -> ClusterRole edit (get,list secrets,configmaps [core])');
  });
  it('says so when nothing matches', () => {
    expect(formatGrants([])).toMatch(/no matching binding/);
  });
  it('matches a ServiceAccount subject without namespace against the binding namespace', () => {
    const b: Binding = { kind: 'RoleBinding', metadata: { name: 'x', namespace: 'shop' }, roleRef: { kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'ServiceAccount', name: 'orders-sa' }] };
    expect(explainGrant(sa, { verb: 'get', group: '', resource: 'configmaps', namespace: 'shop' }, { bindings: [b], roles })).toHaveLength(1);
  });
});
