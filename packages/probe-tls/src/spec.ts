import type { SecureVersion } from 'node:tls';
import type { Criterion } from '@isoproof/core';
import { MOZILLA_INTERMEDIATE_TLS12 } from './ciphers';
import { type Aspect, PROTOCOLS } from './inspect';
import type { TlsTarget } from './targets';

export const TLS_CHECKS = [
  'tls-configured',
  'protocols',
  'ciphers',
  'chain',
  'san',
  'expiry',
  'key',
  'signature',
  'redirect',
  'hsts',
  'mtls',
] as const;
export type TlsCheckKind = (typeof TLS_CHECKS)[number];

/** A TLS criterion's spec, with defaults applied. */
export interface TlsSpec {
  check: TlsCheckKind;
  /** Host names (exact or "*.domain" globs) this criterion covers; default every public host. */
  hosts?: string[];
  /** Namespaces searched besides the scenario's own. */
  namespaces: string[];
  /** Versions every handshake pinned to must fail. */
  refuse: SecureVersion[];
  /** Versions every handshake pinned to must succeed. */
  accept: SecureVersion[];
  /** Versions of which at least one must succeed (default TLS 1.2, TLS 1.3). */
  acceptAny: SecureVersion[];
  allowedCiphers: string[];
  minDaysLeft: number;
  minRsaBits: number;
  minEcBits: number;
  hstsMinMaxAge: number;
  timeoutMs: number;
}

export const DEFAULTS = {
  // The security property is "nothing below 1.2"; offering 1.2 next to 1.3 is a compatibility
  // choice, so by default one of 1.2/1.3 suffices (a TLS 1.3-only endpoint passes).
  refuse: ['TLSv1', 'TLSv1.1'] as SecureVersion[],
  accept: [] as SecureVersion[],
  acceptAny: ['TLSv1.2', 'TLSv1.3'] as SecureVersion[],
  minDaysLeft: 14,
  minRsaBits: 2048,
  minEcBits: 256,
  hstsMinMaxAge: 15_552_000,
  timeoutMs: 3_000,
};

const ASPECT: Record<TlsCheckKind, Aspect> = {
  'tls-configured': 'handshake',
  protocols: 'protocols',
  ciphers: 'ciphers',
  chain: 'handshake',
  san: 'handshake',
  expiry: 'handshake',
  key: 'handshake',
  signature: 'handshake',
  redirect: 'redirect',
  hsts: 'hsts',
  mtls: 'mtls',
};

export function aspectOf(check: TlsCheckKind): Aspect {
  return ASPECT[check];
}

const KNOWN_KEYS = new Set([
  'check',
  'hosts',
  'namespaces',
  'refuse',
  'accept',
  'acceptAny',
  'allowedCiphers',
  'minDaysLeft',
  'minRsaBits',
  'minEcBits',
  'hstsMinMaxAge',
  'timeoutMs',
]);

function strings(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string' && s.length > 0);
}

/** Problems of a criterion's spec (empty when valid). */
export function specProblems(c: Criterion): string[] {
  const s = c.spec;
  const p: string[] = [];
  const at = `${c.id}.spec`;
  if (!TLS_CHECKS.includes(s.check as TlsCheckKind)) p.push(`${at}.check: must be one of ${TLS_CHECKS.join(', ')}`);
  for (const k of Object.keys(s)) if (!KNOWN_KEYS.has(k)) p.push(`${at}.${k}: unknown key (known: ${[...KNOWN_KEYS].join(', ')})`);
  for (const k of ['hosts', 'namespaces', 'allowedCiphers'] as const) {
    if (s[k] !== undefined && !strings(s[k])) p.push(`${at}.${k}: must be a list of non-empty strings`);
  }
  for (const k of ['refuse', 'accept', 'acceptAny'] as const) {
    const v = s[k];
    if (v !== undefined && !((Array.isArray(v) && v.length === 0) || (strings(v) && v.every((x) => (PROTOCOLS as readonly string[]).includes(x))))) {
      p.push(`${at}.${k}: must be a list of ${PROTOCOLS.join(', ')}`);
    }
  }
  if (s.check === 'protocols') {
    const refuse = (s.refuse as string[] | undefined) ?? DEFAULTS.refuse;
    const both = [...((s.accept as string[] | undefined) ?? []), ...((s.acceptAny as string[] | undefined) ?? [])].filter((v) => refuse.includes(v));
    if (both.length) p.push(`${at}: ${both.join(', ')} cannot be both refused and accepted`);
  }
  for (const k of ['minDaysLeft', 'minRsaBits', 'minEcBits', 'hstsMinMaxAge'] as const) {
    const v = s[k];
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v >= 0)) p.push(`${at}.${k}: must be a number >= 0`);
  }
  const t = s.timeoutMs;
  if (t !== undefined && !(typeof t === 'number' && t >= 100 && t <= 30_000)) p.push(`${at}.timeoutMs: must be a number of ms in 100..30000`);
  if (s.check === 'mtls' && !strings(s.hosts)) p.push(`${at}.hosts: an mtls check must name the hosts that require client certificates`);
  return p;
}

/** The spec with defaults; call after specProblems() is empty. */
export function parseSpec(c: Criterion): TlsSpec {
  const s = c.spec as Partial<TlsSpec> & Record<string, unknown>;
  const spec: TlsSpec = {
    check: s.check as TlsCheckKind,
    namespaces: s.namespaces ?? [],
    refuse: s.refuse ?? DEFAULTS.refuse,
    accept: s.accept ?? DEFAULTS.accept,
    acceptAny: s.acceptAny ?? DEFAULTS.acceptAny,
    allowedCiphers: s.allowedCiphers ?? [...MOZILLA_INTERMEDIATE_TLS12],
    minDaysLeft: s.minDaysLeft ?? DEFAULTS.minDaysLeft,
    minRsaBits: s.minRsaBits ?? DEFAULTS.minRsaBits,
    minEcBits: s.minEcBits ?? DEFAULTS.minEcBits,
    hstsMinMaxAge: s.hstsMinMaxAge ?? DEFAULTS.hstsMinMaxAge,
    timeoutMs: s.timeoutMs ?? DEFAULTS.timeoutMs,
  };
  if (s.hosts) spec.hosts = s.hosts;
  return spec;
}

/** Exact host match, or "*.domain" matching one extra label. */
export function hostMatches(host: string, pattern: string): boolean {
  const h = host.toLowerCase();
  const p = pattern.toLowerCase();
  if (p.startsWith('*.')) {
    const rest = p.slice(1);
    return h.endsWith(rest) && !h.slice(0, -rest.length).includes('.') && h.length > rest.length;
  }
  return h === p;
}

export function selectTargets(targets: TlsTarget[], spec: Pick<TlsSpec, 'hosts'>): TlsTarget[] {
  if (!spec.hosts) return targets;
  const patterns = spec.hosts;
  return targets.filter((t) => patterns.some((p) => hostMatches(t.host, p)));
}
