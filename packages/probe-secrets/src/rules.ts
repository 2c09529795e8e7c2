import { isPlaceholder, isReferenceKey, isStructuralKey, looksLikePathOrReference } from './allowlist';
import { charClasses, shannonEntropy } from './entropy';

export type Severity = 'critical' | 'high' | 'medium' | 'low';

/**
 * A detection rule: a global regular expression; the secret is capture group `group` (default: the
 * whole match). `accept` rejects false positives; `classify` refines the rule id (a JWT whose claims
 * name a Kubernetes issuer becomes `kubernetes-serviceaccount-token`).
 */
export interface SecretRule {
  id: string;
  title: string;
  severity: Severity;
  pattern: RegExp;
  group?: number;
  accept?(value: string, match: RegExpExecArray): boolean;
  classify?(value: string, match: RegExpExecArray): string;
  /** Placeholder values ("...EXAMPLE", "${X}") are dropped unless this is false. */
  placeholderCheck?: boolean;
  /** Why a match under a secret-named key was dropped (counted, never silent). */
  dismissal?(value: string, match: RegExpExecArray): DismissReason | undefined;
}

/** A rule hit in a piece of text. `value` is the secret itself: keep it in memory only. */
export interface RuleMatch {
  rule: string;
  title: string;
  severity: Severity;
  value: string;
  /** Offset of the value in the scanned text. */
  index: number;
  /** 1-based line of the value in the scanned text. */
  line: number;
}

const B64URL = 'A-Za-z0-9_-';

function decodeB64Json(part: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Header and claims of a JWT (no signature check), or undefined when it is not one. */
export function decodeJwt(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[0] || !parts[1]) return undefined;
  const header = decodeB64Json(parts[0]);
  const claims = decodeB64Json(parts[1]);
  if (!header || !claims || typeof header['alg'] !== 'string') return undefined;
  return { header, claims };
}

/** True when a JWT's claims say it was issued by Kubernetes for a ServiceAccount. */
export function isServiceAccountJwt(token: string): boolean {
  const d = decodeJwt(token);
  if (!d) return false;
  const { claims } = d;
  const sub = typeof claims['sub'] === 'string' ? claims['sub'] : '';
  const iss = typeof claims['iss'] === 'string' ? claims['iss'] : '';
  return (
    sub.startsWith('system:serviceaccount:') ||
    'kubernetes.io' in claims ||
    iss === 'kubernetes/serviceaccount' ||
    'kubernetes.io/serviceaccount/namespace' in claims
  );
}

const DB_SCHEMES = new Set([
  'postgres',
  'postgresql',
  'mysql',
  'mariadb',
  'mongodb',
  'mongodb+srv',
  'redis',
  'rediss',
  'amqp',
  'amqps',
  'sqlserver',
  'mssql',
  'oracle',
  'cassandra',
  'clickhouse',
  'neo4j',
]);

/** Key words that make a key name secret-bearing (DB_PASSWORD, apiKey, client_secret, ...). */
export const SECRET_KEY_WORD = /(?:passw(?:or)?d|passwd|\bpwd|pwd\b|_pwd|secret|token|api[_.-]?key|apikey|access[_.-]?key|auth[_.-]?key|private[_.-]?key|signing[_.-]?key|encryption[_.-]?key|credentials?|\bauth\b|pass(?:phrase)?\b)/i;

function isPrintable(s: string): boolean {
  return /^[\x20-\x7e]+$/.test(s);
}

/** Why a candidate value under a secret-named key was looked at and dismissed. */
export type DismissReason = 'length' | 'reference-key' | 'placeholder' | 'path-or-reference' | 'number-or-ip' | 'plain-word' | 'whitespace' | 'low-entropy';

/** Counts of dismissed candidates by reason (kept per scanned unit, shown in the evidence). */
export type Dismissals = Partial<Record<DismissReason, number>>;

