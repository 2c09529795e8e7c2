import type { Evidence, Observation } from '@isoproof/core';
import { defaultRedactor } from '@isoproof/core';
import type { Classified, KubeHandle } from '@isoproof/kube';
import { answerOf, rawRequest, statusLine } from '@isoproof/kube';
import { bindAnswer, classifyAuthz, scopeImpersonation, watchSummary } from './classify';
import type { RequestAttributes } from './explain';
import type { PlannedRequest } from './planned-request';
import { queryString, spdyVariant } from './planned-request';
import { perform } from './transport';

export interface SsarResult {
  /** allowed / denied as SelfSubjectAccessReview said; unknown when the review itself failed. */
  verdict: 'allowed' | 'denied' | 'unknown';
  reason: string;
}

export interface AttemptResult {
  observation: Observation;
  ssar: SsarResult;
  /** SSAR and the real attempt disagree (both gave a verdict). */
  disagreement: boolean;
  plan: PlannedRequest;
}

function describeAttrs(a: RequestAttributes): string {
  const r = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const g = a.group ? `.${a.group}` : '';
  return `${a.verb} ${r}${g}${a.name ? ` "${a.name}"` : ''}${a.namespace ? ` in ${a.namespace}` : ''}`;
}

/**
 * One verdict for a streaming subresource tried both ways (WebSocket GET, SPDY POST): reachable
 * (allowed) when either upgrade was accepted; denied only when both were refused by authorization;
 * otherwise the probe cannot tell (error).
 */
export function combineUpgrades(ws: Classified, spdy: Classified): Classified {
  const both = `WebSocket: ${ws.result.split('\n')[0]} | SPDY: ${spdy.result.split('\n')[0]}`;
  const notes = [ws.note, spdy.note].filter((n): n is string => Boolean(n));
  const withNotes = (c: Classified, extra: string): Classified => ({ ...c, note: [...notes, extra].join('; ') });
  if (ws.outcome === 'allowed') return withNotes({ ...ws }, `SPDY form: ${spdy.result}`);
  if (spdy.outcome === 'allowed') return withNotes({ ...spdy, result: `${spdy.result} (SPDY upgrade; the WebSocket form answered ${ws.result.split(': ')[0]})` }, `WebSocket form: ${ws.result}`);
  if (ws.outcome === 'denied' && spdy.outcome === 'denied') return withNotes({ ...ws }, `SPDY form also refused: ${spdy.result}`);
  const bad = ws.outcome === 'error' ? ws : spdy;
  return { outcome: 'error', result: bad.result, error: `${bad.error ?? 'no verdict'} (${both})`, ...(notes.length ? { note: notes.join('; ') } : {}) };
}

/** Asks the API server, as the identity, whether it may do `a` (SelfSubjectAccessReview). */
export async function selfSubjectAccessReview(kube: KubeHandle, a: RequestAttributes): Promise<SsarResult> {
  const resourceAttributes: Record<string, string> = { verb: a.verb, group: a.group, resource: a.resource };
  if (a.subresource) resourceAttributes.subresource = a.subresource;
  if (a.name) resourceAttributes.name = a.name;
  if (a.namespace) resourceAttributes.namespace = a.namespace;
  try {
    const r = await rawRequest(kube, {
      method: 'POST',
      path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes } },
      timeoutMs: 10_000,
    });
    if (r.status !== 201 && r.status !== 200) {
      const ans = answerOf(r.status, r.body, r.text);
      return { verdict: 'unknown', reason: `SelfSubjectAccessReview refused: ${statusLine(r.status)}${ans.message ? `: ${ans.message}` : ''}` };
    }
    const st = (r.body as { status?: { allowed?: boolean; denied?: boolean; reason?: string; evaluationError?: string } }).status ?? {};
    const why = [st.reason, st.evaluationError].filter(Boolean).join('; ');
    return { verdict: st.allowed ? 'allowed' : 'denied', reason: why || (st.allowed ? 'allowed' : 'no rule allows it') };
  } catch (e) {
    return { verdict: 'unknown', reason: `SelfSubjectAccessReview failed: ${(e as Error).message}` };
  }
}

