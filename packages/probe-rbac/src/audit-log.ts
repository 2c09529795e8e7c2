import { open, stat } from 'node:fs/promises';
import type { Observation } from '@isoproof/core';
import { defaultRedactor } from '@isoproof/core';

/**
 * The API server's audit log as the audit probes read it: the events they look for, a tail of the
 * JSON-lines file that follows it as it grows, and a bounded wait for the wanted events.
 */

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
    return wanted.map(() => auditUnavailable(o.sent, `audit log ${tail.file} not readable while waiting: ${(e as Error).message}`));
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

/** An audit check that cannot tell (INCONCLUSIVE, never PASS): the log or the probe's request was unavailable. */
export function auditUnavailable(sent: string, error: string): Observation {
  return { outcome: 'error', result: 'audit-log-unavailable', error, evidence: { sent } };
}
