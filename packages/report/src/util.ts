import type { Check, CheckResult, Observation, ResourceRef, Verdict } from '@isoproof/core';

export const VERDICT_ICON: Record<Verdict, string> = { PASS: '✅', FAIL: '❌', INCONCLUSIVE: '⚠️' };
export const WAIVED_ICON = '🟡';

/** Seconds with one decimal: 1234 -> "1.2 s". */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function describeObservation(o: Observation | undefined): string {
  if (!o) return '—';
  return o.result && o.result !== o.outcome ? `${o.outcome} (${o.result})` : o.outcome;
}

/** Every resource named in a check's evidence (observation and control), de-duplicated. */
export function checkResources(checks: Check[]): ResourceRef[] {
  const seen = new Set<string>();
  const out: ResourceRef[] = [];
  for (const c of checks) {
    for (const r of [...(c.observation.evidence.resources ?? []), ...(c.control?.evidence.resources ?? [])]) {
      const k = resourceUri(r);
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(r);
    }
  }
  return out;
}

/** `k8s://namespace/kind/name`; cluster-scoped objects use the namespace `_cluster`. */
export function resourceUri(r: ResourceRef): string {
  const seg = (s: string) => encodeURIComponent(s);
  return `k8s://${seg(r.namespace ?? '_cluster')}/${seg(r.kind)}/${seg(r.name)}`;
}

export function resourceText(r: ResourceRef): string {
  return r.namespace ? `${r.kind} ${r.namespace}/${r.name}` : `${r.kind} ${r.name}`;
}

/** A check's reason without the leading `<check id>: ` (for places that show the id already). */
export function checkReason(c: Pick<CheckResult, 'id' | 'reason'>): string {
  return c.reason.startsWith(`${c.id}: `) ? c.reason.slice(c.id.length + 2) : c.reason;
}
