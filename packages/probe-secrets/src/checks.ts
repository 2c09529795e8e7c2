import type { Check, Observation, ResourceRef } from '@isoproof/core';
import type { FoundSecret, SecretFinding, SecretSource } from './findings';
import { describeFinding, resourceLocation } from './findings';
import type { K8sObject } from './sources';
import type { Dismissals } from './dismissals';
import { describeDismissals } from './dismissals';
import { refOf } from './sources';

/** One scanned place (an object for one source, or one container log) and what was found there. */
export interface ScanUnit {
  source: SecretSource;
  resource: ResourceRef;
  /** Sub-part scanned, e.g. a container name for logs. */
  part?: string;
  /** What the probe read, e.g. "GET /api/v1/namespaces/x/configmaps (3 keys)". */
  sent: string;
  found: FoundSecret[];
  /** Set when the unit could not be read (then the check is an error). */
  error?: string;
  /** Set when the unit was skipped on purpose (e.g. a container not started): no check. */
  skipped?: string;
  /** Candidates under secret-named keys that were looked at and dismissed, by reason. */
  dismissed?: Dismissals;
}

export function unitId(u: Pick<ScanUnit, 'source' | 'resource' | 'part'>): string {
  return `${u.source} ${resourceLocation(u.resource)}${u.part ? `[${u.part}]` : ''}`;
}

/** A property check per scanned unit: holds when nothing was found, violated with every finding. */
export function scanCheck(u: ScanUnit): Check {
  const id = unitId(u);
  if (u.error) {
    return {
      id,
      expect: 'holds',
      observation: { outcome: 'error', result: 'read failed', error: u.error, evidence: { sent: u.sent, resources: [u.resource] } },
    };
  }
  const findings = u.found.map((f) => f.finding);
  const dismissed = describeDismissals(u.dismissed);
  const observation: Observation =
    findings.length === 0
      ? { outcome: 'holds', result: 'no secret found', evidence: { sent: u.sent, received: 'no finding', resources: [u.resource], ...(dismissed ? { notes: [dismissed] } : {}) } }
      : {
          outcome: 'violated',
          result: `${findings.length} secret(s) found: ${[...new Set(findings.map((f) => `${f.rule} [${f.severity}]`))].join(', ')}`,
          evidence: {
            sent: u.sent,
            received: findings.map(describeFinding).join('; '),
            resources: [u.resource],
            notes: [...findings.map(describeFinding), ...(dismissed ? [dismissed] : [])],
            findings: findings.map((f) => ({ rule: f.rule, severity: f.severity, resource: f.resource, path: f.location.slice(f.location.indexOf(':') + 1), hash: f.hash })),
          },
        };
  return { id, expect: 'holds', observation };
}

/** TokenReview verdict for one found ServiceAccount JWT. */
export interface TokenReviewResult {
  authenticated: boolean;
  /** The username TokenReview returned (system:serviceaccount:ns:name), never secret. */
  username?: string;
  /** TokenReview's error text (e.g. "token has been invalidated"). */
  reason?: string;
  /** HTTP status when the review itself failed. */
  status?: number;
  error?: string;
}

/** A live-token check: holds when TokenReview rejects the token, violated (critical) when it authenticates. */
export function liveTokenCheck(found: FoundSecret[], review: TokenReviewResult): Check {
  const first = found[0];
  if (!first) throw new Error('liveTokenCheck needs at least one finding');
  const where = found.map((f) => f.finding.location);
  const id = `token ${first.finding.hash}`;
  const evidence = {
    sent: 'POST /apis/authentication.k8s.io/v1/tokenreviews (as the admin handle)',
    resources: dedupeRefs(found.map((f) => f.finding.resource)),
    notes: where.map((w) => `seen at ${w}`),
  };
  if (review.error) {
    return { id, expect: 'holds', observation: { outcome: 'error', result: 'TokenReview failed', error: review.error, evidence } };
  }
  if (review.authenticated) {
    for (const f of found) f.finding.live = true;
    return {
      id,
      expect: 'holds',
      observation: {
        outcome: 'violated',
        result: `LIVE token (critical): authenticates as ${review.username ?? 'unknown'}`,
        evidence: { ...evidence, received: `status.authenticated=true user=${review.username ?? '?'}` },
      },
    };
  }
  return {
    id,
    expect: 'holds',
    observation: {
      outcome: 'holds',
      result: 'token not accepted by TokenReview',
      evidence: { ...evidence, received: `status.authenticated=false${review.reason ? ` error=${review.reason}` : ''}` },
    },
  };
}

