import { X509Certificate } from 'node:crypto';
import type { Check, Observation } from '@isoproof/core';
import { disallowedSuites } from './ciphers';
import type { HandshakeResult } from './handshake';
import type { HttpResult } from './http-get';
import { type HostInspection, leafOf, PROTOCOLS } from './inspect';
import type { TlsSpec } from './spec';
import type { TlsTarget } from './targets';
import { chainToCa, describeKey, isWeakSignature, keyFacts, keyWeakness, sanDnsNames, signatureAlgorithm } from './x509';

/** What each TLS check observes of one host's inspection: the observations, pure given the inspection. */

function holds(result: string, evidence: Observation['evidence'], latencyMs?: number): Observation {
  const o: Observation = { outcome: 'holds', result, evidence };
  if (latencyMs !== undefined) o.latencyMs = latencyMs;
  return o;
}

function violated(result: string, evidence: Observation['evidence'], latencyMs?: number): Observation {
  const o: Observation = { outcome: 'violated', result, evidence };
  if (latencyMs !== undefined) o.latencyMs = latencyMs;
  return o;
}

function error(error: string, evidence: Observation['evidence'], result = 'infra-error'): Observation {
  return { outcome: 'error', result, error, evidence };
}

export interface CheckInput {
  target: TlsTarget;
  spec: TlsSpec;
  inspection: HostInspection | undefined;
  /** Why the host could not be inspected at all (missing ingress address, ...). */
  unavailable?: string;
  /** The configured CA(s), if any (PEM, one or more certificates). */
  caPem?: string;
  /** The chain is judged by the default trust store (a configured endpoint without a CA file). */
  systemTrust?: boolean;
  hasClientCertificate: boolean;
  /** Where the TLS attempts went, e.g. "127.0.0.1:18443". */
  via: string;
  /** Where the plain HTTP attempt went. */
  viaHttp?: string;
  now: Date;
}

function handshakeLine(h: HandshakeResult): string {
  if (h.class !== 'ok') return `${h.class}${h.error ? ` (${h.error})` : ''}`;
  return `${h.protocol ?? '?'} ${h.cipher ?? ''}`.trim();
}

function httpLine(h: HttpResult): string {
  if (h.class !== 'ok') return `${h.class}${h.error ? ` (${h.error})` : ''}`;
  const loc = h.headers?.location ? ` Location: ${h.headers.location}` : '';
  return `HTTP ${h.status}${loc}`;
}

