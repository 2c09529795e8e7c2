import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { Client } from 'undici';
import type { Address } from './address';
import { type AttemptClass, baseTlsOptions, errorCode, type HandshakeOptions } from './handshake';

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
