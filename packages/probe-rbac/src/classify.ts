import { STATUS_CODES } from 'node:http';
import type { ObservationOutcome } from '@isoproof/core';

/** What the API server answered to one real attempt. */
export interface Answer {
  status: number;
  /** Status.message of a Kubernetes Status body (or the text of a non-JSON answer). */
  message?: string;
  /** Status.reason (Forbidden, NotFound, AlreadyExists, ...). */
  reason?: string;
}

export interface Classified {
  outcome: ObservationOutcome;
  /** e.g. `403 Forbidden: secrets "x" is forbidden: User "..." cannot get resource ...` */
  result: string;
  /** Set when outcome is error. */
  error?: string;
  /** An explanation for the evidence notes (e.g. why a 404 counts as authorized). */
  note?: string;
}

/**
 * What the authorizer (and RBAC's escalation prevention) writes into a 403 Status.message:
 * `User "u" cannot <verb> resource "r" ...` / `User "u" cannot <verb> path "/p"` (the apiserver's
 * forbidden message for every authorizer: RBAC, Node, webhook), and
 * `user "u" (groups=[...]) is attempting to grant RBAC permissions not currently held` (RBAC
 * registry refusing an escalating Role/Binding).
 */
const QUOTED = String.raw`"(?:[^"\\]|\\.)*"`;
const AUTHORIZER_DENIAL = new RegExp(
  String.raw`\bUser ${QUOTED} cannot [a-z]+ (?:resource|path) "|\buser ${QUOTED} \(groups=.*\) is attempting to grant RBAC permissions not currently held`,
);
/**
 * The RBAC registry's own refusal besides escalation (pkg/registry/rbac/clusterrole/policybased): an
 * aggregationRule needs cluster-admin (`clusterroles... is forbidden: must have cluster-admin
 * privileges to use the aggregationRule`). Bind prevention words its refusal like escalation
 * prevention; a RoleBinding to a role it cannot resolve is a 404 (see bindAnswer).
 */
const RBAC_REGISTRY_DENIAL = new RegExp(
  String.raw`^clusterroles\.rbac\.authorization\.k8s\.io ${QUOTED} is forbidden: must have cluster-admin privileges to use the aggregationRule`,
);
/** Admission refusals that are not authorization (Pod Security, webhooks, policies, quota, limits, namespace lifecycle). */
const ADMISSION_DENIAL = /violates PodSecurity|admission webhook|denied the request|exceeded quota|failed quota|LimitRange|(?:minimum|maximum) \S+ usage per (?:Container|Pod|PersistentVolumeClaim) is|max limit to request ratio per|ValidatingAdmissionPolicy|unable to create new content in namespace .* because it is being terminated/i;
const POD_SECURITY_DENIAL = /\bviolates PodSecurity "[^"]*"/;
const DRY_RUN_REFUSAL = /dry ?run|dryRun/i;

export function statusLine(status: number): string {
  return `${status} ${STATUS_CODES[status] ?? 'Unknown'}`;
}

/** Message and reason of a Kubernetes Status body, or the first line of a text body. */
export function answerOf(status: number, body: unknown, text = ''): Answer {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const b = body as { kind?: unknown; message?: unknown; reason?: unknown };
    if (b.kind === 'Status') {
      const a: Answer = { status };
      if (typeof b.message === 'string') a.message = b.message;
      if (typeof b.reason === 'string') a.reason = b.reason;
      return a;
    }
    return { status };
  }
  const line = (typeof body === 'string' ? body : text).split('\n')[0]?.trim();
  return line ? { status, message: line.slice(0, 300) } : { status };
}

function withMessage(a: Answer): string {
  return a.message ? `${statusLine(a.status)}: ${a.message}` : statusLine(a.status);
}

function firstLine(m: string | undefined): string {
  const l = (m ?? '').split('\n')[0]?.trim() ?? '';
  return l ? l.slice(0, 200) : '(no message)';
}