/** Observation for one (criterion, host). Pure given the inspection. */
export function observe(i: CheckInput): { observation: Observation; control?: Observation; expect: Check['expect'] } {
  const { target, spec, inspection } = i;
  const where = `${target.host}:${target.port} via ${i.via}`;
  const resources = target.sources ?? [target.source];
  const ev = (sent: string, received?: string, notes?: string[]): Observation['evidence'] => {
    const e: Observation['evidence'] = { sent, resources };
    if (received !== undefined) e.received = received;
    if (notes?.length) e.notes = notes;
    return e;
  };
  const expect: Check['expect'] = spec.check === 'mtls' ? 'denied' : 'holds';

  if (spec.check === 'tls-configured' && !target.tlsDeclared) {
    return {
      expect,
      observation: violated('no spec.tls', ev(`${target.source.kind} ${target.namespace}/${target.source.name}`, `host ${target.host} is not listed in spec.tls`)),
    };
  }
  if (i.unavailable) return { expect, observation: error(i.unavailable, ev(where), 'unreachable') };
  const base = inspection?.handshake;
  if (spec.check !== 'redirect') {
    if (!base) return { expect, observation: error('no handshake attempted', ev(where)) };
    if (base.class === 'unreachable') {
      return { expect, observation: error(`ingress address unreachable: ${base.error ?? ''}`.trim(), ev(`TLS ClientHello SNI=${target.host} to ${i.via}`, handshakeLine(base)), 'unreachable') };
    }
  }
  const sentHs = `TLS ClientHello SNI=${target.host} to ${i.via}`;
  if (base && base.class !== 'ok' && spec.check !== 'redirect' && spec.check !== 'mtls') {
    // only the server's refusal (alert, reset, close, not TLS at all) proves a missing TLS endpoint; a
    // handshake that did not finish by the deadline is a slow or silent server: cannot tell
    if (spec.check === 'tls-configured' && base.class === 'refused') {
      return { expect, observation: violated('handshake refused', ev(sentHs, handshakeLine(base), ['the host is declared in spec.tls but no TLS handshake succeeds']), base.latencyMs) };
    }
    return { expect, observation: error(`no TLS handshake with ${target.host}: ${handshakeLine(base)}`, ev(sentHs, handshakeLine(base))) };
  }
  const leaf = leafOf(inspection);

  switch (spec.check) {
    case 'tls-configured':
      return { expect, observation: holds('handshake ok', ev(sentHs, handshakeLine(base as HandshakeResult)), base?.latencyMs) };

    case 'protocols': {
      const p = inspection?.protocols;
      if (!p) return { expect, observation: error('protocol versions were not probed', ev(sentHs)) };
      const bad: string[] = [];
      const unknown: string[] = [];
      // the version each handshake ended with, or why it failed (alert, reset): the refusal is the server's
      const seen = PROTOCOLS.map((v) => {
        const r = p[v];
        if (!r) return `${v}=n/a`;
        return r.class === 'ok' ? `${v}=ok (${r.protocol ?? '?'} ${r.cipher ?? ''})`.replace(' )', ')') : `${v}=${r.class}${r.error ? ` (${r.error})` : ''}`;
      }).join('; ');
      for (const v of spec.refuse) {
        const r = p[v];
        if (!r || r.class === 'unsupported' || r.class === 'unreachable' || r.class === 'timeout') unknown.push(`${v}: ${r ? handshakeLine(r) : 'not probed'}`);
        else if (r.class === 'ok') bad.push(`${v} accepted (${r.cipher ?? ''})`);
      }
      for (const v of spec.accept) {
        const r = p[v];
        if (!r || r.class === 'unsupported' || r.class === 'unreachable' || r.class === 'timeout') unknown.push(`${v}: ${r ? handshakeLine(r) : 'not probed'}`);
        else if (r.class !== 'ok') bad.push(`${v} refused (${r.error ?? ''})`);
      }
      if (spec.acceptAny.length) {
        const any = spec.acceptAny.map((v) => [v, p[v]] as const);
        if (!any.some(([, r]) => r?.class === 'ok')) {
          const open = any.filter(([, r]) => !r || r.class !== 'refused');
          if (open.length) unknown.push(`none of ${spec.acceptAny.join(', ')} accepted, and ${open.map(([v, r]) => `${v}: ${r ? handshakeLine(r) : 'not probed'}`).join(', ')}`);
          else bad.push(`none of ${spec.acceptAny.join(', ')} accepted`);
        }
      }
      const sent = `one ClientHello per version (${PROTOCOLS.join(', ')}) SNI=${target.host} to ${i.via}`;
      if (bad.length) return { expect, observation: violated(bad.join('; '), ev(sent, seen)) };
      if (unknown.length) return { expect, observation: error(`could not tell: ${unknown.join('; ')}`, ev(sent, seen)) };
      const said = [
        spec.refuse.length ? `refuses ${spec.refuse.join(',')}` : '',
        spec.accept.length ? `accepts ${spec.accept.join(',')}` : '',
        spec.acceptAny.length ? `accepts at least one of ${spec.acceptAny.join(',')} (${spec.acceptAny.filter((v) => p[v]?.class === 'ok').join(',')})` : '',
      ].filter(Boolean);
      return { expect, observation: holds(said.join('; '), ev(sent, seen)) };
    }

    case 'ciphers': {
      const c = inspection?.ciphers;
      if (!c) return { expect, observation: error('cipher suites were not probed', ev(sentHs)) };
      const sent = `one TLS 1.2 ClientHello per suite (${c.accepted.length + c.refused.length + c.untestable.length + Object.keys(c.errors).length} suites) SNI=${target.host} to ${i.via}`;
      const received = `accepted: ${c.accepted.join(', ') || 'none'}`;
      const notes = c.untestable.length ? [`not offered by this client's OpenSSL: ${c.untestable.join(', ')}`] : [];
      const weak = disallowedSuites(c.accepted, spec.allowedCiphers);
      if (weak.length) return { expect, observation: violated(`outside the allowed profile: ${weak.join(', ')}`, ev(sent, received, notes)) };
      const errs = Object.entries(c.errors);
      if (errs.length) return { expect, observation: error(`could not test ${errs.map(([s, e]) => `${s} (${e})`).join(', ')}`, ev(sent, received, notes)) };
      if (c.accepted.length === 0 && base?.protocol !== 'TLSv1.3') {
        return { expect, observation: error('no TLS 1.2 suite accepted and TLS 1.3 not negotiated', ev(sent, received, notes)) };
      }
      return { expect, observation: holds(c.accepted.length ? `${c.accepted.length} TLS 1.2 suites, all in the profile` : 'TLS 1.3 only', ev(sent, received, notes)) };
    }

    case 'chain': {
      const chain = base?.chain ?? [];
      const received = `chain: ${chain.map((c) => c.subject.replace(/\n/g, ',')).join(' <- ') || 'none'}; openssl verify: ${base?.verifyError ?? 'ok'}`;
      if (i.systemTrust) {
        // The handshake verified the chain against the default trust store (no CA given to it): Node's
        // bundled Mozilla roots plus NODE_EXTRA_CA_CERTS.
        return base?.verifyError
          ? { expect, observation: violated(`not trusted by the default trust store: ${base.verifyError}`, ev(sentHs, received)) }
          : { expect, observation: holds('chain verified by the default trust store', ev(sentHs, received)) };
      }
      if (!i.caPem) return { expect, observation: error('no CA configured: set facts.tlsCaFile or give the family a CA', ev(sentHs)) };
      // A CA file may hold several certificates (a bundle): the chain must lead to one of them.
      const pems = i.caPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [i.caPem];
      const reasons = pems.map((p) => chainToCa(chain, new X509Certificate(p)));
      const why = reasons.includes(undefined) ? undefined : reasons[0];
      return why
        ? { expect, observation: violated(why, ev(sentHs, received)) }
        : { expect, observation: holds('chain leads to the configured CA', ev(sentHs, received)) };
    }

    case 'san': {
      if (!leaf) return { expect, observation: error('no server certificate', ev(sentHs)) };
      const names = sanDnsNames(leaf.subjectAltName);
      const match = leaf.checkHost(target.host, { subject: 'never' });
      const received = `SAN: ${names.join(', ') || 'none'}`;
      return match
        ? { expect, observation: holds(`SAN ${match} matches`, ev(sentHs, received)) }
        : { expect, observation: violated(`no SAN matches ${target.host}`, ev(sentHs, received)) };
    }

    case 'expiry': {
      if (!leaf) return { expect, observation: error('no server certificate', ev(sentHs)) };
      const from = new Date(leaf.validFrom);
      const to = new Date(leaf.validTo);
      const daysLeft = (to.getTime() - i.now.getTime()) / 86_400_000;
      const received = `notBefore ${from.toISOString()}, notAfter ${to.toISOString()} (${daysLeft.toFixed(1)} days left)`;
      if (to.getTime() <= i.now.getTime()) return { expect, observation: violated(`expired ${to.toISOString()}`, ev(sentHs, received)) };
      if (from.getTime() > i.now.getTime()) return { expect, observation: violated(`not valid before ${from.toISOString()}`, ev(sentHs, received)) };
      if (daysLeft < spec.minDaysLeft) {
        return { expect, observation: violated(`expires in ${daysLeft.toFixed(1)} days (< ${spec.minDaysLeft})`, ev(sentHs, received)) };
      }
      return { expect, observation: holds(`${Math.floor(daysLeft)} days left`, ev(sentHs, received)) };
    }

    case 'key': {
      if (!leaf) return { expect, observation: error('no server certificate', ev(sentHs)) };
      const k = keyFacts(leaf);
      const weak = keyWeakness(k, { minRsaBits: spec.minRsaBits, minEcBits: spec.minEcBits });
      return weak
        ? { expect, observation: violated(weak, ev(sentHs, describeKey(k))) }
        : { expect, observation: holds(describeKey(k), ev(sentHs, describeKey(k))) };
    }

    case 'signature': {
      const chain = base?.chain ?? [];
      if (!leaf) return { expect, observation: error('no server certificate', ev(sentHs)) };
      // every certificate but a self-signed anchor (its own signature is never checked)
      const judged = chain.filter((c, idx) => idx === 0 || !c.checkIssued(c));
      const algs = judged.map((c) => ({ c, alg: safeSignatureAlgorithm(c) }));
      const received = algs.map((a) => `${a.c.subject.replace(/\n/g, ',')}: ${a.alg}`).join('; ');
      const weak = algs.filter((a) => isWeakSignature(a.alg));
      return weak.length
        ? { expect, observation: violated(`weak signature: ${weak.map((w) => w.alg).join(', ')}`, ev(sentHs, received)) }
        : { expect, observation: holds(algs.map((a) => a.alg).join(', '), ev(sentHs, received)) };
    }

    case 'redirect': {
      const r = inspection?.redirect;
      const sent = `GET http://${target.host}/ to ${i.viaHttp ?? '(no HTTP address)'}`;
      if (!r) return { expect, observation: error('HTTP was not probed (facts.ingressHttpAddress missing?)', ev(sent)) };
      if (r.class !== 'ok') return { expect, observation: error(`no HTTP answer: ${httpLine(r)}`, ev(sent, httpLine(r)), r.class) };
      const loc = r.headers?.location;
      const code = r.status ?? 0;
      if (![301, 302, 307, 308].includes(code)) return { expect, observation: violated(`HTTP ${code}, no redirect`, ev(sent, httpLine(r)), r.latencyMs) };
      let url: URL | undefined;
      try {
        url = loc ? new URL(loc, `http://${target.host}/`) : undefined;
      } catch {
        url = undefined;
      }
      if (!url || url.protocol !== 'https:' || url.hostname.toLowerCase() !== target.host.toLowerCase()) {
        return { expect, observation: violated(`redirect to ${loc ?? '(no Location)'} is not https://${target.host}`, ev(sent, httpLine(r)), r.latencyMs) };
      }
      return { expect, observation: holds(`${code} -> ${loc}`, ev(sent, httpLine(r)), r.latencyMs) };
    }

    case 'hsts': {
      const r = inspection?.hsts;
      const sent = `GET https://${target.host}/ to ${i.via}`;
      if (!r) return { expect, observation: error('HTTPS was not probed', ev(sent)) };
      if (r.class !== 'ok') return { expect, observation: error(`no HTTPS answer: ${httpLine(r)}`, ev(sent, httpLine(r)), r.class) };
      const header = r.headers?.['strict-transport-security'];
      const received = `HTTP ${r.status}; Strict-Transport-Security: ${header ?? '(absent)'}`;
      const age = parseHstsMaxAge(header);
      if (age === undefined) return { expect, observation: violated('no Strict-Transport-Security max-age', ev(sent, received), r.latencyMs) };
      if (age < spec.hstsMinMaxAge) return { expect, observation: violated(`max-age ${age} < ${spec.hstsMinMaxAge}`, ev(sent, received), r.latencyMs) };
      return { expect, observation: holds(`max-age=${age}`, ev(sent, received), r.latencyMs) };
    }

    case 'mtls': {
      const m = inspection?.mtls;
      const sent = `GET https://${target.host}/ to ${i.via} without a client certificate`;
      if (!m) return { expect, observation: error('mTLS was not probed', ev(sent)) };
      const w = m.without;
      let observation: Observation;
      // Some controllers (ingress-nginx) finish the handshake and answer 400/495/496 instead of
      // refusing it. That counts as a refusal only when the same request with a certificate gets a
      // non-error answer: a backend that answers 4xx to everyone proves nothing.
      const httpRefusal =
        w.class === 'ok' &&
        w.status !== undefined &&
        CLIENT_CERT_REFUSAL_STATUS.has(w.status) &&
        m.with?.class === 'ok' &&
        m.with.status !== undefined &&
        m.with.status < 400;
      if (httpRefusal) observation = { outcome: 'denied', result: `HTTP ${w.status} without a client certificate (HTTP ${m.with?.status} with one)`, latencyMs: w.latencyMs, evidence: ev(sent, httpLine(w)) };
      else if (w.class === 'ok') observation = { outcome: 'allowed', result: `HTTP ${w.status} without a client certificate`, latencyMs: w.latencyMs, evidence: ev(sent, httpLine(w)) };
      else if (w.class === 'refused') observation = { outcome: 'denied', result: `refused: ${w.error ?? ''}`.trim(), latencyMs: w.latencyMs, evidence: ev(sent, httpLine(w)) };
      else observation = error(`could not tell: ${httpLine(w)}`, ev(sent, httpLine(w)), w.class);
      const csent = `GET https://${target.host}/ to ${i.via} with a client certificate of the configured CA`;
      let control: Observation;
      if (!m.with) control = error(i.hasClientCertificate ? 'control not attempted' : 'no client certificate configured (facts.tlsClientCertFile/tlsClientKeyFile or family option)', ev(csent));
      else if (m.with.class === 'ok') control = { outcome: 'allowed', result: `HTTP ${m.with.status}`, latencyMs: m.with.latencyMs, evidence: ev(csent, httpLine(m.with)) };
      else if (m.with.class === 'refused') control = { outcome: 'denied', result: `refused: ${m.with.error ?? ''}`.trim(), latencyMs: m.with.latencyMs, evidence: ev(csent, httpLine(m.with)) };
      else control = error(`could not tell: ${httpLine(m.with)}`, ev(csent, httpLine(m.with)), m.with.class);
      return { expect, observation, control };
    }
  }
}

/** HTTP answers that mean "no client certificate" (400: ingress-nginx; 495/496: nginx's own codes). */
const CLIENT_CERT_REFUSAL_STATUS = new Set([400, 403, 495, 496]);

function safeSignatureAlgorithm(c: X509Certificate): string {
  try {
    return signatureAlgorithm(c.raw);
  } catch (err) {
    return `unparsable (${(err as Error).message})`;
  }
}

/** max-age of a Strict-Transport-Security header value; undefined when absent or malformed. */
export function parseHstsMaxAge(header: string | undefined): number | undefined {
  if (!header) return undefined;
  // several headers are joined with ", "; the first valid directive set counts
  const first = header.split(',')[0] ?? '';
  for (const part of first.split(';')) {
    const m = /^\s*max-age\s*=\s*"?(\d+)"?\s*$/i.exec(part);
    if (m) return Number(m[1]);
  }
  return undefined;
}
