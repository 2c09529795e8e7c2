import { defaultRedactor } from '@isoproof/core';
import { isEncryptedByDesign } from './allowlist';
import type { FoundSecret } from './findings';
import { jsonPath, toFound } from './findings';
import type { K8sObject, ScanOptions } from './sources';
import { decodeB64Text, isRecord, lastKey, refOf, scanLeaf, walkStrings } from './sources';

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

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
