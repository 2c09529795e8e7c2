import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, Server as NetServer } from 'node:net';
import type { SecureVersion } from 'node:tls';
import { createSecureContext } from 'node:tls';
import type { Address } from '../src/address';
import { MOZILLA_INTERMEDIATE_TLS12 } from '../src/ciphers';

/** Real local servers for the probe's tests: loopback only, closed on dispose. */
export interface LocalServer extends AsyncDisposable {
  address: Address;
  /** "127.0.0.1:port" */
  hostPort: string;
  close(): Promise<void>;
}

export interface TlsServerOptions {
  cert: string;
  key: string;
  minVersion?: SecureVersion;
  maxVersion?: SecureVersion;
  /** OpenSSL cipher string for TLS <= 1.2 (default: Mozilla intermediate). */
  ciphers?: string;
  /** Strict-Transport-Security value; undefined: no header. */
  hsts?: string;
  /** Require a client certificate issued by this CA. */
  clientCa?: string;
  /** With clientCa: finish the handshake anyway and answer this HTTP status without a valid
   * certificate (what ingress-nginx does). */
  clientCertHttpStatus?: number;
  /** Answer every request with this status. */
  status?: number;
  /** Per-SNI certificates (host -> cert/key), like an ingress serving many hosts. */
  sni?: Record<string, { cert: string; key: string }>;
}

/** The ECDHE suites of Mozilla's intermediate profile, as an OpenSSL cipher string. */
export const INTERMEDIATE_SERVER_CIPHERS = MOZILLA_INTERMEDIATE_TLS12.filter((s) => s.startsWith('ECDHE-')).join(':');

/** Listens on a free loopback port; close() first calls `dropConnections`, then closes the server. */
export function listenLoopback(server: NetServer, dropConnections: () => void): Promise<LocalServer> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const a = server.address() as AddressInfo;
      const close = () =>
        new Promise<void>((r) => {
          dropConnections();
          server.close(() => r());
        });
      resolve({
        address: { host: '127.0.0.1', port: a.port },
        hostPort: `127.0.0.1:${a.port}`,
        close,
        [Symbol.asyncDispose]: close,
      });
    });
  });
}

function listen(server: HttpServer | HttpsServer): Promise<LocalServer> {
  return listenLoopback(server, () => server.closeAllConnections?.());
}

export function startTlsServer(o: TlsServerOptions): Promise<LocalServer> {
  // SECLEVEL=0 lets the deliberately weak servers (TLS 1.0, RSA-1024, SHA-1) start at all
  const ciphers = `${o.ciphers ?? INTERMEDIATE_SERVER_CIPHERS}:@SECLEVEL=0`;
  const base = { minVersion: o.minVersion ?? 'TLSv1.2', maxVersion: o.maxVersion ?? 'TLSv1.3', ciphers } as const;
  const contexts = new Map(
    Object.entries(o.sni ?? {}).map(([host, c]) => [host, createSecureContext({ ...base, cert: c.cert, key: c.key })]),
  );
  const server = createHttpsServer(
    {
      ...base,
      cert: o.cert,
      key: o.key,
      ...(o.clientCa ? { ca: o.clientCa, requestCert: true, rejectUnauthorized: o.clientCertHttpStatus === undefined } : {}),
      ...(contexts.size ? { SNICallback: (name: string, cb: (e: Error | null, ctx?: ReturnType<typeof createSecureContext>) => void) => cb(null, contexts.get(name)) } : {}),
    },
    (req, res) => {
      const headers: Record<string, string> = { 'content-type': 'text/plain' };
      if (o.hsts !== undefined) headers['strict-transport-security'] = o.hsts;
      const authorized = (req.socket as import('node:tls').TLSSocket).authorized;
      if (o.clientCertHttpStatus !== undefined && !authorized) {
        res.writeHead(o.clientCertHttpStatus, headers);
        res.end('No required SSL certificate was sent\n');
        return;
      }
      res.writeHead(o.status ?? 200, headers);
      res.end(`hello ${req.headers.host ?? ''}\n`);
    },
  );
  return listen(server);
}

export interface HttpServerOptions {
  /** Status to answer (default 308 redirect to https://<Host>/). */
  status?: number;
  /** Location to send; default https://<Host><path>; null: none. */
  location?: string | null;
}

export function startHttpServer(o: HttpServerOptions = {}): Promise<LocalServer> {
  const server = createHttpServer((req, res) => {
    const status = o.status ?? 308;
    const headers: Record<string, string> = {};
    const loc = o.location === undefined ? `https://${req.headers.host ?? ''}${req.url ?? '/'}` : o.location;
    if (loc !== null && status >= 300 && status < 400) headers.location = loc;
    res.writeHead(status, headers);
    res.end();
  });
  return listen(server);
}

/** A loopback port with nothing listening (bound then released). */
export async function closedPort(): Promise<Address> {
  const s = await listen(createHttpServer());
  await s.close();
  return s.address;
}
