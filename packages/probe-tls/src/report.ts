import type { ReportSection } from '@isoproof/core';
import { disallowedSuites } from './ciphers';
import { parseHstsMaxAge } from './checks';
import { type HostInspection, leafOf, PROTOCOLS } from './inspect';
import { type EnumerationNote, targetKey, type TlsTarget } from './targets';
import { commonName, describeKey, sanDnsNames, signatureAlgorithm } from './x509';

const SHORT: Record<string, string> = { TLSv1: '1.0', 'TLSv1.1': '1.1', 'TLSv1.2': '1.2', 'TLSv1.3': '1.3' };

export function protocolsCell(h: HostInspection | undefined): string {
  const p = h?.protocols;
  if (!p) return '-';
  const acc = PROTOCOLS.filter((v) => p[v]?.class === 'ok').map((v) => SHORT[v]);
  const ref = PROTOCOLS.filter((v) => p[v]?.class === 'refused').map((v) => SHORT[v]);
  const other = PROTOCOLS.filter((v) => p[v] && p[v]?.class !== 'ok' && p[v]?.class !== 'refused').map((v) => `${SHORT[v]}?`);
  return [acc.length ? `ok ${acc.join(',')}` : '', ref.length ? `no ${ref.join(',')}` : '', other.join(',')].filter(Boolean).join('; ');
}

export function ciphersCell(h: HostInspection | undefined): string {
  const c = h?.ciphers;
  if (!c) return '-';
  const weak = disallowedSuites(c.accepted);
  if (weak.length) return `WEAK ${weak.join(',')}`;
  return `intermediate (${c.accepted.length})`;
}

export function certificateCell(h: HostInspection | undefined, now: Date): string {
  const leaf = leafOf(h);
  if (!leaf) return h?.handshake ? `${h.handshake.class}${h.handshake.error ? `: ${h.handshake.error}` : ''}` : '-';
  const cn = commonName(leaf.subject) ?? '?';
  const san = sanDnsNames(leaf.subjectAltName).join(',') || 'none';
  const to = new Date(leaf.validTo);
  const days = Math.floor((to.getTime() - now.getTime()) / 86_400_000);
  let sig = '?';
  try {
    sig = signatureAlgorithm(leaf.raw);
  } catch {
    /* reported by the signature check */
  }
  return `CN=${cn}; SAN=${san}; notAfter=${to.toISOString().slice(0, 10)} (${days}d); ${describeKey(keyOf(leaf))}; ${sig}`;
}

function keyOf(leaf: NonNullable<ReturnType<typeof leafOf>>) {
  const k = leaf.publicKey;
  const d = k.asymmetricKeyDetails ?? {};
  const type = k.asymmetricKeyType ?? 'unknown';
  return type === 'ec' ? { type, curve: d.namedCurve ?? '?' } : d.modulusLength === undefined ? { type } : { type, bits: d.modulusLength };
}

export function redirectCell(h: HostInspection | undefined): string {
  const r = h?.redirect;
  if (!r) return '-';
  if (r.class !== 'ok') return r.class;
  return r.headers?.location ? `${r.status} ${r.headers.location}` : `${r.status} (none)`;
}

export function hstsCell(h: HostInspection | undefined): string {
  const r = h?.hsts;
  if (!r) return '-';
  if (r.class !== 'ok') return r.class;
  const age = parseHstsMaxAge(r.headers?.['strict-transport-security']);
  return age === undefined ? 'absent' : `max-age=${age}`;
}

export function mtlsCell(h: HostInspection | undefined): string {
  const m = h?.mtls;
  if (!m) return '-';
  const w = m.without.class === 'ok' ? 'no-cert ok' : `no-cert ${m.without.class}`;
  const c = m.with ? (m.with.class === 'ok' ? 'cert ok' : `cert ${m.with.class}`) : 'cert n/a';
  return `${w}; ${c}`;
}

/** The per-host table of a run. */
export function hostTable(
  run: { targets: TlsTarget[]; notes: EnumerationNote[]; inspections: Map<string, HostInspection>; durationMs: number },
  now: Date,
): ReportSection {
  const rows: string[][] = [];
  const seen = new Set<string>();
  for (const t of run.targets) {
    const key = targetKey(t);
    if (seen.has(key)) continue;
    seen.add(key);
    const h = run.inspections.get(key);
    rows.push([
      key,
      `${t.source.kind} ${t.namespace}/${t.source.name}`,
      t.tlsDeclared ? h?.handshake?.protocol ?? (h?.handshake ? h.handshake.class : 'declared') : 'NO spec.tls',
      protocolsCell(h),
      ciphersCell(h),
      certificateCell(h, now),
      redirectCell(h),
      hstsCell(h),
      mtlsCell(h),
    ]);
  }
  const notes = run.notes.map((n) => `${n.source.kind} ${n.source.namespace ?? ''}/${n.source.name}: ${n.note}`);
  return {
    type: 'table',
    title: 'TLS endpoints',
    columns: ['host', 'source', 'tls', 'protocols', 'ciphers', 'certificate', 'redirect', 'HSTS', 'mTLS'],
    rows,
    note: [`${run.inspections.size} hosts probed in ${run.durationMs} ms`, ...notes].join('; '),
  };
}
