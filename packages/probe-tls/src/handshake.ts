import { X509Certificate } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type PeerCertificate, type SecureVersion, type TLSSocket } from 'node:tls';
import { Client } from 'undici';

/** Where the probe connects (the ingress address), whatever host name it presents in SNI/Host. */
export interface Address {
  host: string;
  port: number;
}

export function parseAddress(value: string, defaultPort: number): Address | undefined {
  const v = value.trim();
  if (!v) return undefined;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(v);
  if (bracket) return { host: bracket[1] as string, port: bracket[2] ? Number(bracket[2]) : defaultPort };
  const idx = v.lastIndexOf(':');
  if (idx > 0 && v.indexOf(':') === idx) {
    const port = Number(v.slice(idx + 1));
    if (!Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
    return { host: v.slice(0, idx), port };
  }
  return { host: v, port: defaultPort };
}

export function formatAddress(a: Address): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

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

function errorCode(err: unknown): string {
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

function baseTlsOptions(o: HandshakeOptions): ConnectionOptions {
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

export interface HttpResult {
  class: AttemptClass;
  error?: string;
  status?: number;
  headers?: Record<string, string>;
  latencyMs: number;
}

export interface HttpOptions {
  scheme: 'http' | 'https';
  /** The host name presented in Host (and SNI for https). */
  host: string;
  address: Address;
  path?: string;
  timeoutMs: number;
  /** TLS client options for https (client certificate, CA). */
  tls?: Pick<HandshakeOptions, 'ca' | 'cert' | 'key' | 'minVersion' | 'maxVersion'>;
}

/** "CODE (reason)" of a TLS socket error, e.g. "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED (tlsv13 alert certificate required)". */
function tlsErrorText(err: unknown): string {
  const e = err as { code?: string; reason?: string; message?: string };
  const code = e.code ?? e.message ?? String(err);
  return e.reason && e.code ? `${code} (${e.reason})` : code;
}

/** The deadline of an attempt passed: raised into undici's connect callback when the handshake hangs. */
class AttemptDeadline extends Error {
  readonly code = 'ISOPROOF_TLS_DEADLINE';
}

/**
 * One HTTP(S) GET through undici that connects to `address` and presents `host`; never throws and
 * always settles by `timeoutMs` (the TCP connect and the TLS handshake included: undici's own
 * signal does not end a custom connect that never calls back, so the deadline ends the socket and
 * the callback itself, and the result does not wait for undici to notice).
 */
export async function httpGet(o: HttpOptions): Promise<HttpResult> {
  const started = Date.now();
  let tcp = false;
  let secured = false;
  let expired = false;
  // The socket's own error after the handshake (e.g. the TLS 1.3 alert "certificate required" a
  // server sends once it has read the client's Finished): undici only reports "other side closed".
  let socketError: string | undefined;
  const sockets = new Set<Socket>();
  const pendingConnects = new Set<(err: Error) => void>();
  const client = new Client(`${o.scheme}://${o.host}`, {
    connect: (_opts, cb) => {
      let called = false;
      const once = (err: Error | null, s: Socket | null) => {
        if (called) return;
        called = true;
        pendingConnects.delete(fail);
        if (err) cb(err, null);
        else cb(null, s as Socket);
      };
      const fail = (err: Error) => once(err, null);
      if (expired) {
        fail(new AttemptDeadline(`no ${o.scheme.toUpperCase()} answer within ${o.timeoutMs} ms`));
        return;
      }
      pendingConnects.add(fail);
      let s: Socket | TLSSocket;
      if (o.scheme === 'https') {
        s = tlsConnect(baseTlsOptions({ address: o.address, servername: o.host, timeoutMs: o.timeoutMs, ...o.tls }));
        s.once('connect', () => {
          tcp = true;
        });
        s.once('secureConnect', () => {
          secured = true;
          s.off('error', fail);
          s.on('error', (err) => {
            socketError ??= tlsErrorText(err);
          });
          once(null, s);
        });
      } else {
        s = netConnect({ host: o.address.host, port: o.address.port });
        s.once('connect', () => {
          tcp = true;
          s.off('error', fail);
          once(null, s);
        });
      }
      sockets.add(s);
      s.once('close', () => {
        sockets.delete(s);
        fail(new Error(tcp ? 'connection closed during handshake' : 'closed before connect'));
      });
      s.once('error', fail);
    },
    headersTimeout: o.timeoutMs,
    bodyTimeout: o.timeoutMs,
    pipelining: 0,
  });
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => {
      expired = true;
      const err = new AttemptDeadline(`no ${o.scheme.toUpperCase()} answer within ${o.timeoutMs} ms`);
      for (const fail of [...pendingConnects]) fail(err);
      for (const s of sockets) s.destroy();
      ac.abort(err);
      resolve('deadline');
    }, o.timeoutMs);
  });
  const attempt = (async (): Promise<HttpResult> => {
    const res = await client.request({ method: 'GET', path: o.path ?? '/', signal: ac.signal, headers: { 'user-agent': 'isoproof-probe-tls' } });
    await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) {
      if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    }
    return { class: 'ok', status: res.statusCode, headers, latencyMs: Date.now() - started };
  })();
  const classify = (err: unknown): HttpResult => {
    const code = errorCode(err);
    const latencyMs = Date.now() - started;
    if (!tcp) {
      if (expired) return { class: 'unreachable', error: `connect timeout after ${o.timeoutMs} ms`, latencyMs };
      return { class: 'unreachable', error: code, latencyMs };
    }
    // connected but no (complete) answer by the deadline: a slow or silent server, never a refusal
    if (expired) return { class: 'timeout', error: `no ${secured || o.scheme === 'http' ? 'HTTP answer' : 'TLS answer'} within ${o.timeoutMs} ms`, latencyMs };
    // connected; failure in the handshake or right after it (TLS 1.3 client-certificate refusal)
    return { class: 'refused', error: secured ? `after handshake: ${socketError ?? code}` : code, latencyMs };
  };
  try {
    const first = await Promise.race([attempt.then((r) => r, (err: unknown) => classify(err)), deadline]);
    return first === 'deadline' ? classify(new AttemptDeadline('deadline')) : first;
  } finally {
    clearTimeout(timer);
    attempt.catch(() => undefined);
    for (const s of sockets) s.destroy();
    // never wait for undici to wind down a hung connect: destroy in the background
    client.destroy().catch(() => undefined);
  }
}
