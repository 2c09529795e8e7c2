import { defaultRedactor } from '@isoproof/core';
import type { FoundSecret } from './findings';
import { jsonPath, toFound } from './findings';
import { scanText } from './scan-text';
import type { K8sObject, ScanOptions } from './sources';
import { isRecord, refOf, ruleOpts, scanLeaf } from './sources';

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