/**
 * A 403 Status written by the API server's authorizer (impersonation included) or by RBAC itself:
 * escalation prevention, bind prevention, the aggregationRule check.
 */
export function isAuthorizerDenial(a: Answer): boolean {
  const m = a.message ?? '';
  return a.status === 403 && a.reason === 'Forbidden' && (AUTHORIZER_DENIAL.test(m) || RBAC_REGISTRY_DENIAL.test(m));
}

/** A 403 Status written by Pod Security admission. */
export function isPodSecurityDenial(a: Answer): boolean {
  return a.status === 403 && a.reason === 'Forbidden' && POD_SECURITY_DENIAL.test(a.message ?? '');
}

/**
 * Classifies the answer of a real attempt made for an authorization question.
 * - 101 (WebSocket upgrade) and 2xx: allowed.
 * - 404 for a named object, 409 AlreadyExists, 422 Invalid: the request got past authorization
 *   (those answers come after it), so authorization allowed it — said in a note.
 * - 403 Status (reason Forbidden) from authorization (the authorizer's "User .. cannot <verb>
 *   resource/path" message, impersonation) or from RBAC itself (escalation and bind prevention,
 *   the aggregationRule check): denied.
 * - 403 from admission (Pod Security, webhooks, quota): error: refused after authorization for
 *   another reason; the authorization verdict is not what is being asked.
 * - any other 403 (a proxy's HTML page, an empty body, a Status without the authorizer's message):
 *   error — a denial must be proven, not assumed.
 * - 401: error (identity not authenticated); 400 dry-run refusal, other 4xx, 5xx: error.
 */
export function classifyAuthz(a: Answer): Classified {
  const s = a.status;
  const result = withMessage(a);
  if (s === 101 || (s >= 200 && s < 300)) return { outcome: 'allowed', result };
  if (s === 401) return { outcome: 'error', result, error: 'identity not authenticated (401): the token or impersonation was not accepted' };
  if (s === 403) {
    const m = a.message ?? '';
    if (isAuthorizerDenial(a)) return { outcome: 'denied', result };
    if (a.reason === 'Forbidden' && ADMISSION_DENIAL.test(m)) {
      return { outcome: 'error', result, error: `refused by admission, not by authorization: ${m}` };
    }
    return { outcome: 'error', result, error: `403 not from the authorizer: ${firstLine(m)}` };
  }
  if (s === 404) {
    if (a.reason === 'NotFound' && a.message && !/could not find the requested resource/.test(a.message)) {
      return { outcome: 'allowed', result, note: 'authorized: the object does not exist (authorization is checked before the lookup)' };
    }
    return { outcome: 'error', result, error: `the API server does not serve this resource: ${result}` };
  }
  if (s === 409 && a.reason === 'AlreadyExists') {
    return { outcome: 'allowed', result, note: 'authorized: the object already exists (authorization is checked first)' };
  }
  if (s === 422) return { outcome: 'allowed', result, note: 'authorized: refused by validation, which runs after authorization' };
  if (s === 400 && DRY_RUN_REFUSAL.test(a.message ?? '')) {
    return { outcome: 'error', result, error: `dry-run refused (a webhook without dry-run support?): ${a.message}` };
  }
  if (s >= 500) return { outcome: 'error', result, error: `server error: ${result}` };
  return { outcome: 'error', result, error: `unexpected answer: ${result}` };
}

/**
 * Classifies a dry-run Pod create for the Pod Security question: only Pod Security's own 403
 * (`violates PodSecurity "<level>:<version>": ...`) is `denied`; 2xx is `allowed`. An authorizer 403
 * is an error (admission never exercised); any other admission refusal (webhook, policy, quota,
 * LimitRange, terminating namespace) or unexplained 403 is an error too: it says nothing about
 * Pod Security. The message always stays in the result (evidence).
 */
