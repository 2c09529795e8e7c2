import { describe, expect, it } from 'vitest';
import type { ActorIdentity } from '@isoproof/kube';
import { planAttempt } from '../src/plan';
import { queryString } from '../src/planned-request';
import { probeBody } from '../src/probe-body';
import { resourceInfo } from '../src/resources';
import type { AttemptSpec } from '../src/spec';

const sa: ActorIdentity = { kind: 'ServiceAccount', namespace: 'shop', name: 'orders-sa' };
const pc = { runId: 'rabcdefghij', identity: sa };

describe('planAttempt', () => {
  it('an attempt it cannot plan throws RbacPlanError (ISOPROOF_RBAC_PLAN)', () => {
    expect(() => planAttempt({ verb: 'get', resource: 'widgets', namespace: 'a' }, pc)).toThrow(expect.objectContaining({ code: 'ISOPROOF_RBAC_PLAN', message: 'unknown resource widgets' }));
    expect(() => planAttempt({ verb: 'frobnicate' as never, resource: 'pods', namespace: 'a' }, pc)).toThrow(expect.objectContaining({ code: 'ISOPROOF_RBAC_PLAN' }));
  });

  it('get of a named secret', () => {
    const p = planAttempt({ verb: 'get', resource: 'secrets', namespace: 'shop', name: 'jwt-secret' }, pc);
    expect(p.method).toBe('GET');
    expect(p.path).toBe('/api/v1/namespaces/shop/secrets/jwt-secret');
    expect(p.ssar).toEqual({ verb: 'get', group: '', resource: 'secrets', name: 'jwt-secret', namespace: 'shop' });
    expect(p.dryRun).toBe(false);
  });

  it('every mutation is a server-side dry-run', () => {
    for (const verb of ['create', 'update', 'patch', 'delete', 'deletecollection'] as const) {
      const p = planAttempt({ verb, resource: 'configmaps', namespace: 'shop' }, pc);
      expect(p.query.dryRun, verb).toBe('All');
      expect(p.dryRun).toBe(true);
    }
    expect(planAttempt({ verb: 'escalate', resource: 'roles', namespace: 'shop' }, pc).query.dryRun).toBe('All');
    expect(planAttempt({ verb: 'bind', resource: 'rolebindings', namespace: 'shop' }, pc).query.dryRun).toBe('All');
    expect(planAttempt({ verb: 'create', resource: 'serviceaccounts/token', namespace: 'shop', name: 'gw' }, pc).query.dryRun).toBe('All');
  });

  it('deletecollection only ever selects objects of this run', () => {
    const p = planAttempt({ verb: 'deletecollection', resource: 'configmaps', namespace: 'shop' }, pc);
    expect(p.query.labelSelector).toBe('isoproof.dev/run=rabcdefghij');
  });

  it('list and watch are bounded', () => {
    expect(planAttempt({ verb: 'list', resource: 'secrets', namespace: 'shop' }, pc).query.limit).toBe('1');
    const w = planAttempt({ verb: 'watch', resource: 'secrets', namespace: 'shop', name: 'x' }, pc);
    expect(w.query).toMatchObject({ watch: 'true', timeoutSeconds: '1', fieldSelector: 'metadata.name=x' });
  });

  it('exec is a WebSocket upgrade of pods/exec with a harmless command; SSAR asks create pods/exec', () => {
    const p = planAttempt({ verb: 'exec', resource: 'pods', namespace: 'shop' }, { ...pc, podName: 'orders-1' });
    expect(p.path).toBe('/api/v1/namespaces/shop/pods/orders-1/exec');
    expect(p.upgrade?.protocols[0]).toBe('v5.channel.k8s.io');
    expect(queryString(p.query)).toBe('?command=true&stdout=true&stderr=true');
    expect(p.ssar).toMatchObject({ verb: 'create', resource: 'pods', subresource: 'exec', name: 'orders-1' });
  });

  it('portforward names a port', () => {
    const p = planAttempt({ verb: 'portforward', resource: 'pods', namespace: 'shop', name: 'p', port: 9000 }, pc);
    expect(p.path).toBe('/api/v1/namespaces/shop/pods/p/portforward');
    expect(p.query.ports).toBe('9000');
  });

  it('bind creates a RoleBinding of the identity itself to admin; SSAR asks create rolebindings', () => {
    const p = planAttempt({ verb: 'bind', resource: 'rolebindings', namespace: 'shop' }, pc);
    const body = p.body as { roleRef: unknown; subjects: unknown[]; metadata: { labels: Record<string, string> } };
    expect(body.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' });
    expect(body.subjects).toEqual([{ kind: 'ServiceAccount', name: 'orders-sa', namespace: 'shop' }]);
    expect(body.metadata.labels['isoproof.dev/run']).toBe('rabcdefghij');
    expect(p.ssar).toMatchObject({ verb: 'create', resource: 'rolebindings' });
    expect(p.explain[0]).toMatchObject({ verb: 'bind', resource: 'clusterroles', name: 'admin' });
  });

  it('escalate creates a Role with every verb', () => {
    const p = planAttempt({ verb: 'escalate', resource: 'roles', namespace: 'shop' }, pc);
    expect((p.body as { rules: unknown }).rules).toEqual([{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]);
    expect(p.path).toBe('/apis/rbac.authorization.k8s.io/v1/namespaces/shop/roles');
  });

  it('impersonate sends Impersonate-User on a harmless SelfSubjectReview', () => {
    const p = planAttempt({ verb: 'impersonate', resource: 'users', name: 'system:admin' }, pc);
    expect(p.headers).toEqual({ 'Impersonate-User': 'system:admin' });
    expect(p.path).toBe('/apis/authentication.k8s.io/v1/selfsubjectreviews');
    expect(p.ssar).toEqual({ verb: 'impersonate', group: '', resource: 'users', name: 'system:admin' });
  });

  it('impersonate groups/uids/userextras goes through asUser, a user the identity may impersonate', () => {
    const g = planAttempt({ verb: 'impersonate', resource: 'groups', name: 'tenant-b-admins', asUser: 'alice-ok' }, pc);
    expect(g.headers).toEqual({ 'Impersonate-User': 'alice-ok', 'Impersonate-Group': 'tenant-b-admins' });
    expect(g.ssar).toEqual({ verb: 'impersonate', group: '', resource: 'groups', name: 'tenant-b-admins' });
    expect(g.impersonation).toEqual({ asked: 'groups', viaUser: 'alice-ok' });
    expect(g.note).not.toMatch(/any refusal|whichever header/);
    const u = planAttempt({ verb: 'impersonate', resource: 'uids', name: '1234', asUser: 'alice-ok' }, pc);
    expect(u.headers).toEqual({ 'Impersonate-User': 'alice-ok', 'Impersonate-Uid': '1234' });
    expect(u.ssar).toEqual({ verb: 'impersonate', group: 'authentication.k8s.io', resource: 'uids', name: '1234' });
    const x = planAttempt({ verb: 'impersonate', resource: 'userextras/scopes', name: 'view', asUser: 'alice-ok' }, pc);
    expect(x.headers).toEqual({ 'Impersonate-User': 'alice-ok', 'Impersonate-Extra-scopes': 'view' });
    expect(x.ssar).toEqual({ verb: 'impersonate', group: 'authentication.k8s.io', resource: 'userextras', subresource: 'scopes', name: 'view' });
  });

  it('SSAR of a namespaces request by name carries the namespace, as the API server sets it', () => {
    for (const verb of ['get', 'update', 'patch', 'delete'] as const) {
      const p = planAttempt({ verb, resource: 'namespaces', name: 'rbac-shop' } as AttemptSpec, pc);
      expect(p.path).toBe('/api/v1/namespaces/rbac-shop');
      expect(p.ssar, verb).toMatchObject({ resource: 'namespaces', name: 'rbac-shop', namespace: 'rbac-shop' });
    }
    // a list is /api/v1/namespaces: no namespace in the request
    expect(planAttempt({ verb: 'list', resource: 'namespaces', name: 'x' } as AttemptSpec, pc).ssar.namespace).toBeUndefined();
  });

  it('a TokenRequest probe is bound to a Secret that does not exist: authorization answers, no token is minted', () => {
    const p = planAttempt({ verb: 'create', resource: 'serviceaccounts/token', namespace: 'shop', name: 'gateway-sa' }, pc);
    const spec = (p.body as { spec: { boundObjectRef?: { kind: string; name: string } } }).spec;
    expect(spec.boundObjectRef).toMatchObject({ kind: 'Secret', apiVersion: 'v1' });
    expect(spec.boundObjectRef?.name).toMatch(/^isoproof-never-/);
    expect(p.note).toMatch(/mints a real token/);
  });

  it('cluster-scoped resources have no namespace in path or SSAR', () => {
    const p = planAttempt({ verb: 'list', resource: 'namespaces' } as AttemptSpec, pc);
    expect(p.path).toBe('/api/v1/namespaces');
    expect(p.ssar.namespace).toBeUndefined();
    expect(planAttempt({ verb: 'list', resource: 'clusterroles' }, pc).path).toBe('/apis/rbac.authorization.k8s.io/v1/clusterroles');
  });

  it('pods/log is a bounded get', () => {
    const p = planAttempt({ verb: 'get', resource: 'pods/log', namespace: 'shop', name: 'p' }, pc);
    expect(p.path).toBe('/api/v1/namespaces/shop/pods/p/log');
    expect(p.query.limitBytes).toBe('1');
  });
});

describe('probeBody', () => {
  it('deployments carry a restricted pod template and zero replicas', () => {
    const b = probeBody(resourceInfo('deployments')!, 'x', 'rabcdefghij', 'shop') as { spec: { replicas: number; template: { spec: { containers: Array<{ securityContext: unknown }> } } } };
    expect(b.spec.replicas).toBe(0);
    expect(b.spec.template.spec.containers[0]!.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  });
  it('a secret body never carries data', () => {
    expect(probeBody(resourceInfo('secrets')!, 'x', 'r', 'shop')).toMatchObject({ data: {} });
  });
});
