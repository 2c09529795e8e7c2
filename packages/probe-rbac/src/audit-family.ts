import type { Criterion, ProbeFamily } from '@isoproof/core';
import { RUN_LABEL } from '@isoproof/core';
import type { ActorIdentity, KubeHandle } from '@isoproof/kube';
import { answerOf, defineProbeFamily, describeIdentity, rawRequest, userInfoOf, validateIdentity } from '@isoproof/kube';
import { auditUnavailable as err, forbiddenSecretReadMatch, observeAuditEvents, openAuditLog, rbacChangeMatch } from './audit-log';
import { classifyAuthz } from './classify';
import { probeName } from './probe-body';

/**
 * 'audit' criteria: a request the probe makes appears in the API server's audit log
 * (facts.auditLogPath, a file readable on this host). No log reachable -> INCONCLUSIVE, never PASS.
 *
 * spec:
 *   event: forbidden-secret-read   # the identity GETs a secret it may not read (a 403 is required)
 *        | rbac-change             # the harness creates then deletes a RoleBinding labelled with the run
 *   identity: {...}                # forbidden-secret-read only
 *   namespace: <ns>
 *   waitSeconds: 10                # bound of the wait for the event (default 10, max 60)
 */
export interface AuditSpec {
  event: 'forbidden-secret-read' | 'rbac-change';
  identity?: ActorIdentity;
  namespace: string;
  waitSeconds?: number;
}

export function validateAuditSpec(c: Criterion): string[] {
  const s = c.spec;
  const errs: string[] = [];
  if (s.event !== 'forbidden-secret-read' && s.event !== 'rbac-change') errs.push(`event: must be forbidden-secret-read or rbac-change (got ${JSON.stringify(s.event)})`);
  if (typeof s.namespace !== 'string' || !s.namespace) errs.push('namespace: required');
  if (s.event === 'forbidden-secret-read') errs.push(...validateIdentity(s.identity, 'identity'));
  if (s.waitSeconds !== undefined && !(typeof s.waitSeconds === 'number' && s.waitSeconds > 0 && s.waitSeconds <= 60)) errs.push('waitSeconds: must be a number in (0, 60]');
  return errs;
}

