// What the source scanners (scan-*.ts) share: the object shape, scan options, JSON walking and the
// scan of one keyed value.
import type { ResourceRef } from '@isoproof/core';
import { defaultRedactor } from '@isoproof/core';
import type { Redactor } from '@isoproof/core';
import type { FoundSecret, SecretSource } from './findings';
import { toFound } from './findings';
import type { Dismissals } from './dismissals';
import { scanKeyValue } from './scan-text';

/** The parts of a Kubernetes object the scanners read. */
export interface K8sObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: unknown[];
  };
  [k: string]: unknown;
}

export interface ScanOptions {
  /** Restrict to these rule ids (default: all). */
  rules?: readonly string[];
  redactor?: Redactor;
  /** Tally of candidates looked at and dismissed (by reason), filled by the scan. */
  dismissed?: Dismissals;
}

/** The scan options passed to the rules: rule filter and dismissal tally. */
export function ruleOpts(opts: ScanOptions): { rules?: readonly string[]; dismissed?: Dismissals } {
  const o: { rules?: readonly string[]; dismissed?: Dismissals } = {};
  if (opts.rules) o.rules = opts.rules;
  if (opts.dismissed) o.dismissed = opts.dismissed;
  return o;
}

/** The object's kind, name, namespace and apiVersion as a report resource. */
export function refOf(obj: K8sObject, kindFallback = 'Object'): ResourceRef {
  const ref: ResourceRef = { kind: obj.kind ?? kindFallback, name: obj.metadata?.name ?? '' };
  if (obj.metadata?.namespace) ref.namespace = obj.metadata.namespace;
  if (obj.apiVersion) ref.apiVersion = obj.apiVersion;
  return ref;
}

/** A plain JSON object (not null, not an array). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Calls `fn` for every string leaf of a JSON value with its path. Bounded depth and count. */
export function walkStrings(
  value: unknown,
  fn: (path: Array<string | number>, value: string) => void,
  path: Array<string | number> = [],
  budget = { left: 20_000 },
): void {
  if (budget.left-- <= 0 || path.length > 64) return;
  if (typeof value === 'string') {
    fn(path, value);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => walkStrings(v, fn, [...path, i], budget));
  } else if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) walkStrings(v, fn, [...path, k], budget);
  }
}

/** The last object key of a JSON path (array indexes skipped); '' when none. */
export function lastKey(path: Array<string | number>): string {
  for (let i = path.length - 1; i >= 0; i--) {
    const p = path[i];
    if (typeof p === 'string') return p;
  }
  return '';
}

/** Scans a keyed string; multi-line values get line numbers in their location. */
export function scanLeaf(
  key: string,
  value: string,
  at: { resource: ResourceRef; source: SecretSource; path: string },
  opts: ScanOptions,
): FoundSecret[] {
  const hits = scanKeyValue(key, value, ruleOpts(opts));
  return toFound(hits, { ...at, multiline: value.includes('\n') }, opts.redactor ?? defaultRedactor);
}

/** Base64 text decoded as UTF-8; undefined when it is not base64. */
export function decodeB64Text(v: string): string | undefined {
  const s = v.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return undefined;
  return Buffer.from(s, 'base64').toString('utf8');
}
