import { randomUUID } from 'node:crypto';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Check, Criterion, Observation } from '@isoproof/core';
import { evaluate, loadCriteria } from '@isoproof/core';
import type { AuditLogTail, WantedAuditEvent } from '../src/audit-log';
import { forbiddenSecretReadMatch, observeAuditEvents, openAuditLog, rbacChangeMatch } from '../src/audit-log';
import { probeName } from '../src/probe-body';

/*
 * The seeded violation of AUDIT-SECRET-01 and AUDIT-RBAC-01 (scenarios/rbac-least-privilege).
 *
 * Both criteria depend on the API server's audit policy, which no manifest overlay can change, and the
 * local cluster's policy (clusters/local/config/audit-policy.yaml) starts with a catch-all Metadata
 * rule, so no request can be steered to level None on the cluster. Their FAIL is proven here instead,
 * on real files: an audit log written as the API server writes it (JSON lines, the shape of real lines
 * of the local cluster's log, appended while the probe waits, a line split across two writes), read by
 * the audit family's own log side (openAuditLog, observeAuditEvents: the same calls its run() makes
 * after the request), and evaluated against the scenario's real criteria.
 *   - a log that holds the API server's other traffic but not the probe's events (what a policy with
 *     `level: None` for secrets or rolebindings writes)                  -> FAIL
 *   - the same log with the events                                       -> PASS
 *   - no log / a missing file / a log that vanishes while waiting         -> INCONCLUSIVE, never PASS
 */

const RUN = 'rseeded0001';
const NS = 'rbac-shop';
const TENANT_NS = 'rbac-tenant-a';
const SA_USER = `system:serviceaccount:${NS}:products-service-sa`;
const ADMIN = 'kubernetes-admin';
const SECRET = probeName(RUN, 'audit-0');
const BINDING = probeName(RUN, 'audit-1');

let seq = 0;
function ts(): string {
  return new Date(Date.UTC(2026, 10, 21, 21, 7, 53, seq++)).toISOString().replace('Z', '000Z');
}

/** One audit.k8s.io/v1 Event line in the shape kube-apiserver 1.34 writes at level Metadata (no credentials). */
function line(o: { verb: string; uri: string; user: string; groups: string[]; resource: string; namespace?: string; name?: string; apiGroup?: string; code: number; status?: object; decision: 'allow' | 'forbid'; reason?: string }): string {
  const t = ts();
  return JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: randomUUID(),
    stage: 'ResponseComplete',
    requestURI: o.uri,
    verb: o.verb,
    user: { username: o.user, groups: o.groups },
    sourceIPs: ['10.245.0.1'],
    objectRef: { resource: o.resource, ...(o.namespace ? { namespace: o.namespace } : {}), ...(o.name ? { name: o.name } : {}), ...(o.apiGroup ? { apiGroup: o.apiGroup } : {}), apiVersion: 'v1' },
    responseStatus: { metadata: {}, ...(o.status ?? {}), code: o.code },
    requestReceivedTimestamp: t,
    stageTimestamp: t,
    annotations: { 'authorization.k8s.io/decision': o.decision, 'authorization.k8s.io/reason': o.reason ?? '' },
  });
}

const SA_GROUPS = ['system:serviceaccounts', `system:serviceaccounts:${NS}`, 'system:authenticated'];
const ADMIN_GROUPS = ['kubeadm:cluster-admins', 'system:authenticated'];
const ADMIN_REASON = 'RBAC: allowed by ClusterRoleBinding "kubeadm:cluster-admins" of ClusterRole "cluster-admin" to Group "kubeadm:cluster-admins"';