export function dedupeRefs(refs: ResourceRef[]): ResourceRef[] {
  const seen = new Map<string, ResourceRef>();
  for (const r of refs) seen.set(resourceLocation(r), r);
  return [...seen.values()];
}

/** Whether a pod spec carries a ServiceAccount token volume, and which. */
export function tokenVolumes(pod: K8sObject): string[] {
  const spec = pod['spec'] as { volumes?: unknown[] } | undefined;
  const out: string[] = [];
  for (const v of spec?.volumes ?? []) {
    const vol = v as { name?: string; projected?: { sources?: Array<Record<string, unknown>> } };
    const sources = vol.projected?.sources ?? [];
    if (sources.some((s) => s && typeof s === 'object' && 'serviceAccountToken' in s)) out.push(vol.name ?? '?');
  }
  return out;
}

/**
 * Automount check of one pod: violated when a token volume is present and its ServiceAccount is not
 * one that needs the API. Evidence names the pod and SA settings and the volume.
 */
export function automountCheck(pod: K8sObject, sa: K8sObject | undefined, needsApi: readonly string[]): Check {
  const ref = refOf(pod, 'Pod');
  const spec = (pod['spec'] ?? {}) as { serviceAccountName?: string; automountServiceAccountToken?: boolean };
  const saName = spec.serviceAccountName ?? 'default';
  const podSetting = spec.automountServiceAccountToken;
  const saSetting = sa ? (sa['automountServiceAccountToken'] as boolean | undefined) : undefined;
  const vols = tokenVolumes(pod);
  const needs = needsApi.includes(saName);
  const notes = [
    `pod spec.automountServiceAccountToken=${podSetting === undefined ? 'unset' : String(podSetting)}`,
    `serviceaccount ${ref.namespace ?? ''}/${saName} automountServiceAccountToken=${saSetting === undefined ? 'unset' : String(saSetting)}`,
    vols.length ? `token volume(s) present: ${vols.join(', ')} (projected serviceAccountToken)` : 'no token volume',
    needs ? `${saName} is listed as needing the API` : `${saName} is not listed as needing the API`,
  ];
  const resources: ResourceRef[] = [ref, { kind: 'ServiceAccount', name: saName, ...(ref.namespace ? { namespace: ref.namespace } : {}) }];
  const mounted = vols.length > 0;
  const violated = mounted && !needs;
  return {
    id: `automount ${resourceLocation(ref)}`,
    expect: 'holds',
    observation: {
      outcome: violated ? 'violated' : 'holds',
      result: violated ? `token mounted but ${saName} needs no API access` : mounted ? 'token mounted; the ServiceAccount needs the API' : 'no token mounted',
      evidence: { sent: `GET /api/v1/namespaces/${ref.namespace ?? ''}/pods/${ref.name}`, received: notes.slice(0, 3).join('; '), resources, notes },
    },
  };
}

/** The result of one real request made as a ServiceAccount, as an observation. */
export function accessObservation(o: { sent: string; status?: number; reason?: string; error?: string; resources: ResourceRef[]; note?: string }): Observation {
  const evidence = { sent: o.sent, resources: o.resources, ...(o.note ? { notes: [o.note] } : {}) };
  if (o.error !== undefined || o.status === undefined) {
    return { outcome: 'error', result: 'request failed', error: o.error ?? 'no status', evidence };
  }
  const received = `${o.status}${o.reason ? ` ${o.reason}` : ''}`;
  if (o.status >= 200 && o.status < 300) return { outcome: 'allowed', result: received, evidence: { ...evidence, received } };
  if (o.status === 403) return { outcome: 'denied', result: received, evidence: { ...evidence, received } };
  return { outcome: 'error', result: received, error: `unexpected HTTP ${received}`, evidence: { ...evidence, received } };
}

export type { SecretFinding };
