import { open, stat } from 'node:fs/promises';
import type { Check, Criterion, Observation, ProbeContext, ProbeFamily, ReportSection } from '@isoproof/core';
import { defaultRedactor, RUN_LABEL } from '@isoproof/core';
import type { KubeHandle } from '@isoproof/kube';
import { loadKube, rawRequest } from '@isoproof/kube';
import { answerOf, classifyAuthz } from './classify';
import { describeIdentity, IdentityClients } from './identities';
import { probeName } from './plan';
import type { ActorIdentity } from './spec';
import { userInfoOf, validateIdentity } from './spec';

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

/** A parsed audit event (audit.k8s.io/v1 Event), the fields we match on. */
export interface AuditEvent {
  auditID?: string;
  stage?: string;
  verb?: string;
  requestURI?: string;
  user?: { username?: string };
  impersonatedUser?: { username?: string };
  objectRef?: { resource?: string; namespace?: string; name?: string; apiGroup?: string };
  responseStatus?: { code?: number };
  stageTimestamp?: string;
}

export interface AuditMatch {
  verb: string;
  resource: string;
  namespace: string;
  name: string;
  /** user.username or impersonatedUser.username must equal this. */
  username?: string;
  code?: number;
}

export function eventMatches(e: AuditEvent, m: AuditMatch): boolean {
  if (e.verb !== m.verb) return false;
  const o = e.objectRef ?? {};
  if (o.resource !== m.resource || o.name !== m.name || (o.namespace ?? '') !== m.namespace) return false;
  if (m.username && e.user?.username !== m.username && e.impersonatedUser?.username !== m.username) return false;
  if (m.code !== undefined && e.responseStatus?.code !== undefined && e.responseStatus.code !== m.code) return false;
  return true;
}

/** Audit events in a chunk of JSON lines (partial or foreign lines are skipped). */
export function parseAuditLines(text: string): AuditEvent[] {
  const out: AuditEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const e = JSON.parse(line) as AuditEvent & { kind?: string };
      if (e.kind === undefined || e.kind === 'Event') out.push(e);
    } catch {
      /* partial line at the end of a chunk */
    }
  }
  return out;
}

export function describeEvent(e: AuditEvent): string {
  const who = e.impersonatedUser?.username ? `${e.impersonatedUser.username} (impersonated by ${e.user?.username})` : e.user?.username;
  const o = e.objectRef ?? {};
  return `auditID ${e.auditID ?? '?'} stage ${e.stage ?? '?'} at ${e.stageTimestamp ?? '?'}: ${who} ${e.verb} ${o.resource}/${o.name} in ${o.namespace ?? '-'} -> ${e.responseStatus?.code ?? '?'}`;
}

/** Reads a growing log file from `offset`; a shrunk file (rotation) is read from 0. */
class LogTail {
  private offset = 0;
  private carry = '';
  constructor(private readonly file: string) {}
  async start(): Promise<void> {
    this.offset = (await stat(this.file)).size;
  }
  async read(): Promise<AuditEvent[]> {
    const size = (await stat(this.file)).size;
    if (size < this.offset) {
      this.offset = 0;
      this.carry = '';
    }
    if (size === this.offset) return [];
    const fh = await open(this.file, 'r');
    try {
      const len = Math.min(size - this.offset, 64 * 1024 * 1024);
      const buf = Buffer.alloc(len);
      await fh.read(buf, 0, len, this.offset);
      this.offset += len;
      const text = this.carry + buf.toString('utf8');
      const cut = text.lastIndexOf('\n');
      this.carry = cut === -1 ? text : text.slice(cut + 1);
      return parseAuditLines(cut === -1 ? '' : text.slice(0, cut));
    } finally {
      await fh.close();
    }
  }
}

async function waitFor(tail: LogTail, matches: AuditMatch[], waitMs: number, signal?: AbortSignal): Promise<Array<AuditEvent | undefined>> {
  const found: Array<AuditEvent | undefined> = matches.map(() => undefined);
  const deadline = Date.now() + waitMs;
  for (;;) {
    for (const e of await tail.read()) {
      matches.forEach((m, i) => {
        if (!found[i] && eventMatches(e, m)) found[i] = e;
        // prefer the ResponseComplete stage when both are logged
        else if (found[i] && found[i]!.stage !== 'ResponseComplete' && e.stage === 'ResponseComplete' && eventMatches(e, m)) found[i] = e;
      });
    }
    if (found.every((f) => f) || Date.now() >= deadline || signal?.aborted) return found;
    await new Promise((r) => setTimeout(r, 250));
  }
}

