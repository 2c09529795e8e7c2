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

const RBAC_DENIAL = /cannot [a-z]+ resource|cannot impersonate|attempting to grant RBAC permissions not currently held|is forbidden: User ".*" cannot/;
const ADMISSION_DENIAL = /violates PodSecurity|admission webhook|denied the request|exceeded quota|LimitRange|ValidatingAdmissionPolicy/i;
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

/**
 * Classifies the answer of a real attempt made for an authorization question.
 * - 101 (WebSocket upgrade) and 2xx: allowed.
 * - 404 for a named object, 409 AlreadyExists, 422 Invalid: the request got past authorization
 *   (those answers come after it), so authorization allowed it — said in a note.
 * - 403 from authorization (RBAC message, escalation prevention, impersonation): denied.
 * - 403 from admission (Pod Security, webhooks, quota): error: refused after authorization for
 *   another reason; the authorization verdict is not what is being asked.
 * - 401: error (identity not authenticated); 400 dry-run refusal, other 4xx, 5xx: error.
 */
export function classifyAuthz(a: Answer): Classified {
  const s = a.status;
  const result = withMessage(a);
  if (s === 101 || (s >= 200 && s < 300)) return { outcome: 'allowed', result };
  if (s === 401) return { outcome: 'error', result, error: 'identity not authenticated (401): the token or impersonation was not accepted' };
  if (s === 403) {
    const m = a.message ?? '';
    if (RBAC_DENIAL.test(m)) return { outcome: 'denied', result };
    if (ADMISSION_DENIAL.test(m)) {
      return { outcome: 'error', result, error: `refused by admission, not by authorization: ${m}` };
    }
    return { outcome: 'denied', result };
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
 * Classifies a dry-run Pod create for the admission question: a Pod Security (or other admission)
 * 403 is `denied`; an RBAC 403 is an error (admission was never exercised); 2xx is `allowed`.
 */
export function classifyAdmission(a: Answer): Classified {
  const s = a.status;
  const result = withMessage(a);
  if (s >= 200 && s < 300) return { outcome: 'allowed', result };
  if (s === 403) {
    const m = a.message ?? '';
    if (/violates PodSecurity/.test(m) || (ADMISSION_DENIAL.test(m) && !RBAC_DENIAL.test(m))) return { outcome: 'denied', result };
    return { outcome: 'error', result, error: `the identity may not create pods (authorization refused, admission not exercised): ${m}` };
  }
  if (s === 401) return { outcome: 'error', result, error: 'identity not authenticated (401)' };
  if (s === 422) return { outcome: 'error', result, error: `the probe pod is invalid (fix the probe): ${a.message ?? ''}` };
  if (s === 400 && DRY_RUN_REFUSAL.test(a.message ?? '')) return { outcome: 'error', result, error: `dry-run refused: ${a.message}` };
  return { outcome: 'error', result, error: `unexpected answer: ${result}` };
}
