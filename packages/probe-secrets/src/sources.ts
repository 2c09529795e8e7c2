import { gunzipSync } from 'node:zlib';
import type { ResourceRef } from '@isoproof/core';
import { IsoproofError, defaultRedactor } from '@isoproof/core';
import type { Redactor } from '@isoproof/core';
import { parseAllDocuments } from 'yaml';
import { isEncryptedByDesign, isStructuralKey } from './allowlist';
import type { FoundSecret, SecretSource } from './findings';
import { jsonPath, toFound } from './findings';
import type { Dismissals } from './rules';
import { scanKeyValue, scanText } from './rules';

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
function ruleOpts(opts: ScanOptions): { rules?: readonly string[]; dismissed?: Dismissals } {
  const o: { rules?: readonly string[]; dismissed?: Dismissals } = {};
  if (opts.rules) o.rules = opts.rules;
  if (opts.dismissed) o.dismissed = opts.dismissed;
  return o;
}

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

export function refOf(obj: K8sObject, kindFallback = 'Object'): ResourceRef {
  const ref: ResourceRef = { kind: obj.kind ?? kindFallback, name: obj.metadata?.name ?? '' };
  if (obj.metadata?.namespace) ref.namespace = obj.metadata.namespace;
  if (obj.apiVersion) ref.apiVersion = obj.apiVersion;
  return ref;
}