function forbiddenRead(user: string, groups: string[], name: string): string {
  return line({
    verb: 'get',
    uri: `/api/v1/namespaces/${NS}/secrets/${name}`,
    user,
    groups,
    resource: 'secrets',
    namespace: NS,
    name,
    code: 403,
    status: { status: 'Failure', message: `secrets "${name}" is forbidden: User "${user}" cannot get resource "secrets" in API group "" in the namespace "${NS}"`, reason: 'Forbidden', details: { name, kind: 'secrets' } },
    decision: 'forbid',
  });
}
function bindingEvent(verb: 'create' | 'delete', name: string): string {
  const base = `/apis/rbac.authorization.k8s.io/v1/namespaces/${TENANT_NS}/rolebindings`;
  return line({
    verb,
    uri: verb === 'create' ? base : `${base}/${name}`,
    user: ADMIN,
    groups: ADMIN_GROUPS,
    resource: 'rolebindings',
    namespace: TENANT_NS,
    name,
    apiGroup: 'rbac.authorization.k8s.io',
    code: verb === 'create' ? 201 : 200,
    decision: 'allow',
    reason: ADMIN_REASON,
  });
}
/** The API server's everyday traffic, plus near misses that must not count as the probe's events. */
function background(): string[] {
  return [
    line({ verb: 'update', uri: '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/isoproof-local', user: 'system:node:isoproof-local', groups: ['system:nodes', 'system:authenticated'], resource: 'leases', namespace: 'kube-node-lease', name: 'isoproof-local', apiGroup: 'coordination.k8s.io', code: 200, decision: 'allow' }),
    line({ verb: 'get', uri: `/api/v1/namespaces/${NS}/configmaps/orders-config`, user: `system:serviceaccount:${NS}:orders-service-sa`, groups: SA_GROUPS, resource: 'configmaps', namespace: NS, name: 'orders-config', code: 200, decision: 'allow' }),
    // the same secret read by another identity, and the same identity reading another secret
    forbiddenRead(`system:serviceaccount:${NS}:gateway-sa`, SA_GROUPS, SECRET),
    forbiddenRead(SA_USER, SA_GROUPS, probeName('rother00001', 'audit-0')),
    // a RoleBinding of another run
    bindingEvent('create', probeName('rother00001', 'audit-1')),
  ];
}

let dir: string;
let criteria: Criterion[];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoproof-audit-'));
  criteria = await loadCriteria(fileURLToPath(new URL('../../../scenarios/rbac-least-privilege/criteria.yaml', import.meta.url)));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function criterion(id: string): Criterion {
  const c = criteria.find((x) => x.id === id);
  if (!c) throw new Error(`${id} not in the scenario's criteria.yaml`);
  return c;
}

/**
 * A log with history, opened at its end (as the family does before its request), then the API server
 * appends `lines` after a delay, the last one split across two writes.
 */
async function scenarioLog(name: string, lines: string[]): Promise<{ tail: AuditLogTail; writing: Promise<void> }> {
  const file = join(dir, name);
  // history: events written before the log is opened never count, even with the probe's very names
  const history = [...background(), forbiddenRead(SA_USER, SA_GROUPS, SECRET), bindingEvent('create', BINDING), bindingEvent('delete', BINDING)];
  await writeFile(file, `${history.join('\n')}\n`);
  const opened = await openAuditLog(file, 'local');
  if (typeof opened === 'string') throw new Error(opened);
  const writing = (async () => {
    await new Promise((r) => setTimeout(r, 300));
    const text = `${lines.join('\n')}\n`;
    const cut = Math.max(1, text.length - 40);
    await appendFile(file, text.slice(0, cut));
    await new Promise((r) => setTimeout(r, 300));
    await appendFile(file, text.slice(cut));
  })();
  return { tail: opened, writing };
}

const SENT = 'the probe request (see the audit family)';

function secretWanted(waitMs: number): WantedAuditEvent[] {
  return [{ match: forbiddenSecretReadMatch(NS, SECRET, SA_USER), missing: `no matching audit event within ${waitMs / 1000} s` }];
}
function rbacWanted(): WantedAuditEvent[] {
  return (['create', 'delete'] as const).map((verb) => ({ match: rbacChangeMatch(verb, TENANT_NS, BINDING), missing: `no ${verb} event for rolebindings/${BINDING}` }));
}

function secretChecks(obs: Observation[]): Check[] {
  return [{ id: 'AUDIT-SECRET-01 forbidden secret read', expect: 'holds', observation: obs[0]! }];
}
function rbacChecks(obs: Observation[]): Check[] {
  return ['create', 'delete'].map((verb, i) => ({ id: `AUDIT-RBAC-01 rolebinding ${verb}`, expect: 'holds' as const, observation: obs[i]! }));
}