/** The 'audit' probe family: each criterion's request is made for real, then looked for in the audit log. */
export function auditFamily(): ProbeFamily {
  return defineProbeFamily({
    kind: 'audit',
    validateSpec: validateAuditSpec,
    async run(criteria, ctx, out) {
      const file = ctx.facts.auditLogPath;
      const rows: string[][] = [];
      let n = 0;
      for (const c of criteria) {
        const s = c.spec as unknown as AuditSpec;
        const waitMs = (s.waitSeconds ?? 10) * 1000;
        const name = probeName(ctx.run.id, `audit-${n++}`);
        const checks = out.checks(c.id);
        const opened = await openAuditLog(file, ctx.provider);
        const tail = typeof opened === 'string' ? undefined : opened;
        const tailReady = typeof opened === 'string' ? opened : '';

        if (s.event === 'forbidden-secret-read') {
          const id = s.identity!;
          const who = describeIdentity(id);
          const sent = `GET /api/v1/namespaces/${s.namespace}/secrets/${name} as ${who}, then look for its audit event in ${file ?? '(no log)'}`;
          let handle: KubeHandle;
          try {
            handle = await out.identities.get(id);
          } catch (e) {
            checks.push({ id: `${c.id} forbidden secret read`, expect: 'holds', observation: err(sent, `cannot act as ${who}: ${(e as Error).message}`) });
            continue;
          }
          const r = await rawRequest(handle, { method: 'GET', path: `/api/v1/namespaces/${s.namespace}/secrets/${name}`, timeoutMs: 10_000 }).catch((e: unknown) => e as Error);
          if (r instanceof Error) {
            checks.push({ id: `${c.id} forbidden secret read`, expect: 'holds', observation: err(sent, `transport failure: ${r.message}`) });
            continue;
          }
          const cls = classifyAuthz(answerOf(r.status, r.body, r.text));
          if (cls.outcome !== 'denied') {
            checks.push({
              id: `${c.id} forbidden secret read`,
              expect: 'holds',
              observation: { outcome: 'error', result: cls.result.split(': ')[0] ?? cls.result, error: `the read was not forbidden (${cls.result}); the criterion needs an identity that may not read secrets`, evidence: { sent, received: cls.result } },
            });
            continue;
          }
          if (tailReady) {
            checks.push({ id: `${c.id} forbidden secret read`, expect: 'holds', observation: err(sent, tailReady) });
            rows.push([c.id, 'forbidden secret read', 'INCONCLUSIVE', tailReady]);
            continue;
          }
          const [obs] = await observeAuditEvents(
            tail!,
            [{ match: forbiddenSecretReadMatch(s.namespace, name, userInfoOf(id).user), missing: `no matching audit event within ${waitMs / 1000} s` }],
            { sent, waitMs, signal: ctx.signal, notes: [`the request was refused: ${cls.result}`] },
          );
          checks.push({ id: `${c.id} forbidden secret read`, expect: 'holds', observation: obs! });
          rows.push([c.id, 'forbidden secret read', obs!.outcome, obs!.evidence.received ?? obs!.error ?? '']);
        } else {
          const path = `/apis/rbac.authorization.k8s.io/v1/namespaces/${s.namespace}/rolebindings`;
          const sent = `POST ${path} (RoleBinding ${name}, labelled ${RUN_LABEL}=${ctx.run.id}) then DELETE it, as the harness; look for both audit events in ${file ?? '(no log)'}`;
          if (tailReady) {
            checks.push({ id: `${c.id} rolebinding create`, expect: 'holds', observation: err(sent, tailReady) });
            checks.push({ id: `${c.id} rolebinding delete`, expect: 'holds', observation: err(sent, tailReady) });
            rows.push([c.id, 'rbac change', 'INCONCLUSIVE', tailReady]);
            continue;
          }
          const body = {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'RoleBinding',
            metadata: { name, namespace: s.namespace, labels: { [RUN_LABEL]: ctx.run.id } },
            roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'isoproof-audit-no-such-role' },
            subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'isoproof:nobody' }],
          };
          const created = await rawRequest(out.kube, { method: 'POST', path, body, timeoutMs: 10_000 }).catch((e: unknown) => e as Error);
          // Only what this probe created is deleted (a refused create, e.g. 409, leaves the name alone).
          const deleted =
            created instanceof Error || created.status >= 300
              ? created
              : await rawRequest(out.kube, { method: 'DELETE', path: `${path}/${name}`, timeoutMs: 10_000 }).catch((e: unknown) => e as Error);
          const bad = [created, deleted].find((x) => x instanceof Error || x.status >= 300);
          if (bad) {
            const why = bad instanceof Error ? bad.message : `${bad.status} ${answerOf(bad.status, bad.body, bad.text).message ?? ''}`;
            checks.push({ id: `${c.id} rolebinding create`, expect: 'holds', observation: err(sent, `the RBAC change could not be made: ${why}`) });
            continue;
          }
          const verbs = ['create', 'delete'] as const;
          const obs = await observeAuditEvents(
            tail!,
            verbs.map((verb) => ({ match: rbacChangeMatch(verb, s.namespace, name), missing: `no ${verb} event for rolebindings/${name} within ${waitMs / 1000} s` })),
            { sent, waitMs, signal: ctx.signal },
          );
          verbs.forEach((verb, i) => {
            checks.push({ id: `${c.id} rolebinding ${verb}`, expect: 'holds', observation: obs[i]! });
            rows.push([c.id, `rbac change (${verb})`, obs[i]!.outcome, obs[i]!.evidence.received ?? obs[i]!.error ?? '']);
          });
        }
      }
      out.section({ type: 'table', title: 'Audit log', columns: ['criterion', 'event', 'observed', 'audit evidence'], rows, note: file ? `log: ${file}` : 'no audit log reachable on this provider' });
    },
  });
}
