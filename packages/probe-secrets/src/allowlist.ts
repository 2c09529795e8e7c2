/**
 * Kubernetes-aware allowlists: keys that are never secrets (apiVersion, apiGroup, ...), values that
 * are placeholders or references, and paths of objects whose values are encrypted by design
 * (SealedSecret spec.encryptedData).
 */

/** Keys whose values are structural Kubernetes fields, never secrets. */
const STRUCTURAL_KEYS = new Set([
  'apiversion',
  'apigroup',
  'apigroups',
  'kind',
  'resourceversion',
  'uid',
  'generation',
  'creationtimestamp',
  'generatename',
  'selflink',
  'pod-template-hash',
  'controller-revision-hash',
  'deployment.kubernetes.io/revision',
  'kubectl.kubernetes.io/restartedat',
  'kubectl.kubernetes.io/default-container',
]);

/** True when `key` (last path segment or annotation/env name) is structural and never carries a secret. */
export function isStructuralKey(key: string): boolean {
  const k = key.toLowerCase();
  return STRUCTURAL_KEYS.has(k) || k.startsWith('checksum/') || k.endsWith('.kubernetes.io/revision');
}

/**
 * Key names that say "this holds a reference to a secret, not the secret": SECRET_NAME,
 * tokenFile, password_path, secretRef, authUrl, tokenAudience, ...
 */
const REFERENCE_KEY = /(?:name|names|ref|file|path|dir|url|uri|endpoint|audience|type|mode|enabled|length|ttl|expiry|expiration|seconds|header|key_?id|keyref|selector|version|hash|issuer|realm|scope|method|provider)$/i;

export function isReferenceKey(key: string): boolean {
  return REFERENCE_KEY.test(key.replace(/[^A-Za-z0-9_]/g, '_'));
}

/** Placeholder and template values that are not secrets ("changeme", "<token>", "${DB_PASSWORD}", ...). */
const PLACEHOLDER_SUBSTRINGS = [
  'example',
  'changeme',
  'change-me',
  'change_me',
  'placeholder',
  'dummy',
  'redacted',
  '****',
  'your_',
  'your-',
  'insert',
  'replace',
  'notasecret',
  'not-a-secret',
];

const PLACEHOLDER_EXACT = new Set([
  'password',
  'passwd',
  'secret',
  'token',
  'true',
  'false',
  'null',
  'none',
  'nil',
  'undefined',
  'empty',
  'default',
  'required',
  'optional',
  'bearer',
  'basic',
]);

/** True when the value is a placeholder, a template reference or one of our own redaction hashes. */
export function isPlaceholder(value: string): boolean {
  const v = value.trim().toLowerCase();
  if (PLACEHOLDER_EXACT.has(v)) return true;
  if (/^hmac:[0-9a-f]{16}$/.test(v)) return true; // already redacted by isoproof
  if (/^\$\{[^}]*\}$|^\$\([^)]*\)$|^\{\{.*\}\}$|^<[^>]*>$|^%\([^)]*\)s?$|^\$[A-Za-z_][A-Za-z0-9_]*$/.test(value.trim())) return true;
  if (/\$\{[^}]+\}|\{\{[^}]+\}\}|\$\([A-Za-z_][A-Za-z0-9_]*\)/.test(value)) return true;
  if (/^(.)\1+$/.test(v)) return true; // "aaaaaaaa", "********"
  // a run of six same-case x marks a template ("ghp_xxxxxxxx..."); four random letters "xXxX" are not one
  if (/x{6,}|X{6,}|\.{6,}/.test(value)) return true;
  return PLACEHOLDER_SUBSTRINGS.some((p) => v.includes(p));
}

/** Values that are file system paths or Kubernetes object references rather than secrets. */
export function looksLikePathOrReference(value: string): boolean {
  const v = value.trim();
  if (/^\/[\w./-]*$/.test(v)) return true; // /var/run/secrets/...
  // dns names / object names: lower-case words or numbers joined by '-' and '.' (no mixed random runs)
  if (/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(v) && v.split(/[-.]/).every((w) => /^[a-z]+$|^\d+$/.test(w))) return true;
  if (/^https?:\/\/[^@\s]*$/.test(v)) return true; // URL without credentials
  if (/^(?:[a-z0-9.-]+\/)?[a-z0-9._/-]+:[\w.-]+$/.test(v) && v.includes('/')) return true; // image reference
  return false;
}

/**
 * Paths (dot-joined) inside a decoded object that carry ciphertext by design and are never findings:
 * SealedSecret spec.encryptedData.* and spec.template.data keys are encrypted for the controller only.
 */
export function isEncryptedByDesign(kind: string | undefined, path: string[]): boolean {
  if (kind === 'SealedSecret') {
    return path[0] === 'spec' && path[1] === 'encryptedData';
  }
  return false;
}

/** Key names of identity/location fields (DB_USER, username, host, port, database, ...). */
const IDENTITY_KEY = /(?:^|[^A-Za-z0-9])(?:user|username|user_?name|login|host|hostname|port|database|db|db_?name|dbname|name|namespace|region|email)$/i;
const SECRET_WORD_IN_KEY = /passw|pwd|secret|token|key|credential|auth|pass(?:phrase)?$/i;

/**
 * True when a Secret's `key: value` is an identity, not a secret: the key names an identity field
 * (and no secret word), and the value has the shape of an object name, a DNS name or a number
 * (`DB_USER: orders`, `host: mysql.shop.svc`). Anything else in a Secret counts as secret.
 */
export function isIdentityValue(key: string, value: string): boolean {
  const k = key.replace(/([a-z0-9])([A-Z])/g, '$1_$2');
  if (!IDENTITY_KEY.test(k) || SECRET_WORD_IN_KEY.test(k)) return false;
  const v = value.trim();
  return v.length > 0 && v.length <= 253 && (/^\d+$/.test(v) || looksLikePathOrReference(v)) && !v.startsWith('/');
}