/**
 * Makes one attempt for real as the identity behind `kube`, and the SelfSubjectAccessReview of the
 * same attributes. The real attempt decides; a disagreement is written into the evidence notes.
 * Never throws: a transport failure is an `error` observation.
 */
export async function runAttempt(kube: KubeHandle, plan: PlannedRequest, who: string, opts: { ssar?: boolean } = {}): Promise<AttemptResult> {
  const spdy = spdyVariant(plan);
  const variants = spdy ? [plan, spdy] : [plan];
  const describe = (p: PlannedRequest) =>
    `${p.method} ${p.path}${queryString(p.query)} as ${who}${p.upgrade ? (p.upgrade.kind === 'spdy' ? ' (SPDY upgrade)' : ' (WebSocket upgrade)') : ''}${p.dryRun ? ' (server-side dry-run)' : ''}${p.headers ? ` with ${Object.entries(p.headers).map(([k, v]) => `${k}: ${v}`).join(', ')}` : ''}`;
  const sent = variants.map(describe).join(' ; and ');
  const [answers, ssar] = await Promise.all([
    Promise.all(
      variants.map((v) =>
        perform(kube, v).then(
          (w) => ({ ok: true as const, w }),
          (e: unknown) => ({ ok: false as const, e }),
        ),
      ),
    ),
    opts.ssar === false ? Promise.resolve<SsarResult>({ verdict: 'unknown', reason: 'not asked' }) : selfSubjectAccessReview(kube, plan.ssar),
  ]);
  const classified = answers.map((real): Classified => {
    if (!real.ok) {
      const msg = (real.e as Error)?.message ?? String(real.e);
      return { outcome: 'error', result: 'transport-error', error: `transport failure: ${msg}` };
    }
    // Token requests answer with a token: never let it reach evidence.
    const tok = (real.w.body as { status?: { token?: unknown } } | undefined)?.status?.token;
    if (typeof tok === 'string' && tok) defaultRedactor.register(tok);
    const answer = answerOf(real.w.status, real.w.body, real.w.text);
    let c = classifyAuthz(answer);
    if (plan.impersonation) c = scopeImpersonation(c, plan.impersonation);
    if (plan.bindRole) c = bindAnswer(c, answer, plan.bindRole);
    if (plan.watch && c.outcome === 'allowed') {
      // object contents never reach the evidence: event types and object names only
      const seen = watchSummary(real.w.text) ?? 'a watch stream (not shown)';
      c = { ...c, result: `${statusLine(real.w.status)}: ${seen}` };
    }
    return c;
  });
  const latencies = answers.flatMap((a) => (a.ok ? [a.w.latencyMs] : []));
  const latencyMs = latencies.length ? Math.max(...latencies) : undefined;
  const c = variants.length === 1 ? classified[0]! : combineUpgrades(classified[0]!, classified[1]!);
  const notes: string[] = [];
  if (c.note) notes.push(c.note);
  if (plan.note) notes.push(plan.note);
  notes.push(`SelfSubjectAccessReview (${describeAttrs(plan.ssar)}): ${ssar.verdict} — ${ssar.reason}`);
  const realVerdict = c.outcome === 'allowed' || c.outcome === 'denied' ? c.outcome : undefined;
  const disagreement = realVerdict !== undefined && ssar.verdict !== 'unknown' && ssar.verdict !== realVerdict;
  if (disagreement) {
    notes.push(`DISAGREEMENT: SelfSubjectAccessReview said ${ssar.verdict}; the real attempt was ${realVerdict} (${c.result.split(':')[0]}) — the real attempt decides`);
  }
  const evidence: Evidence = { sent, received: c.result.slice(0, 600), resources: [plan.target], notes };
  const observation: Observation = { outcome: c.outcome, result: c.result.split(': ')[0] ?? c.result, evidence: defaultRedactor.scrub(evidence) };
  if (latencyMs !== undefined) observation.latencyMs = latencyMs;
  if (c.error) observation.error = defaultRedactor.redactText(c.error);
  return { observation, ssar, disagreement, plan };
}