export function classifyAdmission(a: Answer): Classified {
  const s = a.status;
  const result = withMessage(a);
  if (s >= 200 && s < 300) return { outcome: 'allowed', result };
  if (s === 403) {
    const m = a.message ?? '';
    if (isPodSecurityDenial(a)) return { outcome: 'denied', result };
    if (isAuthorizerDenial(a)) return { outcome: 'error', result, error: `the identity may not create pods (authorization refused, admission not exercised): ${m}` };
    if (a.reason === 'Forbidden' && ADMISSION_DENIAL.test(m)) {
      return { outcome: 'error', result, error: `refused by admission but not by Pod Security (says nothing about Pod Security): ${m}` };
    }
    return { outcome: 'error', result, error: `403 not from Pod Security admission: ${firstLine(m)}` };
  }
  if (s === 401) return { outcome: 'error', result, error: 'identity not authenticated (401)' };
  if (s === 422) return { outcome: 'error', result, error: `the probe pod is invalid (fix the probe): ${a.message ?? ''}` };
  if (s === 400 && DRY_RUN_REFUSAL.test(a.message ?? '')) return { outcome: 'error', result, error: `dry-run refused: ${a.message}` };
  return { outcome: 'error', result, error: `unexpected answer: ${result}` };
}

/**
 * An impersonation of a group/uid/extra is answered only by a refusal that names it: the API server
 * authorizes the Impersonate-User first, and a refusal of that user means the asked header was never
 * checked (error, not denied). A denial naming neither is not proof either.
 */
export function scopeImpersonation(c: Classified, imp: { asked: 'groups' | 'uids' | 'userextras'; viaUser: string }): Classified {
  if (c.outcome !== 'denied') return c;
  const m = c.result;
  const names = (resource: string) => new RegExp(String.raw`cannot impersonate resource "${resource}(?:/[^"]*)?"`).test(m);
  if (names(imp.asked)) return c;
  if (names('users') || names('serviceaccounts')) {
    return {
      outcome: 'error',
      result: c.result,
      error: `the API server refused to impersonate user ${imp.viaUser}, which it checks first: the ${imp.asked} question was never asked (set asUser to a user this identity may impersonate)`,
    };
  }
  return { outcome: 'error', result: c.result, error: `a refusal that does not name ${imp.asked}: cannot tell` };
}

/**
 * What an allowed watch saw, without object contents: one "TYPE Kind namespace/name" per event
 * (a watch stream is one JSON event per line). Undefined when the text is not a watch stream.
 */
export function watchSummary(text: string, max = 20): string | undefined {
  const events: string[] = [];
  let total = 0;
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t) continue;
    let ev: { type?: unknown; object?: { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } } };
    try {
      ev = JSON.parse(t) as typeof ev;
    } catch {
      return undefined;
    }
    if (typeof ev.type !== 'string') return undefined;
    total++;
    if (events.length >= max) continue;
    const md = ev.object?.metadata ?? {};
    const name = typeof md.name === 'string' ? md.name : '?';
    const where = typeof md.namespace === 'string' ? `${md.namespace}/${name}` : name;
    const kind = typeof ev.object?.kind === 'string' ? ev.object.kind : 'object';
    events.push(`${ev.type} ${kind} ${where}`);
  }
  if (total === 0) return 'no event within the watch window';
  return `${total} event(s): ${events.join('; ')}${total > events.length ? `; ... ${total - events.length} more` : ''}`;
}

/**
 * A bind attempt answered 404 NotFound: the API server authorized the create, then RBAC's bind check
 * could not resolve the role to bind (v1.34 answers `rolebindings... "<role>" not found`): whether the
 * identity may bind it was never decided (error, never allowed).
 */
export function bindAnswer(c: Classified, a: Answer, role: string): Classified {
  if (a.status !== 404) return c;
  return { outcome: 'error', result: c.result, error: `the role to bind (${role}) does not exist: RBAC's bind check could not run, so it cannot tell` };
}