function err(sent: string, error: string): Observation {
  return { outcome: 'error', result: 'audit-log-unavailable', error, evidence: { sent } };
}

export function auditFamily(): ProbeFamily {
  let sections: ReportSection[] = [];
  return {
    kind: 'audit',
    validateSpec: validateAuditSpec,
    sections: () => sections,
    async run(criteria: Criterion[], ctx: ProbeContext): Promise<Map<string, Check[]>> {
      sections = [];
      const out = new Map<string, Check[]>();
      const admin = loadKube(ctx.kubeconfigPath, ctx.context);
      const clients = new IdentityClients(admin);
      const file = ctx.facts.auditLogPath;
      const rows: string[][] = [];
      let n = 0;
      for (const c of criteria) {
        const s = c.spec as unknown as AuditSpec;
        const waitMs = (s.waitSeconds ?? 10) * 1000;
        const name = probeName(ctx.run.id, `audit-${n++}`);
        const checks: Check[] = [];
        out.set(c.id, checks);
        const tail = file ? new LogTail(file) : undefined;
        const tailReady = tail
          ? await tail.start().then(
              () => '',
              (e: unknown) => `audit log ${file} not readable: ${(e as Error).message}`,
            )
          : `no audit log on this provider (${ctx.provider}: fact auditLogPath unset)`;

        if (s.event === 'forbidden-secret-read') {
          const id = s.identity!;
          const who = describeIdentity(id);
          const sent = `GET /api/v1/namespaces/${s.namespace}/secrets/${name} as ${who}, then look for its audit event in ${file ?? '(no log)'}`;
          let handle: KubeHandle;
          try {
            handle = await clients.get(id);
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
          const started = Date.now();
          const [ev] = await waitFor(tail!, [{ verb: 'get', resource: 'secrets', namespace: s.namespace, name, username: userInfoOf(id).user, code: 403 }], waitMs, ctx.signal);
          const obs: Observation = ev
            ? { outcome: 'holds', result: 'logged', latencyMs: Date.now() - started, evidence: { sent, received: describeEvent(ev), notes: [`the request was refused: ${cls.result}`] } }
            : { outcome: 'violated', result: 'not-logged', latencyMs: Date.now() - started, evidence: { sent, received: `no matching audit event within ${waitMs / 1000} s`, notes: [`the request was refused: ${cls.result}`] } };
          checks.push({ id: `${c.id} forbidden secret read`, expect: 'holds', observation: defaultRedactor.scrub(obs) });
          rows.push([c.id, 'forbidden secret read', obs.outcome, obs.evidence.received ?? '']);
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
          const created = await rawRequest(admin, { method: 'POST', path, body, timeoutMs: 10_000 }).catch((e: unknown) => e as Error);
          const deleted = await rawRequest(admin, { method: 'DELETE', path: `${path}/${name}`, timeoutMs: 10_000 }).catch((e: unknown) => e as Error);
          const bad = [created, deleted].find((x) => x instanceof Error || x.status >= 300);
          if (bad) {
            const why = bad instanceof Error ? bad.message : `${bad.status} ${answerOf(bad.status, bad.body, bad.text).message ?? ''}`;
            checks.push({ id: `${c.id} rolebinding create`, expect: 'holds', observation: err(sent, `the RBAC change could not be made: ${why}`) });
            continue;
          }
          const started = Date.now();
          const found = await waitFor(
            tail!,
            [
              { verb: 'create', resource: 'rolebindings', namespace: s.namespace, name },
              { verb: 'delete', resource: 'rolebindings', namespace: s.namespace, name },
            ],
            waitMs,
            ctx.signal,
          );
          ['create', 'delete'].forEach((verb, i) => {
            const ev = found[i];
            const obs: Observation = ev
              ? { outcome: 'holds', result: 'logged', latencyMs: Date.now() - started, evidence: { sent, received: describeEvent(ev) } }
              : { outcome: 'violated', result: 'not-logged', latencyMs: Date.now() - started, evidence: { sent, received: `no ${verb} event for rolebindings/${name} within ${waitMs / 1000} s` } };
            checks.push({ id: `${c.id} rolebinding ${verb}`, expect: 'holds', observation: obs });
            rows.push([c.id, `rbac change (${verb})`, obs.outcome, obs.evidence.received ?? '']);
          });
        }
      }
      sections.push({ type: 'table', title: 'Audit log', columns: ['criterion', 'event', 'observed', 'audit evidence'], rows, note: file ? `log: ${file}` : 'no audit log reachable on this provider' });
      return out;
    },
  };
}
