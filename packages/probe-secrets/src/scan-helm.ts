import { gunzipSync } from 'node:zlib';
import { defaultRedactor } from '@isoproof/core';
import { parseAllDocuments } from 'yaml';
import { isEncryptedByDesign, isStructuralKey } from './allowlist';
import { HelmReleaseError } from './errors';
import type { FoundSecret } from './findings';
import { jsonPath, toFound } from './findings';
import type { K8sObject, ScanOptions } from './sources';
import { decodeB64Text, isRecord, lastKey, refOf, scanLeaf, walkStrings } from './sources';

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
