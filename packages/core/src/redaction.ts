import { createHmac, randomBytes } from 'node:crypto';

/**
 * Redaction: every secret value a probe touches is registered; every string that reaches a report,
 * log or artifact passes through `scrub`/`redactText`, which replaces each registered value (and its
 * base64, base64url and URL-encoded forms) by a keyed hash `hmac:<16 hex>`. The hash lets a reader
 * correlate occurrences without learning the value. Values shorter than 4 characters are not
 * registered (they would shred ordinary text). Bearer tokens and JWT-shaped strings are replaced even
 * when not registered (defence in depth).
 */
export interface Redactor {
  /** Registers a secret value (and its encoded forms). Values shorter than 4 characters are ignored. */
  register(secret: string): void;
  /** Keyed HMAC-SHA256 of a value: `hmac:` + 16 hex characters. */
  hash(value: string): string;
  /** Deep copy of `value` with every registered value replaced by its hash (strings, arrays, plain
   * objects, class instances' own fields, Maps, Sets; keys too). */
  scrub<T>(value: T): T;
  /** Redacts one string. */
  redactText(text: string): string;
  /** Number of registered secret values. */
  readonly size: number;
}

export const MIN_SECRET_LENGTH = 4;

const JWT = /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g;
const BEARER = /\b(Bearer\s+)([A-Za-z0-9._~+/=-]{8,})/g;

function encodedForms(secret: string): string[] {
  const buf = Buffer.from(secret, 'utf8');
  const b64 = buf.toString('base64');
  const forms = new Set<string>([
    secret,
    b64,
    b64.replace(/=+$/, ''),
    buf.toString('base64url'),
    encodeURIComponent(secret),
    // form encoding writes spaces as '+'
    encodeURIComponent(secret).replace(/%20/g, '+'),
  ]);
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function createRedactor(key?: Buffer): Redactor {
  const k = key ?? randomBytes(32);
  const forms = new Map<string, string>(); // form -> hash of the raw secret
  const secrets = new Set<string>();
  let re: RegExp | undefined;

  const hash = (value: string) => `hmac:${createHmac('sha256', k).update(value, 'utf8').digest('hex').slice(0, 16)}`;

  const redactText = (text: string): string => {
    let out = text;
    if (forms.size) {
      if (!re) {
        const alts = [...forms.keys()].sort((a, b) => b.length - a.length).map(escapeRe);
        re = new RegExp(alts.join('|'), 'g');
      }
      out = out.replace(re, (m) => forms.get(m) ?? hash(m));
    }
    out = out.replace(BEARER, (_m, p: string, tok: string) => (tok.startsWith('hmac:') ? _m : `${p}${hash(tok)}`));
    out = out.replace(JWT, (m) => hash(m));
    return out;
  };

  const scrub = <T>(value: T): T => {
    const seen = new WeakMap<object, unknown>();
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return redactText(v);
      if (v === null || typeof v !== 'object') return v;
      if (seen.has(v)) return seen.get(v);
      if (Array.isArray(v)) {
        const arr: unknown[] = [];
        seen.set(v, arr);
        for (const item of v) arr.push(walk(item));
        return arr;
      }
      if (v instanceof Map) {
        const m = new Map<unknown, unknown>();
        seen.set(v, m);
        for (const [mk, mv] of v) m.set(walk(mk), walk(mv));
        return m;
      }
      if (v instanceof Set) {
        const s = new Set<unknown>();
        seen.set(v, s);
        for (const item of v) s.add(walk(item));
        return s;
      }
      if (v instanceof Date) return new Date(v.getTime());
      if (ArrayBuffer.isView(v)) {
        // Binary: redact its utf8 reading, keep the type when it is a Buffer.
        const text = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8');
        const red = redactText(text);
        return red === text ? (Buffer.isBuffer(v) ? Buffer.from(v) : v) : Buffer.from(red, 'utf8');
      }
      if (v instanceof Error) {
        const e = new Error(redactText(v.message));
        e.name = v.name;
        if (v.stack) e.stack = redactText(v.stack);
        seen.set(v, e);
        for (const [ek, ev] of Object.entries(v)) (e as unknown as Record<string, unknown>)[ek] = walk(ev);
        return e;
      }
      const proto = Object.getPrototypeOf(v) as object | null;
      const o = Object.create(proto) as Record<string, unknown>;
      seen.set(v, o);
      for (const [ok, ov] of Object.entries(v)) o[redactText(ok)] = walk(ov);
      return o;
    };
    return walk(value) as T;
  };

  return {
    register(secret: string) {
      if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH || secrets.has(secret)) return;
      secrets.add(secret);
      const h = hash(secret);
      for (const f of encodedForms(secret)) if (!forms.has(f)) forms.set(f, h);
      re = undefined;
    },
    hash,
    scrub,
    redactText,
    get size() {
      return secrets.size;
    },
  };
}

function defaultKey(): Buffer | undefined {
  const env = process.env.ISOPROOF_REDACTION_KEY;
  return env && env.length >= 16 ? Buffer.from(env, 'utf8') : undefined;
}

/**
 * The process-wide redactor every package registers secrets with and every writer scrubs through.
 * Its key is random per process unless ISOPROOF_REDACTION_KEY (16+ chars) is set, which makes hashes
 * comparable across runs.
 */
export const defaultRedactor: Redactor = createRedactor(defaultKey());

/** Redacts a string with the given redactor (default: the process-wide one). */
export function redactText(text: string, redactor: Redactor = defaultRedactor): string {
  return redactor.redactText(text);
}
