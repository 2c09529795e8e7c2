import type { Observation } from '@isoproof/core';
import type { Violation } from './pods';
import { VIOLATION_RULE, VIOLATION_RULES } from './pods';

/**
 * The rules a Pod Security refusal names: `... violates PodSecurity "restricted:latest": a (x), b (y)`
 * gives ["a (x)", "b (y)"]; [] when the text is not a Pod Security refusal.
 */
export function refusalRules(message: string): string[] {
  const m = /violates PodSecurity "[^"]*": (.*)$/s.exec(message);
  if (!m) return [];
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  const text = m[1]!;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '(') depth++;
    if (ch === ')') depth = Math.max(0, depth - 1);
    if (depth === 0 && ch === ',' && text[i + 1] === ' ') {
      out.push(cur.trim());
      cur = '';
      i++;
      continue;
    }
    cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** The Pod Security level a namespace enforces, as its labels say ("baseline:latest"; "privileged (no enforce label)"). */
export function enforcedLevel(labels: Record<string, string> | undefined): string {
  const level = labels?.['pod-security.kubernetes.io/enforce'];
  if (!level) return 'privileged (no enforce label; the cluster default applies)';
  return `${level}:${labels?.['pod-security.kubernetes.io/enforce-version'] ?? 'latest'}`;
}

/**
 * Judges one violating pod's answer against what the namespace enforces. A Pod Security refusal
 * counts when it names the pod's rule in any level's wording; a refusal for other rules is an error
 * of the probe pod only when the namespace's level does not explain it; an admitted pod under a level
 * weaker than restricted says so. The namespace's enforced level is named whenever it explains the
 * answer. Mutates and returns `o`.
 */
export function judgeViolation(v: Violation, o: Observation, namespace: string, enforced: string | undefined): Observation {
  const level = enforced ? ` (namespace ${namespace} enforces Pod Security ${enforced})` : '';
  const named = refusalRules(o.evidence.received ?? '');
  const said = /violates PodSecurity "([^"]*)"/.exec(o.evidence.received ?? '')?.[1];
  if (enforced) o.evidence.notes = [...(o.evidence.notes ?? []), `namespace ${namespace} enforces Pod Security ${enforced}`];
  if (o.outcome === 'denied' && named.length > 0 && !named.some((r) => VIOLATION_RULES[v].some((p) => r.startsWith(p)))) {
    o.outcome = 'error';
    o.error =
      enforced && !enforced.startsWith('restricted')
        ? `refused by Pod Security ${said ?? enforced} for ${named.join(', ')}, not for ${VIOLATION_RULE[v].replace(/ \($/, '')}${level}: the level, not the probe pod, decides which rules apply`
        : `refused for ${named.join(', ')} instead of ${VIOLATION_RULE[v].replace(/ \($/, '')}: fix the probe pod${level}`;
  } else if (o.outcome === 'allowed' && enforced && !enforced.startsWith('restricted')) {
    o.result = `${o.result}${level}`;
  } else if (o.outcome === 'denied' && said) {
    o.result = `${o.result} by PodSecurity ${said}`;
  }
  return o;
}

export function namespaceLabelObservation(ns: string, labels: Record<string, string> | undefined, level: string, modes: string[]): Observation {
  const missing = modes.filter((m) => labels?.[`pod-security.kubernetes.io/${m}`] !== level);
  const shown = modes.map((m) => `${m}=${labels?.[`pod-security.kubernetes.io/${m}`] ?? '(absent)'}`).join(', ');
  const version = labels?.['pod-security.kubernetes.io/enforce-version'];
  const notes = version && version !== 'latest' ? [`enforce-version pinned to ${version}`] : [];
  return {
    outcome: missing.length === 0 ? 'holds' : 'violated',
    result: missing.length === 0 ? `labelled ${level}` : `not ${level}: ${missing.join(', ')}`,
    evidence: { sent: `GET /api/v1/namespaces/${ns} (labels pod-security.kubernetes.io/*)`, received: shown, resources: [{ kind: 'Namespace', name: ns, apiVersion: 'v1' }], notes },
  };
}
