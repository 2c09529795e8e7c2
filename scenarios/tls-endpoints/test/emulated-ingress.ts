import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SecureVersion } from 'node:tls';
import type { KubeObject } from '@isoproof/kube';
import type { IssuedCertificate } from '@isoproof/probe-tls';

/**
 * A stand-in for Traefik built from the scenario's manifests, for offline tests of the scenario's
 * design (does each overlay flip exactly its criteria?). It reads the same annotations Traefik reads
 * and mimics what Traefik does with them: TLS options by name, the hsts and redirect-https
 * middlewares, the web/websecure entry points, the default certificate when the secret's
 * certificate does not name the host. One HTTPS and one HTTP server per host on 127.0.0.1 (node
 * cannot switch protocol versions per SNI), so tests probe host by host.
 */
interface IngressSpec {
  tls?: { hosts?: string[]; secretName?: string }[];
  rules?: { host?: string }[];
}

const A = 'traefik.ingress.kubernetes.io/';

const INTERMEDIATE = 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305';
const OPTIONS: Record<string, { minVersion: SecureVersion; ciphers: string; mtls?: boolean }> = {
  'default@file': { minVersion: 'TLSv1.2', ciphers: INTERMEDIATE },
  'intermediate@file': { minVersion: 'TLSv1.2', ciphers: INTERMEDIATE },
  'legacy@file': { minVersion: 'TLSv1', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA' },
  'weak@file': { minVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-SHA' },
  'tls-endpoints-mtls@file': { minVersion: 'TLSv1.2', ciphers: INTERMEDIATE, mtls: true },
};

export interface HostEndpoints {
  host: string;
  https: string;
  http: string;
}

export interface EmulatedIngress extends AsyncDisposable {
  hosts: HostEndpoints[];
}

function listen(server: HttpServer | HttpsServer): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

function middlewares(ing: KubeObject): string[] {
  return (ing.metadata.annotations?.[`${A}router.middlewares`] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

function entryPoints(ing: KubeObject): string[] {
  const v = ing.metadata.annotations?.[`${A}router.entrypoints`];
  return v ? v.split(',').map((s) => s.trim()) : ['web', 'websecure'];
}

function hostsOf(ing: KubeObject): string[] {
  const spec = (ing as unknown as { spec?: IngressSpec }).spec ?? {};
  return (spec.rules ?? []).map((r) => r.host).filter((h): h is string => !!h);
}

export async function startEmulatedIngress(
  objects: KubeObject[],
  certs: Map<string, IssuedCertificate>,
  o: { defaultCert: IssuedCertificate; clientCaPem: string },
): Promise<EmulatedIngress> {
  const ingresses = objects.filter((x) => x.kind === 'Ingress');
  const servers: (HttpServer | HttpsServer)[] = [];
  const hosts: HostEndpoints[] = [];
  const allHosts = [...new Set(ingresses.flatMap(hostsOf))].sort();
  for (const host of allHosts) {
    const serving = ingresses.filter((i) => hostsOf(i).includes(host));
    const tlsIng = serving.find((i) => ((i as unknown as { spec?: IngressSpec }).spec?.tls ?? []).some((t) => (t.hosts ?? []).includes(host)));
    const secure = serving.filter((i) => entryPoints(i).includes('websecure') && i.metadata.annotations?.[`${A}router.tls`] === 'true');
    const web = serving.filter((i) => entryPoints(i).includes('web'));

    let httpsAddr = '';
    if (tlsIng && secure.length) {
      const secretName = (tlsIng as unknown as { spec: IngressSpec }).spec.tls?.find((t) => (t.hosts ?? []).includes(host))?.secretName ?? '';
      const issued = certs.get(`${tlsIng.metadata.namespace}/${secretName}`);
      // Traefik serves a certificate only for the names it carries; else its default certificate
      const { X509Certificate } = await import('node:crypto');
      const matches = issued && new X509Certificate(issued.certPem).checkHost(host, { subject: 'never' }) !== undefined;
      const cert = matches && issued ? issued : o.defaultCert;
      const optName = secure[0]?.metadata.annotations?.[`${A}router.tls.options`] ?? 'default@file';
      const opt = OPTIONS[optName];
      if (!opt) throw new Error(`emulated ingress: unknown TLS option ${optName}`);
      const hsts = secure.some((i) => middlewares(i).includes('hsts@file'));
      const server = createHttpsServer(
        {
          cert: cert.certPem,
          key: cert.keyPem,
          minVersion: opt.minVersion,
          maxVersion: 'TLSv1.3',
          ciphers: `${opt.ciphers}:@SECLEVEL=0`,
          ...(opt.mtls ? { ca: o.clientCaPem, requestCert: true, rejectUnauthorized: true } : {}),
        },
        (_req, res) => {
          res.writeHead(200, hsts ? { 'strict-transport-security': 'max-age=31536000; includeSubDomains' } : {});
          res.end('netexec\n');
        },
      );
      servers.push(server);
      httpsAddr = await listen(server);
    }
    const redirect = web.some((i) => middlewares(i).includes('redirect-https@file'));
    const plain = web.length > 0;
    const http = createHttpServer((req, res) => {
      if (redirect) res.writeHead(308, { location: `https://${host}:18443${req.url ?? '/'}` });
      else res.writeHead(plain ? 200 : 404);
      res.end();
    });
    servers.push(http);
    hosts.push({ host, https: httpsAddr, http: await listen(http) });
  }
  return {
    hosts,
    async [Symbol.asyncDispose]() {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((r) => {
              s.closeAllConnections?.();
              s.close(() => r());
            }),
        ),
      );
    },
  };
}
