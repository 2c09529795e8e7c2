import type { Criterion, Observation, ProbeFamily } from '@isoproof/core';
import { defaultRedactor } from '@isoproof/core';
import type { ActorIdentity, KubeHandle } from '@isoproof/kube';
import { answerOf, defineProbeFamily, describeIdentity, identityKey, rawRequest, validateIdentity } from '@isoproof/kube';
import { classifyAdmission } from './classify';
import { enforcedLevel, judgeViolation, namespaceLabelObservation } from './pod-security';
import type { ProbePod, Violation } from './pods';
import { compliantPod, VIOLATION_TEXT, VIOLATIONS, violatingPod } from './pods';

/**
 * 'admission' criteria.
 *
 * check: restricted-pods — as `identity`, server-side dry-run create, in `namespace`, one pod per
 *   violation of the restricted profile: each must be refused by Pod Security admission; the compliant
 *   pod (same identity, same namespace) must be admitted: it is the control of every check.
 * check: namespace-label — `namespaces` carry pod-security.kubernetes.io/<mode>=<level> for each mode
 *   (default enforce=restricted). Read as the harness (a property of the cluster, not of an identity).
 */
export interface RestrictedPodsSpec {
  check: 'restricted-pods';
  identity: ActorIdentity;
  namespace: string;
  violations?: Violation[];
  image?: string;
}
export interface NamespaceLabelSpec {
  check: 'namespace-label';
  namespaces: string[];
  level?: 'restricted' | 'baseline';
  modes?: Array<'enforce' | 'audit' | 'warn'>;
}
export type AdmissionSpec = RestrictedPodsSpec | NamespaceLabelSpec;

export function validateAdmissionSpec(c: Criterion): string[] {
  const s = c.spec;
  if (s.check === 'restricted-pods') {
    const errs = validateIdentity(s.identity, 'identity');
    if (typeof s.namespace !== 'string' || !s.namespace) errs.push('namespace: required');
    if (s.violations !== undefined) {
      if (!Array.isArray(s.violations) || s.violations.length === 0) errs.push('violations: a non-empty list');
      else for (const v of s.violations) if (!VIOLATIONS.includes(v as Violation)) errs.push(`violations: unknown ${JSON.stringify(v)} (known: ${VIOLATIONS.join(', ')})`);
    }
    return errs;
  }
  if (s.check === 'namespace-label') {
    const errs: string[] = [];
    if (!Array.isArray(s.namespaces) || s.namespaces.length === 0 || !s.namespaces.every((n) => typeof n === 'string' && n)) errs.push('namespaces: a non-empty list of names');
    if (s.level !== undefined && s.level !== 'restricted' && s.level !== 'baseline') errs.push('level: restricted or baseline');
    if (s.modes !== undefined && (!Array.isArray(s.modes) || !s.modes.every((m) => ['enforce', 'audit', 'warn'].includes(m as string)))) errs.push('modes: a list of enforce, audit, warn');
    return errs;
  }
  return [`check: must be restricted-pods or namespace-label (got ${JSON.stringify(s.check)})`];
}

async function dryRunCreate(kube: KubeHandle, pod: ProbePod, who: string): Promise<Observation> {
  const path = `/api/v1/namespaces/${pod.metadata.namespace}/pods`;
  const sent = `POST ${path}?dryRun=All as ${who}: pod ${pod.metadata.name}`;
  const started = Date.now();
  try {
    const r = await rawRequest(kube, { method: 'POST', path, query: { dryRun: 'All' }, body: pod, timeoutMs: 15_000 });
    const c = classifyAdmission(answerOf(r.status, r.body, r.text));
    const o: Observation = { outcome: c.outcome, result: c.result.split(': ')[0] ?? c.result, latencyMs: Date.now() - started, evidence: defaultRedactor.scrub({ sent, received: c.result.slice(0, 600), resources: [{ kind: 'Pod', name: pod.metadata.name, namespace: pod.metadata.namespace, apiVersion: 'v1' }] }) };
    if (c.error) o.error = c.error;
    return o;
  } catch (e) {
    return { outcome: 'error', result: 'transport-error', error: `transport failure: ${(e as Error).message}`, evidence: { sent } };
  }
}