function isRecord(v: unknown): v is Record<string, unknown> {
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

function lastKey(path: Array<string | number>): string {
  for (let i = path.length - 1; i >= 0; i--) {
    const p = path[i];
    if (typeof p === 'string') return p;
  }
  return '';
}

/** Scans a keyed string; multi-line values get line numbers in their location. */
function scanLeaf(
  key: string,
  value: string,
  at: { resource: ResourceRef; source: SecretSource; path: string },
  opts: ScanOptions,
): FoundSecret[] {
  const hits = scanKeyValue(key, value, ruleOpts(opts));
  return toFound(hits, { ...at, multiline: value.includes('\n') }, opts.redactor ?? defaultRedactor);
}

/** ConfigMap `data` and (utf8) `binaryData`. */
export function scanConfigMap(cm: K8sObject, opts: ScanOptions = {}): FoundSecret[] {
  const resource = refOf(cm, 'ConfigMap');
  const out: FoundSecret[] = [];
  const data = isRecord(cm['data']) ? cm['data'] : {};
  for (const [k, v] of Object.entries(data)) {
    if (typeof v !== 'string') continue;
    out.push(...scanLeaf(k, v, { resource, source: 'configmap', path: jsonPath(['data', k]) }, opts));
  }
  const bin = isRecord(cm['binaryData']) ? cm['binaryData'] : {};
  for (const [k, v] of Object.entries(bin)) {
    if (typeof v !== 'string') continue;
    const text = Buffer.from(v, 'base64').toString('utf8');
    if (!/^[\t\n\r\x20-\x7e\u00a0-\uffff]*$/.test(text)) continue; // binary
    out.push(...scanLeaf(k, text, { resource, source: 'configmap', path: jsonPath(['binaryData', k]) }, opts));
  }
  return out;
}

/** Where the pod spec sits in a workload kind, or undefined when the kind has none. */
export function podSpecPath(kind: string | undefined): string[] | undefined {
  switch (kind) {
    case 'Pod':
      return ['spec'];
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'ReplicationController':
    case 'Job':
      return ['spec', 'template', 'spec'];
    case 'CronJob':
      return ['spec', 'jobTemplate', 'spec', 'template', 'spec'];
    default:
      return undefined;
  }
}

function getPath(obj: unknown, path: string[]): unknown {
  let cur: unknown = obj;
  for (const p of path) {
    if (!isRecord(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

/**
 * Container literals of a Pod or pod template: env `value`s (valueFrom references are the right way
 * and are not read), plus `command` and `args` items (`--password=...`).
 */
export function scanEnvLiterals(obj: K8sObject, opts: ScanOptions = {}): FoundSecret[] {
  const specPath = podSpecPath(obj.kind);
  if (!specPath) return [];
  const spec = getPath(obj, specPath);
  if (!isRecord(spec)) return [];
  const resource = refOf(obj);
  const out: FoundSecret[] = [];
  for (const group of ['initContainers', 'containers', 'ephemeralContainers']) {
    const list = spec[group];
    if (!Array.isArray(list)) continue;
    list.forEach((c: unknown, ci) => {
      if (!isRecord(c)) return;
      const base = [...specPath, group, ci];
      if (Array.isArray(c['env'])) {
        c['env'].forEach((e: unknown, ei) => {
          if (!isRecord(e) || typeof e['value'] !== 'string' || typeof e['name'] !== 'string') return;
          out.push(...scanLeaf(e['name'], e['value'], { resource, source: 'env', path: jsonPath([...base, 'env', ei, 'value']) }, opts));
        });
      }
      for (const field of ['command', 'args']) {
        const items = c[field];
        if (!Array.isArray(items)) continue;
        items.forEach((a: unknown, ai) => {
          if (typeof a !== 'string') return;
          const hits = scanText(a, ruleOpts(opts));
          out.push(...toFound(hits, { resource, source: 'env', path: jsonPath([...base, field, ai]) }, opts.redactor ?? defaultRedactor));
        });
      }
    });
  }
  return out;
}

function decodeB64Text(v: string): string | undefined {
  const s = v.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return undefined;
  return Buffer.from(s, 'base64').toString('utf8');
}

/**
 * Annotations of any object. `kubectl.kubernetes.io/last-applied-configuration` is decoded: for a
 * Secret every `stringData`/`data` value in it is a leak (`kubernetes-secret-in-annotation`, whatever
 * the value looks like); for other kinds every leaf is scanned, except ciphertext by design
 * (SealedSecret spec.encryptedData).
 */
export function scanAnnotations(obj: K8sObject, opts: ScanOptions = {}): FoundSecret[] {
  const annotations = obj.metadata?.annotations ?? {};
  const resource = refOf(obj);
  const redactor = opts.redactor ?? defaultRedactor;
  const out: FoundSecret[] = [];
  for (const [key, value] of Object.entries(annotations)) {
    if (typeof value !== 'string') continue;
    const base = ['metadata', 'annotations', key];
    if (key !== LAST_APPLIED) {
      out.push(...scanLeaf(key, value, { resource, source: 'annotation', path: jsonPath(base) }, opts));
      continue;
    }
    let applied: unknown;
    try {
      applied = JSON.parse(value);
    } catch {
      out.push(...scanLeaf(key, value, { resource, source: 'annotation', path: jsonPath(base) }, opts));
      continue;
    }
    const kind = isRecord(applied) && typeof applied['kind'] === 'string' ? applied['kind'] : undefined;
    walkStrings(applied, (path, leaf) => {
      const at = { resource, source: 'annotation' as const, path: jsonPath([...base, ...path]) };
      if (kind === 'Secret' && (path[0] === 'stringData' || path[0] === 'data') && path.length === 2) {
        const plain = path[0] === 'data' ? decodeB64Text(leaf) ?? leaf : leaf;
        if (plain.length === 0) return;
        const hit = { rule: 'kubernetes-secret-in-annotation', title: 'Secret value in last-applied-configuration', severity: 'critical' as const, value: plain, index: 0, line: 1 };
        out.push(...toFound([hit], at, redactor));
        if (path[0] === 'data') redactor.register(leaf); // the encoded form too
        return;
      }
      const strPath = path.filter((p): p is string => typeof p === 'string');
      if (isEncryptedByDesign(kind, strPath)) return;
      if (strPath.includes('annotations') && strPath[strPath.length - 1] === LAST_APPLIED) return;
      out.push(...scanLeaf(lastKey(path), leaf, at, opts));
    });
  }
  return out;
}

/** Bounded log text of one container: every rule hit with its line number in the fetched tail. */
export function scanLog(
  pod: ResourceRef,
  container: string,
  text: string,
  opts: ScanOptions & { lineOffset?: number } = {},
): FoundSecret[] {
  const hits = scanText(text, ruleOpts(opts));
  const found = toFound(hits, { resource: pod, source: 'log', path: `log[${container}]`, lineOffset: opts.lineOffset ?? 0 }, opts.redactor ?? defaultRedactor);
  return found;
}

export class HelmReleaseError extends IsoproofError {
  constructor(message: string) {
    super('ISOPROOF_HELM_RELEASE', message);
  }
}

/**
 * Decodes Helm's release payload: base64 text (Helm's own encoding) of gzip of JSON. Secrets carry it
 * base64-encoded once more by the API (`data.release`): pass `fromSecretData: true` for those.
 */
export function decodeHelmRelease(payload: string, o: { fromSecretData?: boolean } = {}): Record<string, unknown> {
  let text = payload;
  if (o.fromSecretData) text = Buffer.from(payload, 'base64').toString('utf8');
  let raw = Buffer.from(text.trim(), 'base64');
  if (raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      raw = gunzipSync(raw, { maxOutputLength: 64 * 1024 * 1024 });
    } catch (e) {
      throw new HelmReleaseError(`helm release payload is not valid gzip: ${(e as Error).message}`);
    }
  }
  try {
    const rel = JSON.parse(raw.toString('utf8')) as unknown;
    if (!isRecord(rel)) throw new Error('not an object');
    return rel;
  } catch (e) {
    throw new HelmReleaseError(`helm release payload is not JSON after base64/gzip decoding: ${(e as Error).message}`);
  }
}

/** Encodes a release the way Helm stores it (for tests and fixtures): base64(gzip(JSON)). */
export async function encodeHelmRelease(release: unknown): Promise<string> {
  const { gzipSync } = await import('node:zlib');
  return gzipSync(Buffer.from(JSON.stringify(release), 'utf8')).toString('base64');
}

/** A Helm release storage object (driver secret or configmap). */
export function isHelmRelease(obj: K8sObject): boolean {
  const name = obj.metadata?.name ?? '';
  if (obj.kind === 'Secret' && obj['type'] === 'helm.sh/release.v1') return true;
  return name.startsWith('sh.helm.release.v1.') && (obj.kind === 'Secret' || obj.kind === 'ConfigMap');
}

/**
 * Scans a Helm release: user values (`config`), chart default values (`chart.values`) and the rendered
 * `manifest`. Rendered Secret documents are a leak only when the storage is a ConfigMap (the Secret
 * driver protects them like any Secret).
 */
export function scanHelmRelease(obj: K8sObject, opts: ScanOptions = {}): FoundSecret[] {
  const resource = refOf(obj);
  const redactor = opts.redactor ?? defaultRedactor;
  const data = isRecord(obj['data']) ? obj['data'] : {};
  const payload = data['release'];
  if (typeof payload !== 'string') return [];
  const rel = decodeHelmRelease(payload, { fromSecretData: obj.kind === 'Secret' });
  const out: FoundSecret[] = [];
  const values: Array<[string[], unknown]> = [
    [['release', 'config'], rel['config']],
    [['release', 'chart', 'values'], isRecord(rel['chart']) ? rel['chart']['values'] : undefined],
  ];
  for (const [base, v] of values) {
    walkStrings(v, (path, leaf) => {
      const key = lastKey(path);
      if (isStructuralKey(key)) return;
      out.push(...scanLeaf(key, leaf, { resource, source: 'helm', path: jsonPath([...base, ...path]) }, opts));
    });
  }
  const manifest = rel['manifest'];
  if (typeof manifest === 'string' && manifest.length > 0) {
    const docs = parseAllDocuments(manifest);
    for (const doc of docs.slice(0, 1_000)) {
      const json = doc.toJS() as unknown;
      if (!isRecord(json)) continue;
      const docKind = typeof json['kind'] === 'string' ? json['kind'] : undefined;
      const docName = isRecord(json['metadata']) && typeof json['metadata']['name'] === 'string' ? json['metadata']['name'] : '?';
      walkStrings(json, (path, leaf) => {
        const at = { resource, source: 'helm' as const, path: jsonPath(['release', 'manifest', `${docKind ?? '?'}/${docName}`, ...path]) };
        if (docKind === 'Secret' && (path[0] === 'data' || path[0] === 'stringData') && path.length === 2) {
          if (obj.kind !== 'ConfigMap') return;
          const plain = path[0] === 'data' ? decodeB64Text(leaf) ?? leaf : leaf;
          if (!plain) return;
          out.push(...toFound([{ rule: 'helm-release-secret-manifest', title: 'Rendered Secret in a ConfigMap-stored Helm release', severity: 'high', value: plain, index: 0, line: 1 }], at, redactor));
          return;
        }
        const strPath = path.filter((p): p is string => typeof p === 'string');
        if (isEncryptedByDesign(docKind, strPath)) return;
        out.push(...scanLeaf(lastKey(path), leaf, at, opts));
      });
    }
  }
  return out;
}
