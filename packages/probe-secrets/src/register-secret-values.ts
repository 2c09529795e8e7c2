import { defaultRedactor } from '@isoproof/core';
import type { Redactor } from '@isoproof/core';
import { isIdentityValue } from './allowlist';

/**
 * Registers every value of a Secret (or of a SecretList) a request returned, so nothing can print it.
 * Only Secrets: a 200 body of another kind (the control ConfigMap a ServiceAccount may read) holds
 * plain configuration, and registering it would shred every report line naming those values.
 * Identity values (a Secret's `username: orders`, `DB_HOST: mysql.shop`) are skipped when their key
 * names an identity field and the value has the shape of an object name (`isIdentityValue`): they
 * are not secrets, and as redaction needles they would replace every object name containing them.
 */
export function registerSecretValues(body: unknown, redactor: Redactor = defaultRedactor): void {
  const visit = (obj: unknown, inSecretList: boolean) => {
    if (!obj || typeof obj !== 'object') return;
    const o = obj as { kind?: unknown; data?: Record<string, unknown>; stringData?: Record<string, unknown>; items?: unknown[] };
    if (o.kind === 'SecretList' || (o.kind === 'List' && Array.isArray(o.items))) {
      for (const it of o.items ?? []) visit(it, o.kind === 'SecretList');
      return;
    }
    if (o.kind !== 'Secret' && !(inSecretList && o.kind === undefined)) return;
    for (const [k, v] of Object.entries(o.data ?? {})) {
      if (typeof v !== 'string') continue;
      const plain = Buffer.from(v, 'base64').toString('utf8');
      if (isIdentityValue(k, plain)) continue;
      redactor.register(v);
      redactor.register(plain);
    }
    for (const [k, v] of Object.entries(o.stringData ?? {})) if (typeof v === 'string' && !isIdentityValue(k, v)) redactor.register(v);
  };
  visit(body, false);
}
