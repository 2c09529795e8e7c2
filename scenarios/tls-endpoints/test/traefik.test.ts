import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Criterion, ProbeContext } from '@isoproof/core';
import { evaluate } from '@isoproof/core';
import { createTlsProbe, handshake, type IssuedCertificate, MTLS_OPTION, TestCa, type TlsTarget, traefikMtlsConfig } from '@isoproof/probe-tls';

/**
 * The real Traefik binary (clusters/local/ingress/build-traefik.sh) with the repo's dynamic
 * configuration, no cluster: a file-provider router per host stands in for what the
 * kubernetesIngress provider derives from the scenario's Ingress annotations. Proves the TLS options
 * (intermediate, legacy, weak, mTLS with an inline CA), the hsts and redirect-https middlewares and
 * the default-certificate fallback behave as the overlays assume. The binary: ISOPROOF_TRAEFIK_BIN, else
 * the local cluster's build cache; skips when there is none.
 */
function findTraefik(): string | undefined {
  if (process.env.ISOPROOF_TRAEFIK_BIN) return process.env.ISOPROOF_TRAEFIK_BIN;
  // the local cluster's build cache (clusters/local/build.sh), if this machine has one
  const root = join(process.env.ISOPROOF_CACHE ?? join(homedir(), '.cache', 'isoproof'), 'local');
  try {
    return readdirSync(root)
      .map((d) => join(root, d, 'bin', 'traefik'))
      .filter((f) => existsSync(f))
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  } catch {
    return undefined;
  }
}
const bin = findTraefik();
const ingressDir = fileURLToPath(new URL('../../../clusters/local/ingress', import.meta.url));

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

// .ci/go-tests.sh runs this file after the local build with ISOPROOF_REQUIRE_TRAEFIK=1: there a missing
// binary is a failure, not a skip.
if (process.env.ISOPROOF_REQUIRE_TRAEFIK === '1' && (!bin || !existsSync(bin))) {
  describe('traefik with the repo dynamic config (no cluster)', () => {
    it('the local build made a traefik binary', () => {
      throw new Error(`ISOPROOF_REQUIRE_TRAEFIK=1 but no traefik binary at ${bin ?? '(none found)'}`);
    });
  });
}

