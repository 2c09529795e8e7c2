import { isPlaceholder, isReferenceKey } from './allowlist';
import type { DismissReason } from './dismissals';
import type { Severity } from './rules';

/**
 * Families where the variable NAME is the strong signal: the key says what the value is, the value
 * only needs the family's shape. They run before any path or entropy heuristic (an AWS secret access
 * key may start with "/" and hold no "+": it is not a file path).
 */
export interface KeyedRule {
  id: string;
  title: string;
  severity: Severity;
  /** Tested on the normalised key: camelCase split, separators as "_", lower case. */
  key: RegExp;
  /** The value shape; a reason when it does not fit. */
  value(v: string): DismissReason | undefined;
}

/** `awsSecretAccessKey`, `aws-secret-access-key`, `AWS.SECRET` -> `aws_secret_access_key`, ... */
export function normaliseKey(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toLowerCase()
    .replace(/^_+|_+$/g, '');
}

/** A value that reads as a secret of a keyed family: length, no whitespace, not a placeholder. */
function keyedValue(min: number, o: { pathLike?: boolean } = {}): (v: string) => DismissReason | undefined {
  return (raw) => {
    const v = raw.trim();
    if (v.length < min || v.length > 512) return 'length';
    if (/\s/.test(v)) return 'whitespace';
    if (isPlaceholder(v)) return 'placeholder';
    // only an unmistakable path (lower-case segments, /run/secrets/db) is dismissed: a password of
    // random characters may start with "/" too
    if (o.pathLike !== false && /^\/(?:[a-z0-9._-]+\/)*[a-z0-9._-]+$/.test(v) && v.includes('/', 1)) return 'path-or-reference';
    return undefined;
  };
}

const DB_WORD = '(?:db|database|postgres(?:ql)?|pg|mysql|maria(?:db)?|mongo(?:db)?|redis|sql|mssql|oracle|rabbit(?:mq)?|amqp|cassandra|clickhouse|neo4j|elastic(?:search)?|es)';

export const KEYED_RULES: KeyedRule[] = [
  {
    id: 'aws-secret-access-key',
    title: 'AWS secret access key',
    severity: 'critical',
    key: /(?:^|_)(?:aws(?:_[a-z0-9]+){0,3}_(?:secret|sk|private)(?:_[a-z0-9]+){0,3}|secret_access_key)$/,
    value: (v) => (/^[A-Za-z0-9/+]{40}$/.test(v.trim()) ? undefined : isPlaceholder(v) ? 'placeholder' : 'length'),
  },
  {
    id: 'azure-storage-key',
    title: 'Azure storage account key',
    severity: 'critical',
    key: /(?:azure|storage)(?:_[a-z0-9]+){0,3}_(?:account_)?(?:key|access_key)$/,
    value: (v) => (/^[A-Za-z0-9+/]{86}==$/.test(v.trim()) ? undefined : 'length'),
  },
  {
    id: 'azure-client-secret',
    title: 'Azure AD client secret',
    severity: 'high',
    key: /(?:azure|arm|aad|entra)(?:_[a-z0-9]+){0,3}_(?:client_)?secret$/,
    value: keyedValue(16),
  },
  {
    id: 'database-password',
    title: 'Database password',
    severity: 'high',
    key: new RegExp(`(?:^|_)${DB_WORD}(?:_[a-z0-9]+){0,3}_(?:pass(?:word|wd)?|pwd)$`),
    value: keyedValue(6),
  },
  {
    id: 'password',
    title: 'Password',
    severity: 'high',
    key: /(?:^|_)(?:pass(?:word|wd|phrase)?|pwd)$/,
    value: keyedValue(6),
  },
];

export function isKeyedName(key: string): boolean {
  return !isReferenceKey(key) && keyedRuleOf(key) !== undefined;
}

/** The keyed family of a key name, if any. */
export function keyedRuleOf(key: string): KeyedRule | undefined {
  const k = normaliseKey(key);
  if (!k) return undefined;
  return KEYED_RULES.find((r) => r.key.test(k));
}
