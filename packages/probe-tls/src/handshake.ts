import { X509Certificate } from 'node:crypto';
import { connect as tlsConnect, type ConnectionOptions, type PeerCertificate, type SecureVersion, type TLSSocket } from 'node:tls';
import type { Address } from './address';

/**
 * Outcome classes of one attempt:
 * - ok: handshake (and request, for HTTP) completed
 * - refused: TCP connected but the server refused the TLS parameters (alert, reset, close)
 * - unreachable: no TCP connection (refused port, no route, connect timeout)
 * - timeout: connected but no answer within the bound
 * - unsupported: this client cannot offer what was asked (e.g. cipher unknown to this OpenSSL)
 */
export type AttemptClass = 'ok' | 'refused' | 'unreachable' | 'timeout' | 'unsupported';

export interface HandshakeOptions {
  address: Address;
  servername?: string;
  minVersion?: SecureVersion;
  maxVersion?: SecureVersion;
  /** OpenSSL cipher string for TLS <= 1.2. */
  ciphers?: string;
  /** TLS 1.3 suites. */
  ciphersuites?: string;
  ca?: string;
  cert?: string;
  key?: string;
  timeoutMs: number;
}

export interface HandshakeResult {
  class: AttemptClass;
  /** Error code or message when not ok. */
  error?: string;
  protocol?: string;
  cipher?: string;
  /** Peer certificates, leaf first (as verified by OpenSSL when a CA was given, else as sent). */
  chain?: X509Certificate[];
  /** OpenSSL's verification error against `ca` (chain, dates), if any. */
  verifyError?: string;
  latencyMs: number;
}

/**
 * Errors raised by this client's own OpenSSL before or instead of the server's answer (it cannot
 * offer what was asked): they say nothing about the server, so they are "unsupported", never a
 * refusal (a probe pinned to TLS 1.0 must not read its own limits as the server refusing TLS 1.0).
 */
const CLIENT_SIDE = new Set([
  'ERR_SSL_NO_PROTOCOLS_AVAILABLE',
  'ERR_SSL_NO_CIPHERS_AVAILABLE',
  'ERR_SSL_LEGACY_SIGALG_DISALLOWED_OR_UNSUPPORTED',
]);

const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN']);

export function errorCode(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return e.code ?? e.message ?? String(err);
}

function peerChain(sock: TLSSocket): X509Certificate[] {
  const out: X509Certificate[] = [];
  let cur: PeerCertificate | undefined = sock.getPeerCertificate(true) as PeerCertificate;
  const seen = new Set<string>();
  while (cur?.raw && !seen.has(cur.fingerprint256)) {
    seen.add(cur.fingerprint256);
    out.push(new X509Certificate(cur.raw));
    const next: PeerCertificate | undefined = (cur as PeerCertificate & { issuerCertificate?: PeerCertificate }).issuerCertificate;
    cur = next;
  }
  return out;
}

export function baseTlsOptions(o: HandshakeOptions): ConnectionOptions {
  const opts: ConnectionOptions = {
    host: o.address.host,
    port: o.address.port,
    rejectUnauthorized: false,
    // identity is judged by the probe itself (checkHost), not by node
    checkServerIdentity: () => undefined,
    minVersion: o.minVersion ?? 'TLSv1',
    maxVersion: o.maxVersion ?? 'TLSv1.3',
    ciphers: o.ciphers ?? 'DEFAULT:@SECLEVEL=0',
  };
  if (o.servername) opts.servername = o.servername;
  if (o.ciphersuites) (opts as ConnectionOptions & { ciphersuites?: string }).ciphersuites = o.ciphersuites;
  if (o.ca) opts.ca = o.ca;
  if (o.cert) opts.cert = o.cert;
  if (o.key) opts.key = o.key;
  return opts;
}

/** One bounded TLS handshake; never throws. */
export function handshake(o: HandshakeOptions): Promise<HandshakeResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    let sock: TLSSocket;
    let tcp = false;
    let done = false;
    const finish = (r: Omit<HandshakeResult, 'latencyMs'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock?.destroy();
      resolve({ ...r, latencyMs: Date.now() - started });
    };
    const timer = setTimeout(
      () => finish(tcp ? { class: 'timeout', error: `no TLS answer within ${o.timeoutMs} ms` } : { class: 'unreachable', error: `connect timeout after ${o.timeoutMs} ms` }),
      o.timeoutMs,
    );
    try {
      sock = tlsConnect(baseTlsOptions(o));
    } catch (err) {
      // e.g. "No cipher match" for a suite this OpenSSL does not have
      finish({ class: 'unsupported', error: errorCode(err) });
      return;
    }
    sock.once('connect', () => {
      tcp = true;
    });
    sock.once('secureConnect', () => {
      const r: Omit<HandshakeResult, 'latencyMs'> = { class: 'ok', chain: peerChain(sock) };
      const protocol = sock.getProtocol();
      if (protocol) r.protocol = protocol;
      const c = sock.getCipher();
      if (c) r.cipher = c.standardName ?? c.name;
      const ssl = (sock as unknown as { ssl?: { verifyError(): Error | null } }).ssl;
      const ve = ssl?.verifyError();
      if (ve) r.verifyError = (ve as Error & { code?: string }).code ?? ve.message;
      finish(r);
    });
    sock.once('error', (err) => {
      const code = errorCode(err);
      if (!tcp && UNREACHABLE.has(code)) finish({ class: 'unreachable', error: code });
      else if (/NO_CIPHER_MATCH|no cipher match/i.test(code) || CLIENT_SIDE.has(code)) finish({ class: 'unsupported', error: code });
      else finish({ class: 'refused', error: code });
    });
    sock.once('close', () => finish(tcp ? { class: 'refused', error: 'connection closed during handshake' } : { class: 'unreachable', error: 'closed before connect' }));
  });
}