describe.skipIf(!bin || !existsSync(bin))('traefik with the repo dynamic config (no cluster)', () => {
  let dir: string;
  let ca: TestCa;
  let client: IssuedCertificate;
  let backend: Server;
  let traefik: ChildProcess;
  let https = '';
  let http = '';
  let log = '';
  const hosts = ['api.example.com', 'legacy.example.com', 'weak.example.com', 'nohsts.example.com', 'admin.example.com'];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'isoproof-traefik-'));
    ca = await TestCa.create({ commonName: 'traefik test CA' });
    client = await ca.issueClient('traefik test client');
    const cert = await ca.issueServer(hosts[0] as string, hosts.slice(1));
    await writeFile(join(dir, 'leaf.pem'), cert.certPem);
    await writeFile(join(dir, 'leaf.key'), cert.keyPem, { mode: 0o600 });
    backend = createServer((_q, s) => s.end('backend\n'));
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', () => r()));
    const backendPort = (backend.address() as AddressInfo).port;
    const [webPort, securePort] = [await freePort(), await freePort()];
    https = `127.0.0.1:${securePort}`;
    http = `127.0.0.1:${webPort}`;

    const staticConf = (await readFile(join(ingressDir, 'traefik.yaml'), 'utf8'))
      .replace('"127.0.0.1:18080"', `"${http}"`)
      .replace('"127.0.0.1:18443"', `"${https}"`)
      .replace('directory: /var/lib/isoproof/traefik/dynamic', `directory: ${join(dir, 'dynamic')}`)
      .replace(/ {2}kubernetesIngress:\n {4}throttleDuration: 1s\n/, '');
    await mkdir(join(dir, 'dynamic'));
    await copyFile(join(ingressDir, 'dynamic', 'isoproof-ingress.yaml'), join(dir, 'dynamic', 'isoproof-ingress.yaml'));
    await writeFile(join(dir, 'dynamic', 'isoproof-tls-endpoints.yaml'), traefikMtlsConfig(ca.certPem));
    const router = (name: string, host: string, options: string, mws: string[]) =>
      `    ${name}:\n      rule: Host(\`${host}\`)\n      entryPoints: [websecure]\n      service: backend\n      tls:\n        options: ${options}\n` +
      (mws.length ? `      middlewares: [${mws.join(', ')}]\n` : '');
    const routes = [
      'http:',
      '  routers:',
      router('api', 'api.example.com', 'intermediate', ['hsts']),
      router('legacy', 'legacy.example.com', 'legacy', ['hsts']),
      router('weak', 'weak.example.com', 'weak', ['hsts']),
      router('nohsts', 'nohsts.example.com', 'intermediate', []),
      router('admin', 'admin.example.com', MTLS_OPTION, ['hsts']),
      router('nocert', 'nocert.example.com', 'intermediate', ['hsts']),
      '    api-http:\n      rule: Host(`api.example.com`)\n      entryPoints: [web]\n      service: backend\n      middlewares: [redirect-https]',
      '    plain-http:\n      rule: Host(`plain.example.com`)\n      entryPoints: [web]\n      service: backend',
      '  services:',
      `    backend:\n      loadBalancer:\n        servers:\n          - url: http://127.0.0.1:${backendPort}`,
      'tls:',
      '  certificates:',
      `    - certFile: ${join(dir, 'leaf.pem')}\n      keyFile: ${join(dir, 'leaf.key')}`,
      '',
    ].join('\n');
    await writeFile(join(dir, 'dynamic', 'routes.yaml'), routes);
    await writeFile(join(dir, 'traefik.yaml'), staticConf);

    traefik = spawn(bin as string, [`--configFile=${join(dir, 'traefik.yaml')}`], {
      env: { PATH: process.env.PATH ?? '', ISOPROOF_INGRESS_HTTPS_PORT: String(securePort) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    traefik.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    traefik.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    // ready when api.example.com is served with our certificate (bounded)
    const deadline = Date.now() + 30_000;
    const [h, p] = https.split(':');
    for (;;) {
      const r = await handshake({ address: { host: h as string, port: Number(p) }, servername: 'api.example.com', timeoutMs: 1_000 });
      if (r.class === 'ok' && r.chain?.[0]?.subjectAltName?.includes('api.example.com')) break;
      if (Date.now() > deadline) throw new Error(`traefik not ready in 30 s:\n${log.slice(-3000)}`);
      await new Promise((res) => setTimeout(res, 300));
    }
  }, 60_000);

  afterAll(async () => {
    traefik?.kill('SIGTERM');
    await new Promise<void>((r) => backend?.close(() => r()));
    await ca?.[Symbol.asyncDispose]();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function verdict(check: string, host: string, spec: Record<string, unknown> = {}): Promise<string> {
    const target: TlsTarget = {
      kind: 'ingress', host, port: 443, namespace: 'traefik', tlsDeclared: true, annotations: {},
      source: { kind: 'Ingress', name: 'test', namespace: 'traefik' },
    };
    const family = createTlsProbe({ ca: () => ca.certPem, clientCertificate: () => ({ certPem: client.certPem, keyPem: client.keyPem }), targets: () => [target] });
    const c: Criterion = { id: 'TLS-TRAEFIK-01', title: check, seed: 's', probe: 'tls', vantage: 'v', expectation: 'e', spec: { check, ...spec } };
    const ctx: ProbeContext = {
      run: { id: 'rtraefik001', startedAt: new Date().toISOString() }, kubeconfigPath: '', scenario: 'traefik', provider: 'local',
      facts: { ingressAddress: https, ingressHttpAddress: http }, log: () => undefined,
    };
    const o = evaluate(c, (await family.run([c], ctx)).get(c.id) ?? []);
    return o.verdict === 'PASS' ? 'PASS' : `${o.verdict}: ${o.reason}`;
  }

  it('intermediate host: every property holds', async () => {
    for (const check of ['tls-configured', 'protocols', 'ciphers', 'chain', 'san', 'expiry', 'key', 'signature', 'hsts', 'redirect']) {
      expect(await verdict(check, 'api.example.com'), check).toBe('PASS');
    }
  });
  it('legacy option: TLS 1.0 accepted, CBC suites with it', async () => {
    expect(await verdict('protocols', 'legacy.example.com')).toMatch(/^FAIL.*TLSv1 accepted/);
    expect(await verdict('ciphers', 'legacy.example.com')).toMatch(/^FAIL.*ECDHE-RSA-AES128-SHA/);
  });
  it('weak option: protocols fine, a CBC-SHA1 suite accepted', async () => {
    expect(await verdict('protocols', 'weak.example.com')).toBe('PASS');
    expect(await verdict('ciphers', 'weak.example.com')).toMatch(/^FAIL.*ECDHE-RSA-AES128-SHA/);
  });
  it('no hsts middleware: HSTS fails', async () => {
    expect(await verdict('hsts', 'nohsts.example.com')).toMatch(/^FAIL/);
  });
  it('mTLS option with the CA inline: no certificate refused, valid one accepted', async () => {
    expect(await verdict('mtls', 'admin.example.com', { hosts: ['admin.example.com'] })).toBe('PASS');
    expect(await verdict('mtls', 'api.example.com', { hosts: ['api.example.com'] })).toMatch(/^FAIL/);
    expect(await verdict('protocols', 'admin.example.com')).toBe('PASS');
  });
  it('a host without a matching certificate gets the default certificate: chain and SAN fail', async () => {
    expect(await verdict('san', 'nocert.example.com')).toMatch(/^FAIL/);
    expect(await verdict('chain', 'nocert.example.com')).toMatch(/^FAIL/);
    expect(await verdict('key', 'nocert.example.com')).toBe('PASS');
    expect(await verdict('expiry', 'nocert.example.com')).toBe('PASS');
  });
  it('no redirect router: plain HTTP is served', async () => {
    expect(await verdict('redirect', 'plain.example.com')).toMatch(/^FAIL.*HTTP 200, no redirect/);
  });
});
