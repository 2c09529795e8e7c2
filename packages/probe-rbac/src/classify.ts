import type { Answer, Classified } from '@isoproof/kube';
import { answerLine, firstLine, isAdmissionMessage, isAuthorizerDenial, isDryRunRefusal } from '@isoproof/kube';

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
  const result = answerLine(a);
  if (s === 101 || (s >= 200 && s < 300)) return { outcome: 'allowed', result };
  if (s === 401) return { outcome: 'error', result, error: 'identity not authenticated (401): the token or impersonation was not accepted' };
  if (s === 403) {
    const m = a.message ?? '';
    if (isAuthorizerDenial(a)) return { outcome: 'denied', result };
    if (a.reason === 'Forbidden' && isAdmissionMessage(m)) {
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
  if (s === 400 && isDryRunRefusal(a.message)) {
    return { outcome: 'error', result, error: `dry-run refused (a webhook without dry-run support?): ${a.message}` };
  }
  if (s >= 500) return { outcome: 'error', result, error: `server error: ${result}` };
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
