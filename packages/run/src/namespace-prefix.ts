import { codedError } from '@isoproof/core';
import type { KubeObject } from '@isoproof/kube';

/** A prefix for scenario namespace names: lower-case letters, digits and '-', starting with a letter or digit. */
export const NAMESPACE_PREFIX_PATTERN = /^[a-z0-9][a-z0-9-]{0,30}$/;

/** A --namespace-prefix that cannot be used (exit 2). */
export class NamespacePrefixError extends codedError('ISOPROOF_INVALID_NAMESPACE_PREFIX') {}

export function checkNamespacePrefix(prefix: string): void {
  if (!NAMESPACE_PREFIX_PATTERN.test(prefix)) {
    throw new NamespacePrefixError(`--namespace-prefix ${prefix}: must be lower-case letters, digits and '-' (at most 31), e.g. --namespace-prefix dev1-`);
  }
}

/** old -> new name of every Namespace the objects create. */
export function namespaceMap(objects: KubeObject[], prefix: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const o of objects) {
    if (o.kind !== 'Namespace') continue;
    const to = `${prefix}${o.metadata.name}`;
    if (to.length > 63) throw new NamespacePrefixError(`--namespace-prefix ${prefix}: namespace ${to} would be longer than 63 characters; use a shorter prefix`);
    map.set(o.metadata.name, to);
  }
  return map;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A deep copy of `value` in which every string naming a namespace of `map` names the renamed one:
 * the exact name (metadata.namespace, Namespace names, namespaceSelector values, RoleBinding subjects,
 * criteria namespaces), `system:serviceaccount:NS:name`, `system:serviceaccounts:NS`, `NS/name` refs
 * and DNS names `svc.NS`, `svc.NS.svc`, `svc.NS.svc.cluster.local`. Mapping keys are left as they are.
 */
export function renameNamespaces<T>(value: T, map: Map<string, string>): T {
  if (map.size === 0) return structuredClone(value);
  const names = [...map.keys()].sort((a, b) => b.length - a.length).map(escape).join('|');
  const re = new RegExp(
    `^(system:serviceaccounts?:)(${names})(:.*)?$|^()(${names})(/.*)$|^([a-z0-9-]+\\.)(${names})((?:\\.svc(?:\\.cluster\\.local)?)?\\.?)$`,
  );
  // One regex with three alternatives: normalize the groups to (head, ns, tail).
  const replace = (s: string): string => {
    const exact = map.get(s);
    if (exact) return exact;
    const m = re.exec(s);
    if (!m) return s;
    const [head, ns, tail] = m[2] !== undefined ? [m[1]!, m[2], m[3] ?? ''] : m[5] !== undefined ? ['', m[5], m[6]!] : [m[7]!, m[8]!, m[9] ?? ''];
    return `${head}${map.get(ns) ?? ns}${tail}`;
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return replace(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  return walk(value) as T;
}
