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

/** The event of the probe's forbidden secret read: GET of the named secret by the identity, refused (403). */
export function forbiddenSecretReadMatch(namespace: string, name: string, username: string): AuditMatch {
  return { verb: 'get', resource: 'secrets', namespace, name, username, code: 403 };
}

/** The event of the harness's RBAC change: create or delete of the named RoleBinding. */
export function rbacChangeMatch(verb: 'create' | 'delete', namespace: string, name: string): AuditMatch {
  return { verb, resource: 'rolebindings', namespace, name };
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

/** Reads a growing log file (the API server's JSON-lines audit log) from `offset`; a shrunk file (rotation) is read from 0. */
export class AuditLogTail {
  private offset = 0;
  private carry = '';
  constructor(readonly file: string) {}
  /** Starts at the current end of the file: only events written afterwards are read. */
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

/**
 * Opens the audit log at its current end, before the probe's request is made. Returns the tail, or one
 * line saying why there is no log to read (fact unset, file missing or unreadable).
 */
export async function openAuditLog(file: string | undefined, provider: string): Promise<AuditLogTail | string> {
  if (!file) return `no audit log on this provider (${provider}: fact auditLogPath unset)`;
  const tail = new AuditLogTail(file);
  try {
    await tail.start();
    return tail;
  } catch (e) {
    return `audit log ${file} not readable: ${(e as Error).message}`;
  }
}

/** Polls the tail (every 250 ms, at most waitMs) until every match has an event; throws if the log cannot be read. */
export async function waitForAuditEvents(tail: AuditLogTail, matches: AuditMatch[], waitMs: number, signal?: AbortSignal): Promise<Array<AuditEvent | undefined>> {
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

/** What to look for and how to say it is missing. */
export interface WantedAuditEvent {
  match: AuditMatch;
  /** evidence.received when no event showed, e.g. "no delete event for rolebindings/x within 10 s" */
  missing: string;
}

/**
 * Waits (bounded) for each wanted event in the log and turns the result into one observation per event:
 * holds (logged, the event described), violated (not logged within waitMs) or error (the log could not be
 * read while waiting: INCONCLUSIVE, never PASS). The audit family's whole log side; scrubbed.
 */
export async function observeAuditEvents(
  tail: AuditLogTail,
  wanted: WantedAuditEvent[],
  o: { sent: string; waitMs: number; signal?: AbortSignal; notes?: string[] },
): Promise<Observation[]> {
  const started = Date.now();
  let found: Array<AuditEvent | undefined>;
  try {
    found = await waitForAuditEvents(
      tail,
      wanted.map((w) => w.match),
      o.waitMs,
      o.signal,
    );
  } catch (e) {
    return wanted.map(() => err(o.sent, `audit log ${tail.file} not readable while waiting: ${(e as Error).message}`));
  }
  const notes = o.notes?.length ? { notes: o.notes } : {};
  return wanted.map((w, i) => {
    const ev = found[i];
    const obs: Observation = ev
      ? { outcome: 'holds', result: 'logged', latencyMs: Date.now() - started, evidence: { sent: o.sent, received: describeEvent(ev), ...notes } }
      : { outcome: 'violated', result: 'not-logged', latencyMs: Date.now() - started, evidence: { sent: o.sent, received: w.missing, ...notes } };
    return defaultRedactor.scrub(obs);
  });
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
      const clients = new IdentityClients(admin, ctx.run.id);
      try {
      const file = ctx.facts.auditLogPath;
      const rows: string[][] = [];
      let n = 0;
      for (const c of criteria) {
        const s = c.spec as unknown as AuditSpec;
        const waitMs = (s.waitSeconds ?? 10) * 1000;
        const name = probeName(ctx.run.id, `audit-${n++}`);
        const checks: Check[] = [];
        out.set(c.id, checks);
        const opened = await openAuditLog(file, ctx.provider);
        const tail = typeof opened === 'string' ? undefined : opened;
        const tailReady = typeof opened === 'string' ? opened : '';

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
          const created = await rawRequest(admin, { method: 'POST', path, body, timeoutMs: 10_000 }).catch((e: unknown) => e as Error);
          // Only what this probe created is deleted (a refused create, e.g. 409, leaves the name alone).
          const deleted =
            created instanceof Error || created.status >= 300
              ? created
              : await rawRequest(admin, { method: 'DELETE', path: `${path}/${name}`, timeoutMs: 10_000 }).catch((e: unknown) => e as Error);
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
      sections.push({ type: 'table', title: 'Audit log', columns: ['criterion', 'event', 'observed', 'audit evidence'], rows, note: file ? `log: ${file}` : 'no audit log reachable on this provider' });
      return out;
      } finally {
        // revoke the ServiceAccount tokens this run minted (their anchor Secrets go)
        const left = await clients.close();
        if (left.length) ctx.log(`audit: could not delete the token anchor Secrets ${left.join(', ')} (their tokens expire within 600 s)`);
      }
    },
  };
}
