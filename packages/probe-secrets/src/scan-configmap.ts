import type { FoundSecret } from './findings';
import { jsonPath } from './findings';
import type { K8sObject, ScanOptions } from './sources';
import { isRecord, refOf, scanLeaf } from './sources';

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