/** The 'admission' probe family: Pod Security admission, asked with real dry-run creates as the tenant. */
export function admissionFamily(): ProbeFamily {
  return defineProbeFamily({
    kind: 'admission',
    validateSpec: validateAdmissionSpec,
    async run(criteria, ctx, out) {
      const rows: string[][] = [];
      for (const c of criteria) {
        const s = c.spec as unknown as AdmissionSpec;
        const checks = out.checks(c.id);
        if (s.check === 'namespace-label') {
          const level = s.level ?? 'restricted';
          const modes = s.modes ?? ['enforce'];
          for (const ns of s.namespaces) {
            const r = await rawRequest(out.kube, { method: 'GET', path: `/api/v1/namespaces/${ns}`, timeoutMs: 10_000 }).catch((e: unknown) => e as Error);
            let obs: Observation;
            if (r instanceof Error || r.status !== 200) {
              const why = r instanceof Error ? r.message : `${r.status} ${answerOf(r.status, r.body, r.text).message ?? ''}`;
              obs = { outcome: 'error', result: 'unreadable', error: `cannot read namespace ${ns}: ${why}`, evidence: { sent: `GET /api/v1/namespaces/${ns}` } };
            } else {
              obs = namespaceLabelObservation(ns, (r.body as { metadata?: { labels?: Record<string, string> } }).metadata?.labels, level, modes);
            }
            checks.push({ id: `namespace ${ns} pod-security ${modes.join('+')}=${level}`, expect: 'holds', observation: obs });
            rows.push([c.id, `namespace ${ns}`, obs.outcome, obs.evidence.received ?? obs.error ?? '']);
          }
          continue;
        }
        const who = describeIdentity(s.identity);
        let handle: KubeHandle;
        try {
          handle = await out.identities.get(s.identity);
        } catch (e) {
          const o: Observation = { outcome: 'error', result: 'no-identity', error: `cannot act as ${who}: ${(e as Error).message}`, evidence: { sent: `act as ${who}` } };
          checks.push({ id: 'identity', expect: 'denied', observation: o });
          continue;
        }
        const nsRead = await rawRequest(out.kube, { method: 'GET', path: `/api/v1/namespaces/${s.namespace}`, timeoutMs: 10_000 }).catch(() => undefined);
        const enforced = nsRead?.status === 200 ? enforcedLevel((nsRead.body as { metadata?: { labels?: Record<string, string> } }).metadata?.labels) : undefined;
        const base = `isoproof-psa-${ctx.run.id}`;
        const control = await dryRunCreate(handle, compliantPod(`${base}-compliant`, s.namespace, ctx.run.id, s.image), who);
        const minted = out.identities.tokenNotes.get(identityKey(s.identity));
        if (minted) control.evidence.notes = [...(control.evidence.notes ?? []), minted];
        rows.push([c.id, 'compliant pod (control)', control.outcome, control.evidence.received ?? '']);
        const list = s.violations ?? [...VIOLATIONS];
        const obs = await Promise.all(
          list.map((v) => dryRunCreate(handle, violatingPod(v, `${base}-${v.toLowerCase()}`, s.namespace, ctx.run.id, s.image), who)),
        );
        list.forEach((v, i) => {
          const o = obs[i]!;
          o.evidence.notes = [...(o.evidence.notes ?? []), `breaks exactly one rule: ${VIOLATION_TEXT[v]}`];
          judgeViolation(v, o, s.namespace, enforced);
          if (minted) o.evidence.notes = [...(o.evidence.notes ?? []), minted];
          checks.push({ id: `${s.namespace}: pod with ${VIOLATION_TEXT[v]}`, expect: 'denied', observation: o, control });
          rows.push([c.id, VIOLATION_TEXT[v], o.outcome, o.evidence.received ?? o.error ?? '']);
        });
      }
      out.section({
        type: 'table',
        title: 'Pod Security admission (server-side dry-run as the tenant)',
        columns: ['criterion', 'pod / namespace', 'observed', 'API server answer'],
        rows,
        note: 'Every violating pod breaks exactly one rule of the restricted profile; the compliant pod is the control.',
      });
    },
  });
}
