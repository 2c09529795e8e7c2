import type { X509Certificate } from 'node:crypto';
import type { SecureVersion } from 'node:tls';
import { TLS12_CANDIDATES } from './ciphers';
import type { Address } from './address';
import { type HandshakeResult, handshake } from './handshake';
import { type HttpResult, httpGet } from './http-get';

/** What the probe measures of one host; each aspect only when a criterion needs it. */
export type Aspect = 'handshake' | 'protocols' | 'ciphers' | 'redirect' | 'hsts' | 'mtls';

export const PROTOCOLS: readonly SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

export interface ClientCertificate {
  certPem: string;
  keyPem: string;
}

export interface InspectRequest {
  /** Name presented in SNI and Host. */
  host: string;
  /** Where to connect for TLS. */
  https?: Address;
  /** Where to connect for plain HTTP (redirect check). */
  http?: Address;
  aspects: Set<Aspect>;
  /** The CA the chain must lead to (PEM). */
  caPem?: string;
  /** Client certificate for the positive mTLS attempt. */
  client?: ClientCertificate;
  timeoutMs: number;
  /** TLS 1.2 suites offered one at a time (default TLS12_CANDIDATES). */
  cipherCandidates?: readonly string[];
  /** Bounds concurrent connections across all hosts. */
  limit: Limiter;
}

export interface HostInspection {
  host: string;
  /** Default handshake (any version, the configured CA). */
  handshake?: HandshakeResult;
  protocols?: Partial<Record<SecureVersion, HandshakeResult>>;
  ciphers?: { accepted: string[]; refused: string[]; untestable: string[]; errors: Record<string, string> };
  redirect?: HttpResult;
  hsts?: HttpResult;
  mtls?: { without: HttpResult; with?: HttpResult };
  durationMs: number;
}

/** A counting semaphore. */
export interface Limiter {
  run<T>(fn: () => Promise<T>): Promise<T>;
}

export function createLimiter(max: number): Limiter {
  let active = 0;
  const queue: (() => void)[] = [];
  const release = () => {
    active--;
    queue.shift()?.();
  };
  return {
    async run<T>(fn: () => Promise<T>): Promise<T> {
      if (active >= max) await new Promise<void>((r) => queue.push(r));
      active++;
      try {
        return await fn();
      } finally {
        release();
      }
    },
  };
}

/** Runs every needed attempt for one host, bounded per attempt by `timeoutMs`; never throws. */
export async function inspectHost(r: InspectRequest): Promise<HostInspection> {
  const started = Date.now();
  const out: HostInspection = { host: r.host, durationMs: 0 };
  // The client certificate (if any) is offered in every handshake: a server that does not ask for one
  // never sees it, and a host requiring mTLS can still be measured. Only the mTLS "without" attempt
  // goes without.
  const clientTls = r.client ? { cert: r.client.certPem, key: r.client.keyPem } : {};
  const hs = (o: Partial<Parameters<typeof handshake>[0]>) =>
    r.limit.run(() => handshake({ address: r.https as Address, servername: r.host, timeoutMs: r.timeoutMs, ...clientTls, ...o }));
  const jobs: Promise<unknown>[] = [];

  if (r.https) {
    const base = hs(r.caPem ? { ca: r.caPem } : {});
    jobs.push(base.then((h) => (out.handshake = h)));
    // Everything else waits for the base handshake: an unreachable or silent host (no answer by the
    // deadline) is not hammered; its criteria end INCONCLUSIVE on the base handshake.
    const reachable = base.then((h) => h.class !== 'unreachable' && h.class !== 'timeout');

    if (r.aspects.has('protocols')) {
      jobs.push(
        reachable.then(async (ok) => {
          if (!ok) return;
          const results = await Promise.all(
            PROTOCOLS.map((v) => hs({ minVersion: v, maxVersion: v, ciphers: 'DEFAULT:@SECLEVEL=0' }).then((h) => [v, h] as const)),
          );
          out.protocols = Object.fromEntries(results);
        }),
      );
    }
    if (r.aspects.has('ciphers')) {
      jobs.push(
        reachable.then(async (ok) => {
          if (!ok) return;
          const c = { accepted: [] as string[], refused: [] as string[], untestable: [] as string[], errors: {} as Record<string, string> };
          const candidates = r.cipherCandidates ?? TLS12_CANDIDATES;
          const results = await Promise.all(
            candidates.map((suite) =>
              hs({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: `${suite}:@SECLEVEL=0` }).then((h) => [suite, h] as const),
            ),
          );
          for (const [suite, h] of results) {
            if (h.class === 'ok') c.accepted.push(suite);
            else if (h.class === 'refused') c.refused.push(suite);
            else if (h.class === 'unsupported') c.untestable.push(suite);
            else c.errors[suite] = `${h.class}: ${h.error ?? ''}`;
          }
          out.ciphers = c;
        }),
      );
    }
    if (r.aspects.has('hsts')) {
      jobs.push(
        reachable.then(async (ok) => {
          if (!ok) return;
          out.hsts = await r.limit.run(() => httpGet({ scheme: 'https', host: r.host, address: r.https as Address, timeoutMs: r.timeoutMs, tls: clientTls }));
        }),
      );
    }
    if (r.aspects.has('mtls')) {
      jobs.push(
        reachable.then(async (ok) => {
          if (!ok) return;
          const req = { scheme: 'https' as const, host: r.host, address: r.https as Address, timeoutMs: r.timeoutMs };
          const [without, withCert] = await Promise.all([
            r.limit.run(() => httpGet(req)),
            r.client ? r.limit.run(() => httpGet({ ...req, tls: { cert: r.client?.certPem, key: r.client?.keyPem } })) : undefined,
          ]);
          out.mtls = withCert ? { without, with: withCert } : { without };
        }),
      );
    }
  }
  if (r.http && r.aspects.has('redirect')) {
    const http = r.http;
    jobs.push(r.limit.run(() => httpGet({ scheme: 'http', host: r.host, address: http, timeoutMs: r.timeoutMs })).then((h) => (out.redirect = h)));
  }
  await Promise.all(jobs);
  out.durationMs = Date.now() - started;
  return out;
}

export function leafOf(h: HostInspection | undefined): X509Certificate | undefined {
  return h?.handshake?.chain?.[0];
}
