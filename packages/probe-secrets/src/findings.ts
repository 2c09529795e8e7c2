import type { ResourceRef } from '@isoproof/core';
import { defaultRedactor } from '@isoproof/core';
import type { Redactor, ReportSection } from '@isoproof/core';
import type { RuleMatch, Severity } from './rules';

/** Where a finding was seen. */
export type SecretSource = 'configmap' | 'env' | 'annotation' | 'log' | 'helm';

export const SECRET_SOURCES: readonly SecretSource[] = ['configmap', 'env', 'annotation', 'log', 'helm'] as const;

/**
 * A leaked secret as reported: rule id, location (JSON path or log line), keyed hash of the value.
 * Never the value.
 */
export interface SecretFinding {
  rule: string;
  severity: Severity;
  source: SecretSource;
  /** e.g. `configmap/ns/name:data.DB_PASSWORD` or `pod/ns/name:log[app] line 12`. */
  location: string;
  /** Keyed hash of the value (core redactor `hash`): lets readers correlate, never reveals. */
  hash: string;
  resource: ResourceRef;
  /** Set for log findings and multi-line values. */
  line?: number;
  /** Set by the live-token check: TokenReview said the token authenticates. */
  live?: boolean;
}

/** A finding with its value, kept in memory only (TokenReview needs the token). */
export interface FoundSecret {
  finding: SecretFinding;
  value: string;
}

/** `data.DB_PASSWORD`, `data["app.properties"]`, `containers[0].env[1].value`. */
export function jsonPath(segments: Array<string | number>): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** `configmap/ns/name` (kind lower-cased). */
export function resourceLocation(ref: ResourceRef): string {
  return [ref.kind.toLowerCase(), ref.namespace, ref.name].filter((x) => x !== undefined && x !== '').join('/');
}

/**
 * Turns rule matches at `path` of `resource` into found secrets: every value is registered with the
 * redactor (so no writer can print it) and hashed.
 */
export function toFound(
  matches: RuleMatch[],
  o: { resource: ResourceRef; source: SecretSource; path: string; multiline?: boolean; lineOffset?: number },
  redactor: Redactor = defaultRedactor,
): FoundSecret[] {
  return matches.map((m) => {
    redactor.register(m.value);
    const line = (o.lineOffset ?? 0) + m.line;
    let location = `${resourceLocation(o.resource)}:${o.path}`;
    const finding: SecretFinding = {
      rule: m.rule,
      severity: m.severity,
      source: o.source,
      location,
      hash: redactor.hash(m.value),
      resource: o.resource,
    };
    if (o.source === 'log' || (o.multiline && line > 1)) {
      location += ` line ${line}`;
      finding.location = location;
      finding.line = line;
    }
    return { finding, value: m.value };
  });
}

/** One line per finding: `rule at location (hash)`. */
export function describeFinding(f: SecretFinding): string {
  return `${f.rule} [${f.severity}${f.live ? ', LIVE' : ''}] at ${f.location} (${f.hash})`;
}

/** The findings table of the report: location, rule, severity, keyed hash; never a value. */
export function findingsSection(findings: SecretFinding[]): ReportSection {
  return {
    type: 'table',
    title: 'Secret findings',
    columns: ['location', 'rule', 'severity', 'value hash', 'live'],
    rows: findings.map((f) => [f.location, f.rule, f.severity, f.hash, f.live ? 'LIVE' : f.rule === 'kubernetes-serviceaccount-token' ? 'not checked or not live' : '']),
    note: 'values are never shown; the hash is a keyed HMAC of the value',
  };
}
