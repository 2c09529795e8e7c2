import type { Criterion } from '@isoproof/core';
import type { SecretSource } from './findings';
import { SECRET_SOURCES } from './findings';
import { RULE_IDS } from './rules';

/**
 * Criterion specs of the `secrets` family (criteria.yaml `spec`):
 *
 * - `check: scan`: no finding in `sources` (configmap | env | annotation | log | helm) of `namespaces`.
 *   Optional `rules` (subset of rule ids), `logTailLines` (default 200).
 * - `check: live-tokens`: no ServiceAccount JWT found in `sources` of `namespaces` is accepted by
 *   TokenReview (a live token is a critical finding).
 * - `check: secret-readers`: in `namespace`, every ServiceAccount tries GET on every Secret and LIST
 *   of secrets; only `readers[secret]` may GET, only `listers` may LIST. `controls[sa]` names a
 *   ConfigMap that SA may read (the control of its denials when no allowed reader exists).
 * - `check: automount`: no running pod in `namespaces` carries a ServiceAccount token unless its
 *   ServiceAccount is in `needsApi`.
 */
export type SecretsSpec =
  | { check: 'scan'; sources: SecretSource[]; namespaces: string[]; rules?: string[]; logTailLines?: number }
  | { check: 'live-tokens'; sources: SecretSource[]; namespaces: string[]; logTailLines?: number }
  | {
      check: 'secret-readers';
      namespace: string;
      readers: Record<string, string[]>;
      listers?: string[];
      controls?: Record<string, string>;
    }
  | { check: 'automount'; namespaces: string[]; needsApi: string[] };

export const SPEC_CHECKS = ['scan', 'live-tokens', 'secret-readers', 'automount'] as const;

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string' && x.length > 0);
}

/** Problems of a criterion's spec (empty when valid). */
export function validateSecretsSpec(c: Pick<Criterion, 'spec'>): string[] {
  const s = c.spec;
  const errs: string[] = [];
  const check = s['check'];
  if (typeof check !== 'string' || !(SPEC_CHECKS as readonly string[]).includes(check)) {
    return [`check: must be one of ${SPEC_CHECKS.join(', ')}`];
  }
  const sourcesOk = () => {
    const src = s['sources'];
    if (!isStringArray(src) || src.length === 0) errs.push(`sources: must be a non-empty list of ${SECRET_SOURCES.join(', ')}`);
    else for (const x of src) if (!(SECRET_SOURCES as readonly string[]).includes(x)) errs.push(`sources: unknown source '${x}' (known: ${SECRET_SOURCES.join(', ')})`);
  };
  const namespacesOk = () => {
    if (!isStringArray(s['namespaces']) || s['namespaces'].length === 0) errs.push('namespaces: must be a non-empty list of namespace names');
  };
  const tailOk = () => {
    const t = s['logTailLines'];
    if (t !== undefined && (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > 10_000)) errs.push('logTailLines: must be an integer from 1 to 10000');
  };
  switch (check) {
    case 'scan': {
      sourcesOk();
      namespacesOk();
      tailOk();
      const rules = s['rules'];
      if (rules !== undefined) {
        if (!isStringArray(rules)) errs.push('rules: must be a list of rule ids');
        else for (const r of rules) if (!RULE_IDS.includes(r)) errs.push(`rules: unknown rule '${r}'`);
      }
      break;
    }
    case 'live-tokens':
      sourcesOk();
      namespacesOk();
      tailOk();
      break;
    case 'secret-readers': {
      if (typeof s['namespace'] !== 'string' || !s['namespace']) errs.push('namespace: must be a namespace name');
      const readers = s['readers'];
      if (!readers || typeof readers !== 'object' || Array.isArray(readers)) errs.push('readers: must map secret names to lists of ServiceAccount names');
      else for (const [k, v] of Object.entries(readers)) if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) errs.push(`readers.${k}: must be a list of ServiceAccount names`);
      if (s['listers'] !== undefined && !Array.isArray(s['listers'])) errs.push('listers: must be a list of ServiceAccount names');
      const controls = s['controls'];
      if (controls !== undefined && (typeof controls !== 'object' || controls === null || Array.isArray(controls) || !Object.values(controls).every((x) => typeof x === 'string'))) {
        errs.push('controls: must map ServiceAccount names to a ConfigMap name each');
      }
      break;
    }
    case 'automount':
      namespacesOk();
      if (!Array.isArray(s['needsApi']) || !s['needsApi'].every((x) => typeof x === 'string')) errs.push('needsApi: must be a list of ServiceAccount names (may be empty)');
      break;
  }
  return errs;
}

export function secretsSpec(c: Pick<Criterion, 'spec'>): SecretsSpec {
  return c.spec as unknown as SecretsSpec;
}