describe('AUDIT-SECRET-01 on a real audit log', () => {
  it('seeded violation: the log has the other traffic but not the probe forbidden read -> FAIL', async () => {
    const { tail, writing } = await scenarioLog('secret-missing.log', background());
    const obs = await observeAuditEvents(tail, secretWanted(1500), { sent: SENT, waitMs: 1500 });
    await writing;
    expect(obs[0]).toMatchObject({ outcome: 'violated', result: 'not-logged' });
    const o = evaluate(criterion('AUDIT-SECRET-01'), secretChecks(obs));
    expect(o.verdict, o.reason).toBe('FAIL');
  });

  it('the forbidden read is logged -> PASS, the event in the evidence', async () => {
    const { tail, writing } = await scenarioLog('secret-logged.log', [...background(), forbiddenRead(SA_USER, SA_GROUPS, SECRET)]);
    const obs = await observeAuditEvents(tail, secretWanted(5000), { sent: SENT, waitMs: 5000 });
    await writing;
    expect(obs[0]?.outcome).toBe('holds');
    expect(obs[0]?.evidence.received).toMatch(new RegExp(`${SA_USER} get secrets/${SECRET} in ${NS} -> 403`));
    const o = evaluate(criterion('AUDIT-SECRET-01'), secretChecks(obs));
    expect(o.verdict, o.reason).toBe('PASS');
  });

  it('the same read answered 200 does not count (the criterion is about a forbidden read) -> FAIL', async () => {
    const allowed = forbiddenRead(SA_USER, SA_GROUPS, SECRET).replace('"code":403', '"code":200');
    const { tail, writing } = await scenarioLog('secret-200.log', [allowed]);
    const obs = await observeAuditEvents(tail, secretWanted(1200), { sent: SENT, waitMs: 1200 });
    await writing;
    expect(evaluate(criterion('AUDIT-SECRET-01'), secretChecks(obs)).verdict).toBe('FAIL');
  });

  it('no log, a missing file, a log that vanishes while waiting -> INCONCLUSIVE', async () => {
    expect(await openAuditLog(undefined, 'kind')).toMatch(/fact auditLogPath unset/);
    expect(await openAuditLog(join(dir, 'nope.log'), 'local')).toMatch(/not readable: ENOENT/);
    const file = join(dir, 'vanishing.log');
    await writeFile(file, `${background().join('\n')}\n`);
    const tail = await openAuditLog(file, 'local');
    if (typeof tail === 'string') throw new Error(tail);
    setTimeout(() => void rm(file), 200);
    const obs = await observeAuditEvents(tail, secretWanted(3000), { sent: SENT, waitMs: 3000 });
    expect(obs[0]).toMatchObject({ outcome: 'error', result: 'audit-log-unavailable' });
    const o = evaluate(criterion('AUDIT-SECRET-01'), secretChecks(obs));
    expect(o.verdict, o.reason).toBe('INCONCLUSIVE');
  });
});

describe('AUDIT-RBAC-01 on a real audit log', () => {
  it('seeded violation: neither the create nor the delete is logged -> FAIL', async () => {
    const { tail, writing } = await scenarioLog('rbac-missing.log', background());
    const obs = await observeAuditEvents(tail, rbacWanted(), { sent: SENT, waitMs: 1500 });
    await writing;
    expect(obs.map((x) => x.outcome)).toEqual(['violated', 'violated']);
    const o = evaluate(criterion('AUDIT-RBAC-01'), rbacChecks(obs));
    expect(o.verdict, o.reason).toBe('FAIL');
  });

  it('seeded violation: the create is logged, the delete is not (a policy without delete) -> FAIL', async () => {
    const { tail, writing } = await scenarioLog('rbac-no-delete.log', [...background(), bindingEvent('create', BINDING)]);
    const obs = await observeAuditEvents(tail, rbacWanted(), { sent: SENT, waitMs: 1500 });
    await writing;
    expect(obs.map((x) => x.outcome)).toEqual(['holds', 'violated']);
    const o = evaluate(criterion('AUDIT-RBAC-01'), rbacChecks(obs));
    expect(o.verdict, o.reason).toBe('FAIL');
    expect(o.reason).toMatch(/rolebinding delete/);
  });

  it('both logged -> PASS', async () => {
    const { tail, writing } = await scenarioLog('rbac-logged.log', [bindingEvent('create', BINDING), ...background(), bindingEvent('delete', BINDING)]);
    const obs = await observeAuditEvents(tail, rbacWanted(), { sent: SENT, waitMs: 5000 });
    await writing;
    expect(obs.map((x) => x.outcome)).toEqual(['holds', 'holds']);
    const o = evaluate(criterion('AUDIT-RBAC-01'), rbacChecks(obs));
    expect(o.verdict, o.reason).toBe('PASS');
  });
});
