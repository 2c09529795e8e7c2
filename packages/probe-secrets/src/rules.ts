import { isReferenceKey } from './allowlist';
import { charClasses } from './entropy';
import type { DismissReason } from './dismissals';
import { acceptGenericValue, genericDismissal } from './dismissals';
import { decodeJwt, isServiceAccountJwt } from './jwt';
import { KEYED_RULES, isKeyedName, keyedRuleOf } from './keyed-rules';

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

function isPrintable(s: string): boolean {
  return /^[\x20-\x7e]+$/.test(s);
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