export function countDismissal(d: Dismissals | undefined, reason: DismissReason): void {
  if (d) d[reason] = (d[reason] ?? 0) + 1;
}

/** "3 (path-or-reference 2, placeholder 1)"; undefined when nothing was dismissed. */
export function describeDismissals(d: Dismissals | undefined): string | undefined {
  const entries = Object.entries(d ?? {}).filter(([, n]) => (n ?? 0) > 0) as Array<[string, number]>;
  if (!entries.length) return undefined;
  const total = entries.reduce((a, [, n]) => a + n, 0);
  return `${total} candidate value(s) under secret-named keys looked at and dismissed (${entries.map(([r, n]) => `${r} ${n}`).join(', ')})`;
}

/** Why the generic filter drops `value` under `key`; undefined when it is kept as a secret. */
export function genericDismissal(key: string, value: string): DismissReason | undefined {
  const v = value.trim();
  if (v.length < 8 || v.length > 512) return 'length';
  if (isStructuralKey(key) || isReferenceKey(key)) return 'reference-key';
  if (isPlaceholder(v)) return 'placeholder';
  if (looksLikePathOrReference(v)) return 'path-or-reference';
  if (/^\d+$/.test(v) || /^(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?$/.test(v)) return 'number-or-ip';
  if (/^[A-Za-z]+$/.test(v) && v.length < 20) return 'plain-word';
  if (/\s/.test(v)) return 'whitespace'; // sentences are not secrets
  return shannonEntropy(v) >= 3.0 && charClasses(v) >= 2 ? undefined : 'low-entropy';
}

/** Generic secret filter shared by the key=value rule (text) and keyed values (structured data). */
export function acceptGenericValue(key: string, value: string): boolean {
  return genericDismissal(key, value) === undefined;
}

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

function isKeyedName(key: string): boolean {
  return !isReferenceKey(key) && keyedRuleOf(key) !== undefined;
}

/** The keyed family of a key name, if any. */
export function keyedRuleOf(key: string): KeyedRule | undefined {
  const k = normaliseKey(key);
  if (!k) return undefined;
  return KEYED_RULES.find((r) => r.key.test(k));
}

const PEM_BEGIN = '-----' + 'BEGIN';
const PEM_END = '-----' + 'END';

/**
 * The rule set, most specific first. The generic key=value rule comes last and never reports a span
 * a specific rule already reported.
 */
export const RULES: SecretRule[] = [
  {
    id: 'private-key',
    title: 'Private key (PEM)',
    severity: 'critical',
    pattern: new RegExp(
      `${PEM_BEGIN}[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----[\\s\\S]{32,}?${PEM_END}[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----`,
      'g',
    ),
    placeholderCheck: false,
  },
  {
    id: 'jwt',
    title: 'JSON Web Token',
    severity: 'high',
    pattern: new RegExp(`\\beyJ[${B64URL}]{8,}\\.eyJ[${B64URL}]{8,}\\.[${B64URL}]{16,}`, 'g'),
    accept: (v) => decodeJwt(v) !== undefined,
    classify: (v) => (isServiceAccountJwt(v) ? 'kubernetes-serviceaccount-token' : 'jwt'),
    placeholderCheck: false,
  },
  {
    id: 'gcp-service-account-key',
    title: 'Google Cloud service account key file',
    severity: 'critical',
    pattern: /"type"\s*:\s*"service_account"[\s\S]{0,400}?"private_key_id"\s*:\s*"([0-9a-f]{40})"/g,
    group: 1,
  },
  {
    id: 'aws-access-key-id',
    title: 'AWS access key id',
    severity: 'critical',
    pattern: /\b((?:AKIA|ASIA|ABIA|ACCA|AIDA|AROA)[A-Z2-7]{16})\b/g,
    group: 1,
  },
  {
    id: 'aws-secret-access-key',
    title: 'AWS secret access key',
    severity: 'critical',
    // "aws" starts a word or follows a separator (MY_AWS_SECRET): not inside a random run ("xawsq")
    pattern: /(?<![A-Za-z0-9])aws.{0,24}?(?:secret|sk|private).{0,24}?["'=:\s]{1,5}([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi,
    group: 1,
    // the name says it: any 40 characters of the alphabet with two classes (random keys without a
    // digit exist)
    accept: (v) => charClasses(v) >= 2,
  },
  {
    id: 'gcp-api-key',
    title: 'Google Cloud API key',
    severity: 'high',
    pattern: /\b(AIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])/g,
    group: 1,
  },
  {
    id: 'azure-storage-key',
    title: 'Azure storage account key',
    severity: 'critical',
    pattern: /AccountKey=([A-Za-z0-9+/]{86}==)/g,
    group: 1,
  },
  {
    id: 'azure-client-secret',
    title: 'Azure AD client secret',
    severity: 'high',
    pattern: /(?<![A-Za-z0-9_~.-])([A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34})(?![A-Za-z0-9_~.-])/g,
    group: 1,
  },
  {
    id: 'github-token',
    title: 'GitHub token',
    severity: 'critical',
    pattern: /\b(gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{60,255})\b/g,
    group: 1,
  },
  {
    id: 'gitlab-token',
    title: 'GitLab token',
    severity: 'critical',
    pattern: /\b(gl(?:pat|dt|rt|ptt|soat|cbt|imt|agent)-[0-9A-Za-z_-]{20,})\b/g,
    group: 1,
  },
  {
    id: 'vault-token',
    title: 'HashiCorp Vault token',
    severity: 'critical',
    pattern: /\b(hv[sbr]\.[A-Za-z0-9_-]{24,})\b/g,
    group: 1,
  },
  {
    id: 'slack-token',
    title: 'Slack token',
    severity: 'high',
    pattern: /\b(xox[baprse]-[0-9A-Za-z-]{10,})\b/g,
    group: 1,
  },
  {
    id: 'slack-webhook',
    title: 'Slack incoming webhook URL',
    severity: 'high',
    pattern: /(https:\/\/hooks\.slack\.com\/(?:services|workflows)\/[A-Za-z0-9+/]{20,})/g,
    group: 1,
  },
  {
    id: 'stripe-key',
    title: 'Stripe secret or restricted key',
    severity: 'critical',
    pattern: /\b((?:sk|rk)_(?:live|test)_[0-9A-Za-z]{20,})\b/g,
    group: 1,
  },
  {
    id: 'sendgrid-api-key',
    title: 'SendGrid API key',
    severity: 'high',
    pattern: /\b(SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])/g,
    group: 1,
  },
  {
    id: 'npm-token',
    title: 'npm access token',
    severity: 'high',
    pattern: /\b(npm_[A-Za-z0-9]{36})\b/g,
    group: 1,
  },
  {
    id: 'pypi-token',
    title: 'PyPI upload token',
    severity: 'high',
    pattern: /\b(pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,})/g,
    group: 1,
  },
  {
    id: 'url-credentials',
    title: 'Credentials in a URL',
    severity: 'high',
    // scheme://user:password@host — the password is the secret
    pattern: /\b([a-z][a-z0-9+.-]{1,30}):\/\/([^\s:@/'"`]{1,100}):([^\s@/'"`]{3,200})@([^\s/'"`?#]+)/gi,
    group: 3,
    classify: (_v, m) => (DB_SCHEMES.has((m[1] ?? '').toLowerCase().replace(/^jdbc:/, '')) ? 'database-connection-string' : 'basic-auth-url'),
  },
  {
    id: 'database-connection-string',
    title: 'Password in a database connection string',
    severity: 'high',
    pattern: /(?:server|host|data source|address|uid|user id|user|username)\s*=[^;\n]*;[^\n]*?\b(?:password|pwd)\s*=\s*([^;'"\s]{4,})/gi,
    group: 1,
  },
  {
    id: 'docker-config-auth',
    title: 'Registry credentials (docker config auth)',
    severity: 'high',
    pattern: /"auth"\s*:\s*"([A-Za-z0-9+/]{8,}={0,2})"/g,
    group: 1,
    accept: (v) => {
      const d = Buffer.from(v, 'base64').toString('utf8');
      const i = d.indexOf(':');
      return isPrintable(d) && i > 0 && i < d.length - 1;
    },
  },
  {
    // NAME=value in text where the name is of a keyed family (AWS_SECRET_ACCESS_KEY, DB_PASSWORD,
    // AZURE_STORAGE_KEY): judged by the family's value shape before any generic heuristic
    id: 'keyed-assignment',
    title: 'Secret assigned to a name of its family',
    severity: 'high',
    pattern: /([A-Za-z0-9_.-]*(?:pass(?:word|wd|phrase)?|pwd|secret|sk|private|key)[A-Za-z0-9_.-]*)["']?[ \t]*(?:=>|:=|=|:)[ \t]*["']?([^\s"'`,;]{6,})/gi,
    group: 2,
    accept: (v, m) => {
      const keyed = isReferenceKey(m[1] ?? '') ? undefined : keyedRuleOf(m[1] ?? '');
      return keyed !== undefined && keyed.value(v) === undefined;
    },
    classify: (_v, m) => keyedRuleOf(m[1] ?? '')?.id ?? 'generic-secret',
    dismissal: (v, m) => {
      const keyed = isReferenceKey(m[1] ?? '') ? undefined : keyedRuleOf(m[1] ?? '');
      return keyed ? keyed.value(v) : undefined;
    },
  },
  {
    id: 'generic-secret',
    title: 'Secret-looking value assigned to a secret-named key',
    severity: 'medium',
    // key (containing a secret word) = or : value; the value is group 2
    pattern:
      /([A-Za-z0-9_.-]*(?:passw(?:or)?d|passwd|pwd|secret|token|api[_.-]?key|apikey|access[_.-]?key|auth[_.-]?key|private[_.-]?key|credentials?)[A-Za-z0-9_.-]*)["']?[ \t]*(?:=>|:=|=|:)[ \t]*["']?([^\s"'`,;]{8,})/gi,
    group: 2,
    // a key of a keyed family (DB_PASSWORD) is judged by that family's value shape, not by the
    // generic path/entropy heuristics, and reported under the family
    // names of a keyed family were judged (and counted) by keyed-assignment
    accept: (v, m) => !isKeyedName(m[1] ?? '') && acceptGenericValue(m[1] ?? '', v),
    dismissal: (v, m) => (isKeyedName(m[1] ?? '') ? undefined : genericDismissal(m[1] ?? '', v)),
  },
];

export const RULE_IDS: readonly string[] = [
  ...RULES.map((r) => r.id).filter((id) => id !== 'keyed-assignment'),
  ...KEYED_RULES.map((r) => r.id).filter((id) => !RULES.some((r) => r.id === id)),
  'kubernetes-serviceaccount-token',
  'basic-auth-url',
  'kubernetes-secret-in-annotation',
  'helm-release-secret-manifest',
];

export function severityOf(ruleId: string): Severity {
  if (ruleId === 'kubernetes-serviceaccount-token' || ruleId === 'kubernetes-secret-in-annotation') return 'critical';
  if (ruleId === 'basic-auth-url' || ruleId === 'helm-release-secret-manifest') return 'high';
  return RULES.find((r) => r.id === ruleId)?.severity ?? KEYED_RULES.find((r) => r.id === ruleId)?.severity ?? 'medium';
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** Every rule hit in `text`; overlapping spans are reported once (the most specific rule wins). */
export function scanText(text: string, opts: { rules?: readonly string[]; dismissed?: Dismissals } = {}): RuleMatch[] {
  const out: RuleMatch[] = [];
  const spans: Array<[number, number]> = [];
  const overlaps = (a: number, b: number) => spans.some(([s, e]) => a < e && b > s);
  for (const rule of RULES) {
    rule.pattern.lastIndex = 0;
    let m: RegExpExecArray | null;
    let guard = 0;
    while ((m = rule.pattern.exec(text)) !== null && guard++ < 10_000) {
      if (m[0].length === 0) {
        rule.pattern.lastIndex++;
        continue;
      }
      const value = rule.group ? m[rule.group] : m[0];
      if (!value) continue;
      const index = m.index + (rule.group ? m[0].indexOf(value, rule.group === 2 && m[1] ? m[1].length : 0) : 0);
      const end = index + value.length;
      if (overlaps(index, end)) continue;
      if (rule.accept && !rule.accept(value, m)) {
        const why = rule.dismissal?.(value, m);
        if (why) countDismissal(opts.dismissed, why);
        continue;
      }
      if (rule.placeholderCheck !== false && isPlaceholder(value)) {
        if (rule.dismissal) countDismissal(opts.dismissed, 'placeholder');
        continue;
      }
      const id = rule.classify ? rule.classify(value, m) : rule.id;
      if (opts.rules && !opts.rules.includes(id) && !opts.rules.includes(rule.id)) continue;
      spans.push([index, end]);
      const keyed = KEYED_RULES.find((r) => r.id === id);
      out.push({ rule: id, title: keyed?.title ?? rule.title, severity: severityOf(id), value, index, line: lineAt(text, index) });
    }
  }
  return out.sort((a, b) => a.index - b.index);
}

/**
 * Scans one keyed value of structured data (a ConfigMap key, an env var, an annotation, a JSON leaf).
 * Order: a keyed family whose name is the strong signal (AWS_SECRET_ACCESS_KEY, DB_PASSWORD) with its
 * value shape, before anything else; then the text rules on the value; then the generic rule on the
 * key name when the value as a whole looks like a secret. A value under a secret-named key that is
 * dropped is counted in `dismissed` with the reason.
 */
export function scanKeyValue(key: string, value: string, opts: { rules?: readonly string[]; dismissed?: Dismissals } = {}): RuleMatch[] {
  if (isStructuralKey(key)) return [];
  const keyed = isReferenceKey(key) ? undefined : keyedRuleOf(key);
  const v = value.trim();
  if (keyed && !value.includes('\n') && (!opts.rules || opts.rules.includes(keyed.id))) {
    // the family's own shape first; a value that fits is the family's finding whatever else it looks like
    const why = keyed.value(v);
    if (why === undefined) {
      // a more specific text rule on the same value (a JWT in a PASSWORD) still names it
      const specific = scanText(value, { rules: opts.rules ?? RULE_IDS.filter((r) => r !== 'generic-secret') }).filter((h) => h.rule !== 'generic-secret' && h.rule !== keyed.id);
      if (specific.length) return specific;
      const index = value.indexOf(v);
      return [{ rule: keyed.id, title: keyed.title, severity: keyed.severity, value: v, index, line: lineAt(value, index) }];
    }
    const hits = scanText(value, opts);
    if (hits.length) return hits;
    countDismissal(opts.dismissed, why);
    return [];
  }
  const hits = scanText(value, opts);
  if (hits.length > 0) return hits;
  if (opts.rules && !opts.rules.includes('generic-secret')) return [];
  if (SECRET_KEY_WORD.test(key)) {
    const why = genericDismissal(key, value);
    if (why === undefined) {
      const index = value.indexOf(v);
      return [{ rule: 'generic-secret', title: 'Secret-looking value in a secret-named key', severity: 'medium', value: v, index, line: lineAt(value, index) }];
    }
    countDismissal(opts.dismissed, why);
  }
  return [];
}
