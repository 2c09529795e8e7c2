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

/** Generic secret filter shared by the key=value rule (text) and keyed values (structured data). */
export function acceptGenericValue(key: string, value: string): boolean {
  const v = value.trim();
  if (v.length < 8 || v.length > 512) return false;
  if (isStructuralKey(key) || isReferenceKey(key)) return false;
  if (isPlaceholder(v) || looksLikePathOrReference(v)) return false;
  if (/^\d+$/.test(v) || /^(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?$/.test(v)) return false; // numbers, IPs
  if (/^[A-Za-z]+$/.test(v) && v.length < 20) return false; // a plain word
  if (/\s/.test(v)) return false; // sentences are not secrets
  return shannonEntropy(v) >= 3.0 && charClasses(v) >= 2;
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
    pattern: /aws.{0,24}?(?:secret|sk|private).{0,24}?["'=:\s]{1,5}([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi,
    group: 1,
    accept: (v) => charClasses(v) >= 3,
  },
  {
    id: 'gcp-api-key',
    title: 'Google Cloud API key',
    severity: 'high',
    pattern: /\b(AIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])/g,
    group: 1,
  },
  {
    id: 'gcp-service-account-key',
    title: 'Google Cloud service account key file',
    severity: 'critical',
    pattern: /"type"\s*:\s*"service_account"[\s\S]{0,400}?"private_key_id"\s*:\s*"([0-9a-f]{40})"/g,
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
    id: 'generic-secret',
    title: 'Secret-looking value assigned to a secret-named key',
    severity: 'medium',
    // key (containing a secret word) = or : value; the value is group 2
    pattern:
      /([A-Za-z0-9_.-]*(?:passw(?:or)?d|passwd|pwd|secret|token|api[_.-]?key|apikey|access[_.-]?key|auth[_.-]?key|private[_.-]?key|credentials?)[A-Za-z0-9_.-]*)["']?[ \t]*(?:=>|:=|=|:)[ \t]*["']?([^\s"'`,;]{8,})/gi,
    group: 2,
    accept: (v, m) => acceptGenericValue(m[1] ?? '', v),
  },
];

export const RULE_IDS: readonly string[] = [
  ...RULES.map((r) => r.id),
  'kubernetes-serviceaccount-token',
  'basic-auth-url',
  'kubernetes-secret-in-annotation',
  'helm-release-secret-manifest',
];

export function severityOf(ruleId: string): Severity {
  if (ruleId === 'kubernetes-serviceaccount-token' || ruleId === 'kubernetes-secret-in-annotation') return 'critical';
  if (ruleId === 'basic-auth-url' || ruleId === 'helm-release-secret-manifest') return 'high';
  return RULES.find((r) => r.id === ruleId)?.severity ?? 'medium';
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** Every rule hit in `text`; overlapping spans are reported once (the most specific rule wins). */
export function scanText(text: string, opts: { rules?: readonly string[] } = {}): RuleMatch[] {
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
      if (rule.accept && !rule.accept(value, m)) continue;
      if (rule.placeholderCheck !== false && isPlaceholder(value)) continue;
      const id = rule.classify ? rule.classify(value, m) : rule.id;
      if (opts.rules && !opts.rules.includes(id) && !opts.rules.includes(rule.id)) continue;
      spans.push([index, end]);
      out.push({ rule: id, title: rule.title, severity: severityOf(id), value, index, line: lineAt(text, index) });
    }
  }
  return out.sort((a, b) => a.index - b.index);
}

/**
 * Scans one keyed value of structured data (a ConfigMap key, an env var, an annotation, a JSON leaf):
 * the text rules on the value, and the generic rule on the key name when the value as a whole looks
 * like a secret.
 */
export function scanKeyValue(key: string, value: string, opts: { rules?: readonly string[] } = {}): RuleMatch[] {
  if (isStructuralKey(key)) return [];
  const hits = scanText(value, opts);
  if (hits.length > 0) return hits;
  if (opts.rules && !opts.rules.includes('generic-secret')) return [];
  if (SECRET_KEY_WORD.test(key) && acceptGenericValue(key, value)) {
    const v = value.trim();
    const index = value.indexOf(v);
    return [{ rule: 'generic-secret', title: 'Secret-looking value in a secret-named key', severity: 'medium', value: v, index, line: lineAt(value, index) }];
  }
  return [];
}
